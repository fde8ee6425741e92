# The machine lucid owns: its CPUs and reset, self-tests.
kobjs += $(addprefix hv/host/, machine.o selftest.o)
