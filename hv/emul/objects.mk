# Instruction emulation: the decoder, the guest's segments and paging, its RAM.
kobjs += $(addprefix hv/emul/, guest_linear.o guest_mem.o guest_paging.o insn.o)
# The instructions lucid completes after an exit, where the hardware does
# not describe them.
kobjs += $(addprefix hv/emul/, exit_insn.o fetch_tlb.o insn_sys.o)
