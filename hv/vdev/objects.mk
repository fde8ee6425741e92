# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o fw_cfg.o irq.o testdev.o uart.o vdev.o)
