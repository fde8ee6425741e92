# Virtual devices.
kobjs += $(addprefix hv/vdev/, acpi_pm.o acpi_tables.o aml.o bus.o debug_exit.o fw_cfg.o irq.o testdev.o vdev.o)
