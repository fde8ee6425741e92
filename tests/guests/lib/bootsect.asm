; A boot sector for trying a flat guest on plain QEMU (debugging only;
; lucid loads flat guests itself). The image is this sector followed by the
; guest's .bin. We read the guest from LBA 1 with the BIOS, then start it
; the way lucid would: in real mode at CS = (ENTRY >> 4) & 0xf000,
; IP = ENTRY & 0xffff, or (-DPROTECTED) in flat 32-bit protected mode at
; ENTRY with paging off, after copying it to LOAD.
; Built with -DLOAD=... -DENTRY=... -DSECTORS=... (see guests.mk).

%ifdef PROTECTED
BUF equ 0x10000                 ; below 1 MiB for the BIOS; moved to LOAD
%else
BUF equ LOAD
%endif

org 0x7c00
bits 16
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	mov si, dap                 ; dl: the boot drive, from the BIOS
	mov ah, 0x42
	int 0x13
	jc fail
%ifdef PROTECTED
	in al, 0x92                 ; A20 on (fast gate)
	or al, 2
	out 0x92, al
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp 0x08:pm

bits 32
pm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esi, BUF
	mov edi, LOAD
	mov ecx, SECTORS * 128
	rep movsd
	xor eax, eax
	jmp 0x08:ENTRY

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
gdtr:
	dw gdtr - gdt - 1
	dd gdt
bits 16
%else
	jmp ((ENTRY >> 4) & 0xf000):(ENTRY & 0xffff)
%endif

fail:
	mov ax, 0x0e45              ; 'E' on the screen
	int 0x10
.hang:
	hlt
	jmp .hang

align 4
dap:
	db 0x10, 0
	dw SECTORS
	dw BUF & 0xf, BUF >> 4
	dq 1

	times 510 - ($ - $$) db 0
	dw 0xaa55
