/* The guest's CPUID: the host's answers, minus what lucid does not give a
 * guest (virtualisation extensions, monitoring and power features, devices
 * that come with later releases), plus the hypervisor bit and lucid's own
 * leaves at 0x40000000 (hv/hypercall_abi.h). Leaves beyond the host's
 * range read as zeros. */
#include "hv/cpuid.h"
#include "arch/x86/cpu.h"
#include "hv/hypercall_abi.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: DTES64, MONITOR, DS-CPL, VMX, SMX, EST, TM2, PDCM, x2APIC,
 * TSC-deadline. Leaf 1 EDX: APIC (no virtual LAPIC yet), ACPI thermal, TM,
 * PBE, DS. */
#define LEAF1_ECX_HIDDEN (BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | \
			  BIT(15) | BIT(21) | BIT(24))
#define LEAF1_EDX_HIDDEN (BIT(9) | BIT(21) | BIT(22) | BIT(29) | BIT(31))
#define LEAF1_ECX_OSXSAVE BIT(27)
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define CR4_OSXSAVE (1ull << 18)
/* Leaf 7 EBX: SGX, Intel PT; ECX: WAITPKG, SGX-LC; EDX: hybrid. */
#define LEAF7_EBX_HIDDEN (BIT(2) | BIT(25))
#define LEAF7_ECX_HIDDEN (BIT(5) | BIT(30))
/* Leaf 0x80000001 ECX: SVM, SKINIT, WDT, MONITORX. */
#define EXT1_ECX_HIDDEN (BIT(2) | BIT(12) | BIT(13) | BIT(29))

static struct cpuid_regs guest_cpuid(const struct vcpu *v, u32 leaf, u32 sub)
{
	static u32 max_basic, max_ext;
	struct cpuid_regs r = { 0 };

	if (!max_basic) {
		max_basic = cpuid(0, 0).eax;
		max_ext = cpuid(0x80000000, 0).eax;
	}
	if (leaf == LUCID_CPUID_BASE)
		return (struct cpuid_regs){ LUCID_CPUID_ABI, LUCID_CPUID_SIG_EBX,
					    LUCID_CPUID_SIG_ECX, LUCID_CPUID_SIG_EDX };
	if (leaf == LUCID_CPUID_ABI)
		return (struct cpuid_regs){ LUCID_ABI_VERSION, 0, 0, 0 };
	if (leaf < 0x80000000u ? leaf > max_basic : leaf > max_ext)
		return r;

	r = cpuid(leaf, sub);
	switch (leaf) {
	case 1:
		r.ecx &= ~(LEAF1_ECX_HIDDEN | LEAF1_ECX_OSXSAVE);
		if (virt->vcpu_get_cr(v, 4) & CR4_OSXSAVE) /* the guest's, not lucid's */
			r.ecx |= LEAF1_ECX_OSXSAVE;
		r.ecx |= LEAF1_ECX_HYPERVISOR;
		r.edx &= ~LEAF1_EDX_HIDDEN;
		/* Initial APIC ID and logical CPU count: this vCPU of this VM. */
		r.ebx = (r.ebx & 0xffff) | (v->vm->nvcpus << 16) | (v->id << 24);
		break;
	case 5: case 6: case 0xa: case 0xb: case 0x1f: /* power, PMU, host topology */
	case 0x12: case 0x14:                      /* SGX, Intel PT */
		r = (struct cpuid_regs){ 0 };
		break;
	case 7:
		if (sub == 0) {
			r.ebx &= ~LEAF7_EBX_HIDDEN;
			r.ecx &= ~LEAF7_ECX_HIDDEN;
			r.edx &= ~BIT(15);
		}
		break;
	case 0xd:
		if (sub == 1)
			r.eax &= ~BIT(3); /* XSAVES: lucid does not switch XSS */
		if (sub == 1)
			r.ecx = r.edx = 0;
		break;
	case 0x80000001:
		r.ecx &= ~EXT1_ECX_HIDDEN;
		break;
	case 0x8000000a: /* SVM features */
		r = (struct cpuid_regs){ 0 };
		break;
	}
	return r;
}

enum exit_action cpuid_exit(struct vcpu *v, struct exit_record *x)
{
	struct cpuid_regs r = guest_cpuid(v, x->cpuid.leaf, x->cpuid.subleaf);

	v->regs.gpr[REG_RAX] = r.eax;
	v->regs.gpr[REG_RBX] = r.ebx;
	v->regs.gpr[REG_RCX] = r.ecx;
	v->regs.gpr[REG_RDX] = r.edx;
	return ACT_SKIP;
}
