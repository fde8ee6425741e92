; Application processors start here. A start-up IPI (SIPI) starts a CPU in
; real mode at a page below 1 MiB, so ap_trampoline is copied to such a
; page (arch/x86/smp.c) and must run from any of them: it finds its own
; base from CS, then climbs to long mode on the early identity tables
; (boot/entry.asm), whose 2 MiB pages are executable where the low page is,
; and jumps to ap_entry64 in lucid's text. ap_entry64 moves to lucid's
; final page tables and the stack the boot CPU gave it, notes its CR0 for
; the boot CPU to check (ap_boot_cr0), and calls hv_ap_main(percpu).
;
; The boot CPU starts one AP at a time, so one mailbox (ap_boot_*) serves.

%include "boot/long_mode.inc"

SEL_CODE32 equ 0x08
SEL_DATA   equ 0x10
SEL_CODE64 equ 0x18

extern early_pml4, hv_ap_main

; Offsets inside the copied page.
%define T(label) (label - ap_trampoline)

section .rodata
align 16
global ap_trampoline, ap_trampoline_end
bits 16
ap_trampoline:
	cli
	cld
	; After INIT the caches hold what they held and CR0.CD and CR0.NW
	; are as they were: both set on a CPU that has known only reset
	; (QEMU sets them on INIT too), which then runs with caching off
	; until they are cleared, with PE below. wbinvd first drops what
	; this CPU cached before: the P6 rules for CD = NW = 1 do not keep
	; such lines coherent (later CPUs ignore NW and do). It costs one
	; flush per CPU started.
	wbinvd
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4                      ; ebx = the page's linear address
	; Linear addresses for the GDT pointer and both far jumps.
	lea eax, [ebx + T(gdt)]
	mov [T(gdt_ptr) + 2], eax
	lea eax, [ebx + T(pm32)]
	mov [T(pm32_target)], eax
	lea eax, [ebx + T(lm64)]
	mov [T(lm64_target)], eax
	lgdt [T(gdt_ptr)]
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)     ; in one write: CD = 0, NW = 1 is #GP
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [T(pm32_target)]

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	mov ecx, EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp far [ebx + T(lm64_target)]

bits 64
lm64:
	mov rax, ap_entry64
	jmp rax

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08: 32-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
	dq 0x00af9a000000ffff           ; 0x18: 64-bit code
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd 0                            ; filled in: linear address of gdt
pm32_target:
	dd 0
	dw SEL_CODE32
lm64_target:
	dd 0
	dw SEL_CODE64
ap_trampoline_end:

section .data
align 8
global ap_boot_cr3, ap_boot_stack, ap_boot_percpu, ap_boot_cr0
ap_boot_cr3:    dq 0
ap_boot_stack:  dq 0
ap_boot_percpu: dq 0
ap_boot_cr0:    dq 0                ; written by the AP

section .text
bits 64
ap_entry64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [rel ap_boot_cr3]
	mov cr3, rax
	mov rsp, [rel ap_boot_stack]
	mov rdi, [rel ap_boot_percpu]
	mov rax, cr0
	mov [rel ap_boot_cr0], rax
	xor ebp, ebp                    ; terminates backtraces
	call hv_ap_main
.hang:
	cli
	hlt
	jmp .hang
