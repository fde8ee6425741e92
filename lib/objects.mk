# Freestanding helpers.
kobjs += $(addprefix lib/, fmt.o log.o string.o)
