# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o fw_cfg.o irq.o pci.o testdev.o vdev.o)
# The PC's devices (platform = pc).
kobjs += $(addprefix hv/vdev/, acpi_pm.o acpi_tables.o aml.o i8042.o ioapic.o lapic.o pci_host.o pic.o pit.o port80.o rtc.o uart.o)
