/* Single-stepping one instruction, for 64-bit guests. STEP(name, setup,
 * insn) defines `void step_NAME(void *)`, which runs `setup`, sets
 * EFLAGS.TF with pushf/popf and then executes `insn` (assembler text:
 * "cpuid", or ".byte 0x2e, 0x0f, 0xa2"); the single-step #DB comes at
 * NAME_next, the instruction after it. RBX is saved around both. Run it
 * under catch_fault, which returns X86_DB. */
#ifndef GUEST_STEP_H
#define GUEST_STEP_H

/* The trap comes after the instruction that follows the popf. */
#define STEP(name, setup, insn)                                              \
	void step_##name(void *);                                            \
	extern char name##_next[];                                           \
	asm(".text\nstep_" #name ": push %rbx\n " setup "\n"                 \
	    " pushf\n orq $0x100, (%rsp)\n popf\n " insn "\n" #name "_next:"  \
	    " nop\n pushf\n andq $~0x100, (%rsp)\n popf\n pop %rbx\n ret\n")

#endif
