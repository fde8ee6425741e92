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

enum exit_action exit_insn_measure(struct vcpu *v, struct exit_record *x)
{
	struct insn_sys in;
	enum exit_action fail;

	if (!exit_insn_decode(v, x, &in, &fail))
		return fail;
	x->insn_len = in.len;
	return ACT_SKIP;
}
