; lucid's first instructions, for both boot paths.
;
; GRUB (multiboot2) enters _start in 32-bit protected mode with paging off.
; We check that the CPU has long mode, identity-map the first 4 GiB with
; 2 MiB pages, switch to long mode and continue at entry64_common.
;
; lucid.efi enters entry64 already in long mode (on the firmware's page
; tables, which live in memory lucid will soon reuse), so it too switches to
; lucid's early tables before anything else.
;
; Both then clear .bss and call boot_entry(magic, info) on the boot stack.
; The early tables are replaced by the final W^X ones in arch/x86/paging.c.

%include "boot/boot_info.inc"

MB2_MAGIC     equ 0xE85250D6
MB2_ARCH_I386 equ 0

%include "boot/long_mode.inc"

BOOT_STACK_SIZE equ 16384

; After lgdt and a far jump to the early 64-bit code segment (0x08).
%macro load_data_segments 0
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
%endmacro

section .multiboot2
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; end tag
	dw 0, 0
	dd 8
mb2_header_end:

section .handoff
align 8
global lucid_handoff
lucid_handoff:
	dq LUCID_HANDOFF_MAGIC
	dq entry64
	dq __image_start
	dq __image_end

extern __image_start, __image_end, __bss_start, __bss_end
extern boot_entry

section .boot.text
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov edi, eax            ; multiboot2 magic
	mov esi, ebx            ; multiboot2 information

	; Long mode is reported in CPUID 0x80000001 EDX bit 29.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	push edi
	push esi
	call build_early_tables
	pop esi
	pop edi
	mov eax, early_pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	; Firmware may hand over with the caches off (Bochs's BIOS leaves
	; CR0.CD and NW set): lucid and every guest on this CPU would run
	; uncached, as VM entry keeps them (ap_start.asm does the same, and
	; says why the wbinvd).
	wbinvd
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)     ; in one write: CD = 0, NW = 1 is #GP
	or eax, CR0_PG | CR0_PE | CR0_WP
	mov cr0, eax
	lgdt [early_gdt_ptr]
	jmp 0x08:.long_mode

.no_long_mode:
	mov esi, msg_no_long_mode
	call serial_puts32
.hang32:
	hlt
	jmp .hang32

bits 64
.long_mode:
	load_data_segments
	mov edi, edi            ; upper halves are undefined after the switch
	mov esi, esi
	jmp entry64_common

; lucid.efi: entry64(rdi = BOOT_INFO_MAGIC, rsi = struct boot_info *).
global entry64
entry64:
	cli
	cld
	mov rsp, boot_stack_top
	push rdi
	push rsi
	call build_early_tables ; 32-bit clean code, callable from 64-bit too
	mov ecx, EFER
	rdmsr
	or eax, EFER_NXE
	wrmsr
	mov eax, early_pml4
	mov cr3, rax
	lgdt [early_gdt_ptr]
	pop rsi
	pop rdi
	push 0x08
	lea rax, [rel .reload_cs]
	push rax
	retfq
.reload_cs:
	load_data_segments

entry64_common:
	mov rsp, boot_stack_top
	; Clear .bss (the boot stack and early tables live outside it).
	mov r8, rdi
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	mov rdi, r8
	xor ebp, ebp            ; terminates backtraces
	call boot_entry
.hang64:
	cli
	hlt
	jmp .hang64

; Identity map 0-4 GiB with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs.
; Written so that it assembles to the same bytes in 32- and 64-bit mode:
; only 32-bit registers, no pushes, no absolute 64-bit addressing.
bits 32
build_early_tables:
	mov edi, early_pml4
	mov ecx, (6 * 4096) / 4
	xor eax, eax
	rep stosd
	mov edi, early_pml4     ; no [disp32]: that is RIP-relative in 64-bit mode
	mov dword [edi], early_pdpt + 3
	mov edi, early_pdpt
	mov eax, early_pd + 3
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt
	; 2048 PD entries: entry i maps i * 2 MiB, present | writable | PS.
	mov edi, early_pd
	xor eax, eax
	xor edx, edx
	mov ecx, 2048
.pd:
	mov ebx, eax
	or ebx, 0x83
	mov [edi], ebx
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .pd
	ret

; Polled COM1 output for the one message printed before C runs.
serial_puts32:
.next:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, 0x3fd
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, 0x3f8
	mov al, ah
	out dx, al
	jmp .next
.done:
	ret

section .rodata
msg_no_long_mode: db "lucid: this CPU has no 64-bit long mode; lucid needs x86-64", 13, 10, 0

align 8
early_gdt:
	dq 0
	dq 0x00af9a000000ffff   ; 0x08: 64-bit code
	dq 0x00cf92000000ffff   ; 0x10: data
early_gdt_end:
early_gdt_ptr:
	dw early_gdt_end - early_gdt - 1
	dq early_gdt

section .boot_stack nobits alloc write align=4096
global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	resb 4096               ; left unmapped by the final page tables
boot_stack_bottom:
	resb BOOT_STACK_SIZE
boot_stack_top:
global early_pml4
early_pml4:
	resb 4096
early_pdpt:
	resb 4096
early_pd:
	resb 4 * 4096
