/* The instruction an exit stopped at (see exit_insn.h). */
#include "hv/emul/exit_insn.h"
#include "hv/emul/guest_linear.h"
#include "hv/core/vm.h"

bool exit_insn_decode(struct vcpu *v, const struct exit_record *x, struct insn_sys *out,
		      enum exit_action *fail)
{
	u8 code[INSN_MAX_LEN];
	enum insn_mode mode;
	const u8 *p;
	struct glin g;
	u32 n;
	int err;

	glin_init(&g, v, x);
	mode = insn_mode_of(glin_default_addr_size(&g));
	/* The CPU fetched these bytes a moment ago, so they are there unless
	 * the guest's page tables changed since; then the fetch's fault is
	 * the guest's. They are decoded where they lie, and copied only
	 * where the instruction may go on into the next page. */
	p = glin_code(&g, &n);
	if (p && n >= INSN_MAX_LEN) {
		err = insn_sys_decode(p, INSN_MAX_LEN, mode, out);
	} else {
		n = glin_fetch(&g, code, sizeof(code));
		err = n ? insn_sys_decode(code, n, mode, out) : 0;
	}
	if (!n) {
		*fail = g.fail;
		return false;
	}
	if (err) {
		vm_crash(v->vm, v, "exit 0x%llx stopped at an instruction lucid cannot complete "
			 "(opcode 0x%x, %u bytes read)", (unsigned long long)x->hw_code,
			 out->opcode, n);
		*fail = ACT_STOP;
		return false;
	}
	return true;
}

/* The common case, in a few dozen instructions: 64-bit code, a page the
 * fetch TLB holds, no prefix. 0 where it is not that case; a miss is left
 * to exit_insn_decode, which walks and fills the TLB. It reads only what a
 * hit compares: through glin_init and glin_code, as the other cases go,
 * every exit without nRIP cost 45 instructions more (make bench). */
static u8 plain_len(struct vcpu *v, const struct exit_record *x)
{
	u64 room = PAGE_SIZE - (v->regs.rip & (PAGE_SIZE - 1));
	struct guest_crs crs;
	const u8 *p;

	if (!x->long_mode)
		return 0;
	virt->vcpu_get_crs(&v->arch, &crs);
	p = fetch_tlb_hit(&v->fetch_tlb, &crs, x->cpl, v->regs.rip);
	return p ? insn_sys_plain_len(p, room < INSN_MAX_LEN ? room : INSN_MAX_LEN) : 0;
}

/* The other cases, out of line: their decoding's frame is not the common
 * case's to build. */
static __attribute__((noinline)) enum exit_action measure_decoded(struct vcpu *v,
								   struct exit_record *x)
{
	struct insn_sys in;
	enum exit_action fail;

	if (!exit_insn_decode(v, x, &in, &fail))
		return fail;
	x->insn_len = in.len;
	return ACT_SKIP;
}

enum exit_action exit_insn_measure(struct vcpu *v, struct exit_record *x)
{
	if ((x->insn_len = plain_len(v, x)))
		return ACT_SKIP;
	return measure_decoded(v, x);
}
