/* Control register writes (see cr.h). */
#include "hv/exits/cr.h"
#include "arch/x86/cpu.h"
#include "hv/emul/exit_insn.h"
#include "hv/exits/cpuid.h"

#define CR3_PCID_MASK 0xfffull

/* The checks of a MOV to CR4 (Intel SDM vol. 2, MOV; AMD APM vol. 2,
 * 3.1.3): only offered bits; in long mode PAE stays set and LA57 as it
 * is; PCIDE is set only in long mode and with PCID 0 in CR3. */
static bool cr4_valid(struct vcpu *v, u64 val)
{
	struct guest_crs crs;
	bool long_mode;
	u64 old;

	if (val & ~cpuid_cr4_allowed())
		return false;
	virt->vcpu_get_crs(&v->arch, &crs);
	old = crs.cr4;
	long_mode = crs.efer & EFER_LMA;
	if (long_mode && (!(val & CR4_PAE) || ((val ^ old) & CR4_LA57)))
		return false;
	if ((val & ~old & CR4_PCIDE) && (!long_mode || (crs.cr3 & CR3_PCID_MASK)))
		return false;
	return true;
}

/* The register the MOV wrote: from the exit, or from the instruction
 * (whose length then comes along for ACT_SKIP). */
static bool source(struct vcpu *v, struct exit_record *x, u8 *gpr, enum exit_action *fail)
{
	struct insn_sys in;

	if (x->cr_write.gpr >= 0) {
		*gpr = (u8)x->cr_write.gpr;
		return true;
	}
	if (!exit_insn_decode(v, x, &in, fail))
		return false;
	if (in.opcode != 0x0f22 || in.cr != x->cr_write.cr) {
		vm_crash(v->vm, v, "a write of CR%u stopped at another instruction (opcode 0x%x)",
			 x->cr_write.cr, in.opcode);
		*fail = ACT_STOP;
		return false;
	}
	*gpr = in.gpr;
	x->insn_len = in.len;
	return true;
}

enum exit_action cr_write_exit(struct vcpu *v, struct exit_record *x)
{
	enum exit_action fail;
	u64 val;
	u8 gpr;

	if (x->cr_write.cr != 4) {
		vm_crash(v->vm, v, "lucid does not handle writes of CR%u", x->cr_write.cr);
		return ACT_STOP;
	}
	if (!source(v, x, &gpr, &fail))
		return fail;
	/* 64 bits in 64-bit code, else the low 32. */
	val = x->long_mode ? v->regs.gpr[gpr] : (u32)v->regs.gpr[gpr];
	if (x->cpl != 0 || !cr4_valid(v, val))
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	virt->vcpu_set_cr(&v->arch, 4, val);
	return ACT_SKIP;
}
