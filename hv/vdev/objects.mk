# Virtual devices.
kobjs += $(addprefix hv/vdev/, testdev.o)
