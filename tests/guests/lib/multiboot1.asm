; Multiboot1 header. Flags: bit 0 (modules page-aligned), bit 1 (memory
; information wanted). Assembled with -DAOUT_KLUDGE it also sets bit 16 and
; gives the load addresses itself (the "a.out kludge"), for guests shipped
; as a flat .bin that a multiboot loader must place by the header alone.

MB1_MAGIC equ 0x1BADB002
%ifdef AOUT_KLUDGE
MB1_FLAGS equ 0x00010003
%else
MB1_FLAGS equ 0x00000003
%endif

extern _start, __image_start, __load_end, __image_end

section .multiboot progbits alloc noexec nowrite align=4
global mb1_header
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)
%ifdef AOUT_KLUDGE
	dd mb1_header           ; header_addr
	dd __image_start        ; load_addr
	dd __load_end           ; load_end_addr: the file ends here
	dd __image_end          ; bss_end_addr: zeroed by the loader
	dd _start               ; entry_addr
%endif
