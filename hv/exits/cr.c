/* Control and debug register writes (see cr.h). */
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

/* The value the MOV (opcode 0F 22 or 0F 23) wrote: from the register
 * the exit names, or the instruction says (its length then comes along
 * for ACT_SKIP); 64 bits in 64-bit code, else the low 32. */
static bool source(struct vcpu *v, struct exit_record *x, u32 opcode, u64 *val,
		   enum exit_action *fail)
{
	const char *kind = opcode == 0x0f22 ? "CR" : "DR";
	struct insn_sys in;
	u8 gpr;

	if (x->mov_to.gpr >= 0) {
		gpr = (u8)x->mov_to.gpr;
	} else {
		if (!exit_insn_decode(v, x, &in, fail))
			return false;
		if (in.opcode != opcode || in.reg != x->mov_to.reg) {
			vm_crash(v->vm, v, "a write of %s%u stopped at another instruction "
				 "(opcode 0x%x)", kind, x->mov_to.reg, in.opcode);
			*fail = ACT_STOP;
			return false;
		}
		gpr = in.gpr;
		x->insn_len = in.len;
	}
	*val = x->long_mode ? v->regs.gpr[gpr] : (u32)v->regs.gpr[gpr];
	return true;
}

enum exit_action cr_write_exit(struct vcpu *v, struct exit_record *x)
{
	enum exit_action fail;
	u64 val;

	if (x->mov_to.reg != 4) {
		vm_crash(v->vm, v, "lucid does not handle writes of CR%u", x->mov_to.reg);
		return ACT_STOP;
	}
	if (!source(v, x, 0x0f22, &val, &fail))
		return fail;
	if (x->cpl != 0 || !cr4_valid(v, val))
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	virt->vcpu_set_cr(&v->arch, 4, val);
	fetch_tlb_forget_last(&v->fetch_tlb); /* keyed without CR4: see fetch_tlb.h */
	return ACT_SKIP;
}

/* The checks of a MOV to DR7, in the CPU's order (Intel SDM vol. 2, MOV
 * to/from debug registers): #GP(0) outside CPL 0 (virtual-8086 mode is
 * CPL 3); with DR7.GD set, #DB with DR6.BD instead of the write (and GD
 * clear, as the CPU leaves it for the handler); #GP(0) for a bit set
 * above 31. Bits 10 (reads 1) and 12, 14, 15 (read 0) are the CPU's. */
#define DR7_WRITABLE 0xffff2bffull

enum exit_action dr_write_exit(struct vcpu *v, struct exit_record *x)
{
	enum exit_action fail;
	u64 val, dr7;

	if (x->mov_to.reg != 7) {
		vm_crash(v->vm, v, "lucid does not handle writes of DR%u", x->mov_to.reg);
		return ACT_STOP;
	}
	if (!source(v, x, 0x0f23, &val, &fail))
		return fail;
	if (x->cpl != 0)
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	dr7 = virt->vcpu_get_dr(&v->arch, 7);
	if (dr7 & DR7_GD) {
		virt->vcpu_set_dr(&v->arch, 6, virt->vcpu_get_dr(&v->arch, 6) | DR6_BD);
		virt->vcpu_set_dr(&v->arch, 7, dr7 & ~DR7_GD);
		v->regs.rflags |= RFLAGS_RF;	/* a fault (hv/core/vcpu.c) */
		return vcpu_inject_exception(v, EXC_DB, false, 0);
	}
	if (val >> 32)
		return vcpu_inject_exception(v, EXC_GP, true, 0);
	virt->vcpu_set_dr(&v->arch, 7, (val & DR7_WRITABLE) | DR7_INIT);
	return ACT_SKIP;
}
