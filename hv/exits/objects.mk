# What each kind of exit does.
kobjs += $(addprefix hv/exits/, cpuid.o cpuid_view.o hypercall.o mmio.o msr.o portio.o)
# Control register writes.
kobjs += $(addprefix hv/exits/, cr.o)
