# Instruction emulation: the decoder, the guest's segments and paging, its RAM.
kobjs += $(addprefix hv/emul/, guest_linear.o guest_mem.o guest_paging.o insn.o)
