# The Intel VMX back end: so far, what the CPU allows (pure code).
kobjs += $(addprefix arch/x86/vmx/, vmx_caps.o)
