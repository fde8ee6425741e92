; lucid.efi: the last instructions before lucid. Runs after ExitBootServices
; from a copy below 4 GiB (handover.c), because the copy of lucid into its
; range may overwrite the firmware's page tables, GDT and stack: it switches
; to identity tables of its own, uses no stack, moves the staged image into
; place and jumps to entry64, which loads lucid's own tables and GDT.
;
; rdi = struct handover (below 4 GiB), laid out as in handover.c.

HO_CR3     equ 0
HO_SRC     equ 8
HO_LEN     equ 16
HO_ENTRY   equ 24
HO_INFO    equ 32
HO_DST     equ 40
HO_MAGIC   equ 48

CR4_PGE    equ 7

	section .text

	global handover_blob:function hidden
	global handover_blob_end:data hidden
handover_blob:
	cli
	cld
	mov rax, [rdi + HO_CR3]
	mov rsi, [rdi + HO_SRC]
	mov rcx, [rdi + HO_LEN]
	mov r8, [rdi + HO_ENTRY]
	mov r9, [rdi + HO_INFO]
	mov r11, [rdi + HO_MAGIC]
	mov rdi, [rdi + HO_DST]
	; Toggling CR4.PGE also drops global TLB entries, which may carry the
	; firmware's read-only or no-execute attributes for these addresses.
	mov rdx, cr4
	mov r10, rdx
	btr r10, CR4_PGE
	mov cr4, r10
	mov cr3, rax
	mov cr4, rdx
	rep movsb
	mov rdi, r11
	mov rsi, r9
	jmp r8
handover_blob_end:

	section .note.GNU-stack noalloc noexec nowrite progbits
