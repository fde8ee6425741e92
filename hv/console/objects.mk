# The management console.
kobjs += $(addprefix hv/console/, console.o commands.o line.o reply.o attach.o)
