# The Intel VMX back end: what the CPU allows and why a VM entry failed
# (pure code), then the back end.
kobjs += $(addprefix arch/x86/vmx/, vmx_caps.o vmx_guest_check.o vmx.o vmx_entry.o)
