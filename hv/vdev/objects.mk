# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o fw_cfg.o irq.o pci.o testdev.o vdev.o)
