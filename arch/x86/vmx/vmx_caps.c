/* VMX capabilities: the control fields' values and the fixed CR0/CR4 bits,
 * from the capability MSRs' values (SDM appendix A). A capability is a
 * pair, the bits that must be 1 and the bits that may be 1, for a control
 * field and for CR0 and CR4 alike; what differs is what lucid does with a
 * bit it needs and may not have. */
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "lib/fmt.h"

/* What each VM-instruction error means, in the SDM's words. */
#define ERROR_TEXT(error, text) [error] = text,
static const char *const insn_errors[] = { VMX_INSN_ERRORS(ERROR_TEXT) };

struct bit_name {
	u32 bit;
	const char *name;
};

/* The SDM's names of the control bits vmcs.h lists. */
#define BIT_NAME(name, bit, text) { name, text },
static const struct bit_name pin_bits[] = { VMX_PIN_BITS(BIT_NAME) };
static const struct bit_name proc_bits[] = { VMX_PROC_BITS(BIT_NAME) };
static const struct bit_name proc2_bits[] = { VMX_PROC2_BITS(BIT_NAME) };
static const struct bit_name exit_bits[] = { VMX_EXIT_CTL_BITS(BIT_NAME) };
static const struct bit_name entry_bits[] = { VMX_ENTRY_CTL_BITS(BIT_NAME) };

static const struct {
	const char *name;
	u32 msr, true_msr;	/* the capability MSRs, without and with bit 55 */
	const struct bit_name *bits;
	size_t nbits;
} ctls[VMX_CTL_COUNT] = {
	[VMX_CTL_PIN] = { "pin-based VM-execution controls", MSR_VMX_PINBASED_CTLS,
			  MSR_VMX_TRUE_PINBASED_CTLS, pin_bits, ARRAY_SIZE(pin_bits) },
	[VMX_CTL_PROC] = { "primary processor-based VM-execution controls",
			   MSR_VMX_PROCBASED_CTLS, MSR_VMX_TRUE_PROCBASED_CTLS, proc_bits,
			   ARRAY_SIZE(proc_bits) },
	[VMX_CTL_PROC2] = { "secondary processor-based VM-execution controls",
			    MSR_VMX_PROCBASED_CTLS2, MSR_VMX_PROCBASED_CTLS2, proc2_bits,
			    ARRAY_SIZE(proc2_bits) },
	[VMX_CTL_EXIT] = { "VM-exit controls", MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS,
			   exit_bits, ARRAY_SIZE(exit_bits) },
	[VMX_CTL_ENTRY] = { "VM-entry controls", MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS,
			    entry_bits, ARRAY_SIZE(entry_bits) },
};

u32 vmx_ctl_cap_msr(enum vmx_ctl ctl, u64 basic)
{
	return basic & VMX_BASIC_TRUE_CTLS ? ctls[ctl].true_msr : ctls[ctl].msr;
}

struct vmx_ctl_choice vmx_ctl_choose(u64 cap, u32 required, u32 wanted)
{
	u32 may1 = vmx_ctl_may1(cap);

	return (struct vmx_ctl_choice){
		.value = ((required | wanted) & may1) | vmx_ctl_must1(cap),
		.missing = required & ~may1,
	};
}

const char *vmx_ctl_name(enum vmx_ctl ctl)
{
	return ctls[ctl].name;
}

static const char *bit_name(enum vmx_ctl ctl, u32 bit)
{
	for (size_t i = 0; i < ctls[ctl].nbits; i++)
		if (ctls[ctl].bits[i].bit == bit)
			return ctls[ctl].bits[i].name;
	return NULL;
}

void vmx_ctl_bits_text(enum vmx_ctl ctl, u32 bits, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (u32 b = 0; b < 32; b++) {
		if (!(bits >> b & 1))
			continue;
		const char *name = bit_name(ctl, 1u << b);
		const char *sep = pos ? ", " : "";
		int n = name ? snprintf(buf + pos, len - pos, "%s%s", sep, name)
			     : snprintf(buf + pos, len - pos, "%sbit %u", sep, b);
		pos = MIN(pos + (size_t)n, len - 1);
	}
}

u64 vmx_fixed_apply(struct vmx_fixed f, u64 value)
{
	return (value | f.must1) & f.may1;
}

bool vmx_fixed_ok(struct vmx_fixed f, u64 value)
{
	return (value & f.must1) == f.must1 && !(value & ~f.may1);
}

struct vmx_fixed vmx_guest_cr0_fixed(struct vmx_fixed cr0, bool unrestricted)
{
	u64 unchecked = CR0_CD | CR0_NW | (unrestricted ? CR0_PE | CR0_PG : 0);

	return (struct vmx_fixed){ cr0.must1 & ~unchecked, cr0.may1 | unchecked };
}

bool vmx_guest_cr0_ok(struct vmx_fixed cr0, bool unrestricted, u64 value)
{
	if ((value & CR0_PG) && !(value & CR0_PE))
		return false;
	return vmx_fixed_ok(vmx_guest_cr0_fixed(cr0, unrestricted), value);
}

const char *vmx_insn_error_name(u32 error)
{
	if (error < ARRAY_SIZE(insn_errors) && insn_errors[error])
		return insn_errors[error];
	return "unknown";
}
