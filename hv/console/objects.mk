# The management console.
kobjs += $(addprefix hv/console/, console.o attach.o)
