; lucid.efi: the kernel image, lucid.elf, embedded whole so that lucid.efi is
; a single self-contained file. The build passes its path in LUCID_ELF.
; The symbols are hidden so the -fpic C code reaches them without a GOT.

	section .rodata progbits alloc noexec nowrite align=16

	global lucid_elf_start:data hidden
	global lucid_elf_end:data hidden
lucid_elf_start:
	incbin LUCID_ELF
lucid_elf_end:

	section .note.GNU-stack noalloc noexec nowrite progbits
