# The Intel VMX back end: what the CPU allows (pure code), then the back end.
kobjs += $(addprefix arch/x86/vmx/, vmx_caps.o vmx.o vmx_entry.o)
