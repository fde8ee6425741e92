# Virtual devices.
kobjs += $(addprefix hv/vdev/, bus.o testdev.o vdev.o)
