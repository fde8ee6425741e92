# Guest loaders.
kobjs += $(addprefix hv/loader/, aout.o bzimage.o elf.o flat.o layout.o loader.o multiboot1.o multiboot2.o)
