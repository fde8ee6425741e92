/* The instruction an exit stopped at, for the exits whose instruction lucid
 * completes (CPUID, MSRs, HLT, hypercalls, XSETBV, MOV to CR). The back end
 * passes on what the hardware says (the length from nRIP, the register of
 * a MOV to CR from decode assists); what it does not say, lucid reads at
 * CS:RIP through the guest's paging and decodes (insn_sys.h). The fetch
 * TLB (fetch_tlb.h) spares most exits the walk of the guest's page tables,
 * and its memo of the last instruction spares most the decoding too. */
#ifndef HV_EXIT_INSN_H
#define HV_EXIT_INSN_H

#include "arch/x86/virt.h"
#include "hv/core/vcpu.h"
#include "hv/emul/insn_sys.h"

/* Decodes the instruction at RIP. True, or false with *fail set to what
 * the exit handler must return: the exception the fetch met, or ACT_STOP
 * (the VM crashed: not one of those instructions). */
bool exit_insn_decode(struct vcpu *v, const struct exit_record *x, struct insn_sys *out,
		      enum exit_action *fail);

/* Sets x->insn_len from the instruction's bytes, decoded in full, and
 * remembers it in 64-bit code (fetch_last_len). Returns ACT_SKIP, or what
 * exit_insn_decode met instead. */
enum exit_action exit_insn_measure(struct vcpu *v, struct exit_record *x);

/* Applies ACT_SKIP: moves RIP past the instruction, x->insn_len bytes,
 * measured first where the back end left it 0. Returns ACT_EMULATED (the
 * caller does what follows any instruction), or what the measuring met.
 * Inline: every exit that completes an instruction comes this way. */
static inline enum exit_action exit_insn_skip(struct vcpu *v, struct exit_record *x)
{
	enum exit_action act;
	u64 rip;

	if (!x->insn_len) {
		x->insn_len = x->long_mode ? fetch_last_len(&v->fetch_tlb, v->regs.rip, x->cr3) : 0;
		if (!x->insn_len && (act = exit_insn_measure(v, x)) != ACT_SKIP)
			return act;
	}
	/* Outside 64-bit code RIP wraps at 4 GiB (16-bit code never gets
	 * near: the CS limit stops it first). */
	rip = v->regs.rip + x->insn_len;
	v->regs.rip = x->long_mode ? rip : (u32)rip;
	return ACT_EMULATED;
}

#endif
