# The machine lucid owns: its CPUs and reset, self-tests.
kobjs += $(addprefix hv/host/, cpus.o machine.o selftest.o wallclock.o)
