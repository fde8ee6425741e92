/* Why VMRUN refused a guest (exit code VMEXIT_INVALID, -1): the CPU does
 * not say which consistency check failed, so this re-runs the checks of
 * AMD APM vol. 2, 15.5.1 "Canonicalization and Consistency Checks" in
 * software over the VMCB and names the first that fails. Pure code: what
 * the CPU has (from CPUID) comes from the caller. */
#ifndef ARCH_X86_SVM_SVM_GUEST_CHECK_H
#define ARCH_X86_SVM_SVM_GUEST_CHECK_H

#include "arch/x86/svm/vmcb.h"
#include "lib/types.h"

struct svm_guest_env {
	u8 phys_bits;		/* MAXPHYADDR, CPUID 0x80000008 EAX[7:0] */
	u64 cr4_allowed;	/* CR4 bits this CPU has (others are MBZ) */
	u64 efer_allowed;	/* EFER bits this CPU has (without LM, not LME and LMA) */
};

/* Runs VMRUN's consistency checks (APM vol. 2, 15.5.1) over vmcb, in the
 * APM's order; writes a line naming the first that fails into buf (len
 * bytes, always terminated) and returns true, or returns false when all
 * pass. */
bool svm_guest_check(const struct vmcb *vmcb, const struct svm_guest_env *env, char *buf,
		     size_t len);

#endif
