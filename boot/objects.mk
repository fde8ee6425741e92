# The multiboot2 entry and the boot data both boot paths hand over.
kobjs += $(addprefix boot/, boot.o boot_info.o entry.o multiboot2.o ap_start.o)
