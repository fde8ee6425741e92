# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o fw_cfg.o irq.o lapic.o testdev.o vdev.o)
