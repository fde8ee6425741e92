; A Linux bzImage's outside, for test guests booted by the Linux boot
; protocol (the kernel's Documentation/arch/x86/boot.rst): the real-mode
; part (boot sector with the setup header, one setup sector) and the
; first 0x200 bytes of the protected-mode kernel, whose 64-bit entry is at
; offset 0x200. bzimage.ld puts .setup at file offset 0 and the rest,
; linked at GUEST_LOAD, from file offset 0x400, and computes syssize and
; init_size.
;
; The header says: protocol 2.13, a bzImage (loadflags LOADED_HIGH), the
; 64-bit entry (XLF_KERNEL_64) and an initrd allowed above 4 GiB, not
; relocatable: loaded at pref_address = GUEST_LOAD, where it is linked.
;
; _start64 records the state the loader left in linux_entry (bzimage.h),
; using no stack, takes its own stack, clears .bss, turns on x87 and SSE
; (gcc may use SSE) and calls linux_main(). Nothing is loaded or
; changed before the record: the guest checks the loader's GDT, page
; tables and segments as it found them.

extern __syssize, __init_size, __image_start, __bss_start, __bss_end
extern linux_main

SETUP_SECTS equ 1

section .setup progbits alloc noexec nowrite align=1
bits 16
setup_start:
	; Booted through the real-mode entry (0x200 here, not used by lucid):
	; there is no setup code, so stop.
	cli
.stop:
	hlt
	jmp .stop

	times 0x1f1 - ($ - setup_start) db 0
	db SETUP_SECTS                  ; 0x1f1 setup_sects
	dw 0                            ; 0x1f2 root_flags
	dd __syssize                    ; 0x1f4 syssize, in 16-byte units
	dw 0                            ; 0x1f8 ram_size
	dw 0xffff                       ; 0x1fa vid_mode: normal
	dw 0                            ; 0x1fc root_dev
	dw 0xaa55                       ; 0x1fe boot_flag
	db 0xeb, setup_header_end - (setup_start + 0x202)  ; 0x200 jump past the header
	db "HdrS"                       ; 0x202
	dw 0x020d                       ; 0x206 version 2.13
	dd 0                            ; 0x208 realmode_swtch
	dw 0x1000                       ; 0x20c start_sys_seg
	dw 0                            ; 0x20e kernel_version
	db 0                            ; 0x210 type_of_loader
	db 0x01                         ; 0x211 loadflags: LOADED_HIGH
	dw 0x8000                       ; 0x212 setup_move_size
	dd 0x100000                     ; 0x214 code32_start
	dd 0                            ; 0x218 ramdisk_image
	dd 0                            ; 0x21c ramdisk_size
	dd 0                            ; 0x220 bootsect_kludge
	dw 0                            ; 0x224 heap_end_ptr
	db 0, 0                         ; 0x226 ext_loader_ver, ext_loader_type
	dd 0                            ; 0x228 cmd_line_ptr
	dd 0x7fffffff                   ; 0x22c initrd_addr_max, as Linux
	dd 0x200000                     ; 0x230 kernel_alignment
	db 0                            ; 0x234 relocatable_kernel: no
	db 21                           ; 0x235 min_alignment
	dw 0x0003                       ; 0x236 xloadflags: KERNEL_64, CAN_BE_LOADED_ABOVE_4G
	dd 2047                         ; 0x238 cmdline_size, as Linux
	dd 0                            ; 0x23c hardware_subarch
	dq 0                            ; 0x240 hardware_subarch_data
	dd 0, 0                         ; 0x248 payload_offset, payload_length
	dq 0                            ; 0x250 setup_data
	dq __image_start                ; 0x258 pref_address
	dd __init_size                  ; 0x260 init_size
	dd 0                            ; 0x264 handover_offset
setup_header_end:
	times (SETUP_SECTS + 1) * 512 - ($ - setup_start) db 0

%include "tests/guests/lib/layout.inc"

; struct linux_entry (bzimage.h)
LE_GPR    equ 0                 ; rax rbx rcx rdx rsi rdi rbp rsp
LE_RIP    equ 64
LE_RFLAGS equ 72
LE_CR0    equ 80
LE_CR3    equ 88
LE_CR4    equ 96
LE_EFER   equ 104
LE_SEL    equ 112               ; cs ds es ss fs gs, 2 bytes each
LE_GDTR   equ 128               ; 10 bytes: limit, base
LE_IDTR   equ 144
LE_SIZE   equ 160

section .head progbits alloc exec nowrite align=16
bits 64
head_start:
	; Offset 0 is the 32-bit entry, which lucid does not use.
	ud2
	times 0x200 - ($ - head_start) db 0xcc
global _start64
_start64:
	mov [rel linux_entry + LE_GPR + 0], rax
	mov [rel linux_entry + LE_GPR + 8], rbx
	mov [rel linux_entry + LE_GPR + 16], rcx
	mov [rel linux_entry + LE_GPR + 24], rdx
	mov [rel linux_entry + LE_GPR + 32], rsi
	mov [rel linux_entry + LE_GPR + 40], rdi
	mov [rel linux_entry + LE_GPR + 48], rbp
	mov [rel linux_entry + LE_GPR + 56], rsp
	lea rax, [rel _start64]
	mov [rel linux_entry + LE_RIP], rax
	mov rax, cr0
	mov [rel linux_entry + LE_CR0], rax
	mov rax, cr3
	mov [rel linux_entry + LE_CR3], rax
	mov rax, cr4
	mov [rel linux_entry + LE_CR4], rax
	mov ecx, MSR_EFER
	rdmsr
	mov [rel linux_entry + LE_EFER], eax
	mov [rel linux_entry + LE_EFER + 4], edx
	mov [rel linux_entry + LE_SEL + 0], cs
	mov [rel linux_entry + LE_SEL + 2], ds
	mov [rel linux_entry + LE_SEL + 4], es
	mov [rel linux_entry + LE_SEL + 6], ss
	mov [rel linux_entry + LE_SEL + 8], fs
	mov [rel linux_entry + LE_SEL + 10], gs
	sgdt [rel linux_entry + LE_GDTR]
	sidt [rel linux_entry + LE_IDTR]
	lea rsp, [rel stack_top]
	pushfq                          ; no instruction so far changed a flag
	pop qword [rel linux_entry + LE_RFLAGS]

	cld
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	; x87 and SSE (64-bit CPUs have SSE2).
	mov rax, cr0
	and rax, ~(CR0_EM | CR0_TS)
	or rax, CR0_MP | CR0_NE
	mov cr0, rax
	fninit
	mov rax, cr4
	or rax, CR4_OSFXSR | CR4_OSXMMEXCPT
	mov cr4, rax
	xor ebp, ebp
	call linux_main
.hang:
	cli
	hlt
	jmp .hang

section .data
align 16
global linux_entry
linux_entry:
	times LE_SIZE db 0

section .bss
alignb 16
	resb 16384
stack_top:
