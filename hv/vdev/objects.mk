# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o debug_exit.o testdev.o vdev.o)
