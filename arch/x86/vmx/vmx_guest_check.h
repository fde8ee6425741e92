/* Why a VM entry failed with "invalid guest state" (exit reason 33): the
 * CPU does not say which field is wrong, so this re-runs the checks of
 * SDM vol. 3C 27.3.1 "Checks on the Guest-State Area" in software and
 * names the first that fails. Pure code: the VMCS is read through a
 * callback (VMREAD in lucid, a table in the host unit tests). */
#ifndef ARCH_X86_VMX_VMX_GUEST_CHECK_H
#define ARCH_X86_VMX_VMX_GUEST_CHECK_H

#include "arch/x86/vmx/vmx_caps.h"
#include "lib/types.h"

struct vmx_guest_env {
	u64 (*read)(void *ctx, u32 field);	/* one VMCS field: vmread in lucid */
	void *ctx;
	struct vmx_fixed cr0, cr4;	/* from IA32_VMX_CR0/CR4_FIXED0/1 (vmx_caps.h) */
	u8 phys_bits;			/* MAXPHYADDR, CPUID 0x80000008 EAX[7:0] */
	u8 linear_bits;			/* 48, or 57 with LA57 */
};

/* Runs the checks of SDM 27.3.1 over the guest-state area, in the SDM's
 * order; writes a line naming the first that fails into buf (len bytes,
 * always terminated) and returns true, or returns false when all pass.
 * The controls that decide which checks apply (VM-entry controls,
 * secondary controls, the event to inject) are read through env too. */
bool vmx_guest_check(const struct vmx_guest_env *env, char *buf, size_t len);

#endif
