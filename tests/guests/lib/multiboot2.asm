; Multiboot2 header (i386 protected-mode entry, ELF entry point), asking
; for page-aligned modules (tag 6).

MB2_MAGIC equ 0xE85250D6
MB2_ARCH_I386 equ 0

section .multiboot progbits alloc noexec nowrite align=8
global mb2_header
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; module alignment
	dw 6, 0
	dd 8
	; end tag
	dw 0, 0
	dd 8
mb2_header_end:
