/* What this CPU's VMX allows, worked out from its capability MSRs: the
 * value of each VMX control field, and the bits of CR0 and CR4 that are
 * fixed while in VMX operation (SDM appendix A). Pure functions: the
 * caller reads the MSRs and passes their values in, so the host unit tests
 * can feed the values real CPUs report. */
#ifndef ARCH_X86_VMX_VMX_CAPS_H
#define ARCH_X86_VMX_VMX_CAPS_H

#include "lib/types.h"

/* The VMX control fields and their capability MSRs. */
enum vmx_ctl {
	VMX_CTL_PIN,	/* pin-based VM-execution controls, VMX_PIN_* */
	VMX_CTL_PROC,	/* primary processor-based, VMX_PROC_* */
	VMX_CTL_PROC2,	/* secondary processor-based, VMX_PROC2_* */
	VMX_CTL_EXIT,	/* VM-exit controls, VMX_EXIT_CTL_* */
	VMX_CTL_ENTRY,	/* VM-entry controls, VMX_ENTRY_CTL_* */
	VMX_CTL_COUNT
};

/* The capability MSR that says what a control field allows: the TRUE_*
 * one for the pin-based, primary, exit and entry controls when
 * IA32_VMX_BASIC (basic) has bit 55, the older one otherwise. The
 * secondary controls have one MSR, which exists only if the primary
 * controls may set VMX_PROC_SECONDARY. */
u32 vmx_ctl_cap_msr(enum vmx_ctl ctl, u64 basic);

/* A control capability MSR: bits 31:0 must be 1, bits 63:32 may be 1. */
static inline u32 vmx_ctl_must1(u64 cap) { return (u32)cap; }
static inline u32 vmx_ctl_may1(u64 cap) { return (u32)(cap >> 32); }

struct vmx_ctl_choice {
	u32 value;	/* what to write to the field */
	u32 missing;	/* required bits the CPU does not allow; 0 if none */
};

/* The value of a control field whose capability MSR reads cap: the bits
 * lucid requires and the bits it would like that the CPU allows, and the
 * bits the CPU insists on whether asked for or not. A required bit the
 * CPU does not allow is left out of the value and reported in missing
 * (lucid must not use VMX then); a wanted bit it does not allow is left
 * out silently. */
struct vmx_ctl_choice vmx_ctl_choose(u64 cap, u32 required, u32 wanted);

/* "pin-based VM-execution controls", ... */
const char *vmx_ctl_name(enum vmx_ctl ctl);

/* Names the bits of a control field, e.g. "activate secondary controls,
 * virtual NMIs", lowest first; a bit without a name reads "bit 26".
 * Truncated to len - 1 characters, always terminated (len > 0). */
void vmx_ctl_bits_text(enum vmx_ctl ctl, u32 bits, char *buf, size_t len);

/* The bits of CR0 or CR4 fixed in VMX operation, from IA32_VMX_CRn_FIXED0
 * (bits that must be 1) and IA32_VMX_CRn_FIXED1 (bits that may be 1). */
struct vmx_fixed {
	u64 must1, may1;
};

/* value with the bits fixed to 1 set and the bits fixed to 0 cleared */
u64 vmx_fixed_apply(struct vmx_fixed f, u64 value);
/* whether value keeps every fixed bit */
bool vmx_fixed_ok(struct vmx_fixed f, u64 value);

/* The CR0 fixed bits as they bind a guest's CR0 at VM entry (SDM
 * "Checks on Guest Control Registers, Debug Registers, and MSRs"): CD and
 * NW are never checked, and with unrestricted guest neither are PE and
 * PG, so that a guest may run in real mode or without paging. */
struct vmx_fixed vmx_guest_cr0_fixed(struct vmx_fixed cr0, bool unrestricted);
/* whether VM entry takes value as the guest's CR0: its fixed bits as
 * above, and PG only with PE */
bool vmx_guest_cr0_ok(struct vmx_fixed cr0, bool unrestricted, u64 value);

/* What a VM-instruction error number (VMCS_INSN_ERROR) means, in the
 * SDM's words; "unknown" for a number the SDM does not list. */
const char *vmx_insn_error_name(u32 error);

#endif
