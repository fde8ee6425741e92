# Guests built into lucid.elf (the default configuration's).
kobjs += $(addprefix hv/builtin/, builtin.o images.o)
