#include "hv/exits/mmio.h"
#include "hv/emul/guest_linear.h"
#include "hv/emul/insn.h"
#include "hv/core/vm.h"
#include "lib/string.h"

struct access {
	const struct io_bus *bus;
	u64 gpa;
};

static u64 dev_read(void *ctx, u8 size)
{
	const struct access *a = ctx;

	return io_bus_read(a->bus, a->gpa, size);
}

static void dev_write(void *ctx, u8 size, u64 val)
{
	const struct access *a = ctx;

	io_bus_write(a->bus, a->gpa, size, val);
}

static const char *access_name(const struct exit_mem *m)
{
	return m->table_walk ? "page-table walk" : m->exec ? "instruction fetch" :
	       m->write ? "write" : "read";
}

enum exit_action mmio_exit(struct vcpu *v, struct exit_record *x)
{
	const struct exit_mem *m = &x->mem;
	const struct io_region *h = io_bus_find(&v->vm->mmio, m->gpa);
	u8 code[INSN_MAX_LEN];
	enum insn_mode mode;
	struct access a;
	struct insn in;
	struct glin g;
	u32 n;
	int err;

	if (x->cut.type != EV_NONE) {
		vm_crash(v->vm, v, "%s of guest-physical 0x%llx%s while delivering vector %d: its "
			 "IDT, GDT, TSS or stack is not RAM", access_name(m), (unsigned long long)m->gpa,
			 h ? " (a device's)" : "", x->cut.vector);
		return ACT_STOP;
	}
	if (!h || m->exec || m->table_walk) {
		vm_crash(v->vm, v, "%s of guest-physical 0x%llx, which is not the VM's memory%s",
			 access_name(m), (unsigned long long)m->gpa, h ? " (a device's)" : "");
		return ACT_STOP;
	}
	glin_init(&g, v, x);
	if (m->insn_len) {
		n = m->insn_len;
		memcpy(code, m->insn, n);
	} else if (!(n = glin_fetch(&g, code, sizeof(code)))) {
		return g.fail;
	}
	mode = insn_mode_of(glin_default_addr_size(&g));
	err = insn_decode(code, n, mode, &in);
	if (err) {
		vm_crash(v->vm, v, "%s of MMIO at guest-physical 0x%llx by an instruction lucid "
			 "does not emulate (opcode 0x%x: %s)", access_name(m),
			 (unsigned long long)m->gpa, in.opcode, insn_strerror(err));
		return ACT_STOP;
	}
	a = (struct access){ &v->vm->mmio, m->gpa };
	/* Past the device's region the bus answers as for unclaimed space;
	 * but an access that reaches into RAM is not one lucid can split. */
	if ((in.kind != INSN_LOAD) != m->write ||
	    gmem_is_ram(&v->vm->mem, m->gpa + in.size - 1, 1)) {
		vm_crash(v->vm, v, "%s of MMIO at guest-physical 0x%llx: the instruction (a %u-byte "
			 "%s) does not fit the fault", access_name(m), (unsigned long long)m->gpa,
			 in.size, in.kind == INSN_LOAD ? "load" : "store");
		return ACT_STOP;
	}
	insn_apply(&in, &v->regs, mode, dev_read, dev_write, &a);
	return ACT_EMULATED;
}
