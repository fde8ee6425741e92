# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o fw_cfg.o irq.o pic.o testdev.o vdev.o)
