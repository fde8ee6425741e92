; How an application processor gets from its start-up IPI to C (smp.c).
;
; A STARTUP message with vector VV starts the AP in real mode at
; CS = VV << 8, IP = 0. smp.c copies smp_trampoline to that page (below
; 1 MiB, so it must be copied: the guest is linked at 1 MiB); it loads the
; runtime's GDT and jumps, in protected mode, to ap_start32 in the image,
; keeping the CS it started with in ESI. ap_start32 turns on x87 and SSE
; as entry.asm does, takes the stack of its APIC ID (CPUID 1), and in a
; 64-bit guest enters long mode on the page tables the boot CPU uses
; (smp_cr3); then it calls ap_main(APIC ID, CS). No TSS: the boot CPU's
; is busy, and an AP never leaves CPL 0.

%include "tests/guests/lib/layout.inc"

extern gdt, ap_main, smp_cr3

SMP_MAX_CPUS   equ 8            ; guest.h
AP_STACK_SHIFT equ 13           ; 8 KiB each, smp.c's ap_stacks

section .text
bits 16
global smp_trampoline, smp_trampoline_end
smp_trampoline:
	cli
	mov ax, cs
	mov ds, ax
	movzx esi, ax
	o32 lgdt [.gdtr - smp_trampoline]
	mov eax, cr0
	or al, CR0_PE
	mov cr0, eax
	jmp dword KCODE32:ap_start32
align 4
.gdtr:
	dw GDT_SIZE - 1
	dd gdt
smp_trampoline_end:

bits 32
ap_start32:
	load_data_segments ax
	enable_fpu eax
	mov eax, 1
	cpuid
	shr ebx, 24             ; the initial APIC ID
	jz .hang                ; the boot CPU's, or one without a stack
	cmp ebx, SMP_MAX_CPUS
	jae .hang
%ifdef LONG_MODE
	mov eax, [smp_cr3]
	enter_long_mode eax, ap_start64
.hang:
	cli
	hlt
	jmp .hang

bits 64
ap_start64:
	mov edi, ebx            ; zero-extended: the upper halves are undefined
	mov esi, esi
	mov eax, edi
	shl eax, AP_STACK_SHIFT
	lea rsp, [rax + ap_stacks]
	xor ebp, ebp
	call ap_main
%else
	mov esp, ebx
	shl esp, AP_STACK_SHIFT
	add esp, ap_stacks
	push esi
	push ebx
	call ap_main
%endif
.hang:
	cli
	hlt
	jmp .hang

; AP n (1 .. SMP_MAX_CPUS - 1) runs on [ap_stacks + (n - 1) * 8 KiB,
; ap_stacks + n * 8 KiB).
section .bss
alignb 16
global ap_stacks, ap_stacks_end
ap_stacks:
	resb (SMP_MAX_CPUS - 1) << AP_STACK_SHIFT
ap_stacks_end:
