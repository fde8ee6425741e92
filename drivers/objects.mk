# lucid's drivers for the real machine.
kobjs += $(addprefix drivers/, acpi.o pit.o uart16550.o)
