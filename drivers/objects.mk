# lucid's drivers for the real machine.
kobjs += $(addprefix drivers/, acpi.o ioapic.o pic8259.o pit.o rtc.o uart16550.o)
