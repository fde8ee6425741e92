/* The instruction an exit stopped at (see exit_insn.h). */
#include "hv/emul/exit_insn.h"
#include "hv/emul/guest_linear.h"
#include "hv/core/vm.h"

/* The CPU fetched these bytes a moment ago, so they are there unless the
 * guest's page tables changed since; then the fetch's fault is the
 * guest's. They are copied first: what is decoded is what the memo of
 * the last instruction keeps, whatever another vCPU writes meanwhile. */
static bool fetch_decode(struct vcpu *v, const struct exit_record *x, u8 *code,
			 struct insn_sys *out, enum exit_action *fail)
{
	struct glin g;
	u32 n;

	glin_init(&g, v, x);
	n = glin_fetch(&g, code, INSN_MAX_LEN);
	if (!n) {
		*fail = g.fail;
		return false;
	}
	if (insn_sys_decode(code, n, insn_mode_of(glin_default_addr_size(&g)), out)) {
		vm_crash(v->vm, v, "exit 0x%llx stopped at an instruction lucid cannot complete "
			 "(opcode 0x%x, %u bytes read)", (unsigned long long)x->hw_code,
			 out->opcode, n);
		*fail = ACT_STOP;
		return false;
	}
	return true;
}

bool exit_insn_decode(struct vcpu *v, const struct exit_record *x, struct insn_sys *out,
		      enum exit_action *fail)
{
	u8 code[INSN_MAX_LEN];

	return fetch_decode(v, x, code, out, fail);
}

enum exit_action exit_insn_measure(struct vcpu *v, struct exit_record *x)
{
	u8 code[INSN_MAX_LEN];
	struct insn_sys in;
	enum exit_action fail;

	if (!fetch_decode(v, x, code, &in, &fail))
		return fail;
	x->insn_len = in.len;
	if (x->long_mode)
		fetch_tlb_remember(&v->fetch_tlb, v->regs.rip, code, in.len);
	return ACT_SKIP;
}
