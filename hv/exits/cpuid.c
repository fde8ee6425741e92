/* The guest's CPUID: one view for every VM (hv/exits/cpuid_view.h), built at
 * boot so that an exit costs a table lookup, not a host CPUID (which is
 * itself an exit when lucid runs nested). */
#include "hv/exits/cpuid.h"
#include "arch/x86/fpu.h"
#include "arch/x86/lapic.h"
#include "hv/exits/cpuid_view.h"

static struct cpuid_view guest_view;

void cpuid_init(void)
{
	cpuid_view_build(&guest_view, cpuid, fpu_guest_xfeatures());
	cpuid_view_set_tsc(&guest_view, lapic()->tsc_hz);
}

u64 cpuid_cr4_allowed(void)
{
	return guest_view.cr4;
}

bool cpuid_guest_intel(void)
{
	bool per_vcpu;
	const struct cpuid_regs *r = cpuid_view_find(&guest_view, 0, 0, &per_vcpu);

	return r->ebx == 0x756e6547 && r->edx == 0x49656e69 && r->ecx == 0x6c65746e;
}

static void set_regs(struct vcpu *v, const struct cpuid_regs *r)
{
	v->regs.gpr[REG_RAX] = r->eax;
	v->regs.gpr[REG_RBX] = r->ebx;
	v->regs.gpr[REG_RCX] = r->ecx;
	v->regs.gpr[REG_RDX] = r->edx;
}

static __attribute__((noinline)) void set_regs_per_vcpu(struct vcpu *v, u32 leaf, u32 sub,
							 struct cpuid_regs r)
{
	struct guest_crs crs;
	struct cpuid_vcpu_state s;

	virt->vcpu_get_crs(&v->arch, &crs);
	s = (struct cpuid_vcpu_state){ v->id, v->vm->nvcpus, crs.cr4, fpu_guest_xcr0(&v->arch),
				       v->vm->reboots, v->vm->cpuid1_ecx, v->vm->cpuid1_edx };

	cpuid_view_fixup(&guest_view, leaf, sub, &s, &r);
	set_regs(v, &r);
}

enum exit_action cpuid_exit(struct vcpu *v, struct exit_record *x)
{
	u32 leaf = x->cpuid.leaf, sub = x->cpuid.subleaf;
	bool per_vcpu;
	const struct cpuid_regs *r = cpuid_view_find(&guest_view, leaf, sub, &per_vcpu);

	if (per_vcpu)
		set_regs_per_vcpu(v, leaf, sub, *r);
	else
		set_regs(v, r);
	return ACT_SKIP;
}
