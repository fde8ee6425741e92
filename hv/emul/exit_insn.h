/* The instruction an exit stopped at, for the exits whose instruction lucid
 * completes (CPUID, MSRs, HLT, hypercalls, XSETBV, MOV to CR). The back end
 * passes on what the hardware says (the length from nRIP, the register of
 * a MOV to CR from decode assists); what it does not say, lucid reads at
 * CS:RIP through the guest's paging and decodes (insn_sys.h). The fetch
 * TLB (fetch_tlb.h) spares most exits the walk of the guest's page tables,
 * and an instruction without prefixes takes a short path. */
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

/* Sets x->insn_len from the instruction's bytes, decoded in full.
 * Returns ACT_SKIP, or what exit_insn_decode met instead. */
enum exit_action exit_insn_measure(struct vcpu *v, struct exit_record *x);

/* The common case, in a few dozen instructions: 64-bit code, a page the
 * fetch TLB holds, no prefix. 0 where it is not that case; a miss is left
 * to exit_insn_measure, which walks and fills the TLB. It reads only what a
 * hit compares: through glin_init and glin_code, as the other cases go,
 * every exit without nRIP cost 45 instructions more (make bench). Inline,
 * with exit_insn_skip: the run loop's frame serves it. */
static inline u8 exit_insn_plain_len(struct vcpu *v, const struct exit_record *x)
{
	struct guest_crs crs;
	const u8 *p;
	u64 room;

	if (!x->long_mode)
		return 0;
	virt->vcpu_get_crs(&v->arch, &crs);
	p = fetch_tlb_hit(&v->fetch_tlb, &crs, x->cpl, v->regs.rip);
	if (!p)
		return 0;
	room = PAGE_SIZE - (v->regs.rip & (PAGE_SIZE - 1));
	return insn_sys_plain_len(p, room < INSN_MAX_LEN ? room : INSN_MAX_LEN);
}

/* Applies ACT_SKIP: moves RIP past the instruction, x->insn_len bytes,
 * measured first where the back end left it 0. Returns ACT_EMULATED (the
 * caller does what follows any instruction), or what the measuring met.
 * Inline: every exit that completes an instruction comes this way. */
static inline enum exit_action exit_insn_skip(struct vcpu *v, struct exit_record *x)
{
	enum exit_action act;
	u64 rip;

	if (!x->insn_len) {
		x->insn_len = exit_insn_plain_len(v, x);
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
