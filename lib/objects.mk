# Freestanding helpers.
kobjs += $(addprefix lib/, date.o fmt.o log.o nearest.o string.o)
