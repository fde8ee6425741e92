; Guests built into lucid, found by name when lucid.cfg (or the built-in
; default configuration) names a kernel that no boot module provides.

	section .rodata

	global builtin_hello_start, builtin_hello_end
builtin_hello_start:
	incbin BUILTIN_HELLO
builtin_hello_end:

	section .note.GNU-stack noalloc noexec nowrite progbits
