#include "hv/exits/msr.h"
#include "arch/x86/cpu.h"
#include "arch/x86/guest_regs.h"
#include "hv/exits/cpuid.h"

#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_FFXSR)
/* IA32_MISC_ENABLE of an Intel CPU, which Linux reads before it has an
 * IDT (verify_cpu: the XD disable bit) and later: fast strings on, no
 * branch trace store or PEBS (no performance monitoring is offered),
 * XD not disabled, CPUID not limited. Writes are taken and change
 * nothing. On AMD there is no such MSR (#GP). */
#define MSR_MISC_ENABLE 0x1a0
#define MISC_ENABLE_VALUE ((1ull << 0) | (1ull << 11) | (1ull << 12))
/* IA32_BIOS_SIGN_ID: Intel's microcode revision, which Linux reads (after
 * writing 0) at boot: revision 0, writes taken without effect. */
#define MSR_BIOS_SIGN_ID 0x8b

static enum exit_action gp(struct vcpu *v)
{
	return vcpu_inject_exception(v, EXC_GP, true, 0);
}

/* The MSRs lucid itself emulates. Returns 0, or -1 for #GP. */
static int own_msr_read(struct vcpu *v, u32 index, u64 *val)
{
	switch (index) {
	case MSR_EFER:
	case MSR_PAT:
	case MSR_TSC:
		return virt->vcpu_get_msr(&v->arch, index, val);
	case MSR_TSC_AUX:
		return guest_tsc_aux_read(&v->arch, val);
	case MSR_MISC_ENABLE:
	case MSR_BIOS_SIGN_ID:
		*val = index == MSR_MISC_ENABLE ? MISC_ENABLE_VALUE : 0;
		return cpuid_guest_intel() ? 0 : -1;
	default:
		return -1;
	}
}

enum exit_action msr_read_exit(struct vcpu *v, struct exit_record *x)
{
	const struct msr_region *dev = msr_bus_find(&v->vm->msrs, x->msr.index);
	u64 val;

	if (dev ? dev->read(dev->dev, x->msr.index, &val) : own_msr_read(v, x->msr.index, &val))
		return gp(v);
	v->regs.gpr[REG_RAX] = (u32)val;
	v->regs.gpr[REG_RDX] = val >> 32;
	return ACT_SKIP;
}

static bool efer_valid(struct vcpu *v, u64 val)
{
	struct guest_crs crs;

	if (val & ~EFER_GUEST_BITS) /* SVME among them: not offered to guests */
		return false;
	virt->vcpu_get_crs(&v->arch, &crs);
	/* LME may not change while paging is on. */
	if ((crs.cr0 & CR0_PG) && ((val ^ crs.efer) & EFER_LME))
		return false;
	return true;
}

enum exit_action msr_write_exit(struct vcpu *v, struct exit_record *x)
{
	const struct msr_region *dev = msr_bus_find(&v->vm->msrs, x->msr.index);
	u64 val = x->msr.value;

	if (dev)
		return dev->write(dev->dev, x->msr.index, val) ? gp(v) : ACT_SKIP;
	switch (x->msr.index) {
	case MSR_EFER:
		if (!efer_valid(v, val))
			return gp(v);
		break;
	case MSR_PAT:
		if (pat_bad_field(val) < 8)
			return gp(v);
		break;
	case MSR_TSC:
		break;
	case MSR_TSC_AUX:
		return guest_tsc_aux_write(&v->arch, val) ? gp(v) : ACT_SKIP;
	case MSR_MISC_ENABLE:
	case MSR_BIOS_SIGN_ID:
		return cpuid_guest_intel() ? ACT_SKIP : gp(v);
	default:
		return gp(v);
	}
	return virt->vcpu_set_msr(&v->arch, x->msr.index, val) ? gp(v) : ACT_SKIP;
}
