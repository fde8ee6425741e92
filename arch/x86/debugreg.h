/* Guest debug address registers DR0-DR3. The hardware switches DR6 and
 * DR7 with the rest of the guest state (VMCB, VMCS) but not these, and a
 * guest writes them without exits. lucid never uses them itself (its DR7
 * stays 0), so like the FPU they stay in the CPU until another vCPU runs
 * there; only then are they saved and the other's loaded. */
#ifndef ARCH_X86_DEBUGREG_H
#define ARCH_X86_DEBUGREG_H

struct vcpu;

/* Puts v's DR0-DR3 into this CPU before it enters the guest. */
void dr_switch_to(struct vcpu *v);
/* Forgets v everywhere and clears its registers (reset, or VM gone). */
void dr_vcpu_reset(struct vcpu *v);

#endif
