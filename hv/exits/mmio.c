#include "hv/exits/mmio.h"
#include "hv/emul/guest_linear.h"
#include "hv/emul/insn.h"
#include "hv/core/vm.h"
#include "lib/string.h"

int mmio_register(struct mmio_bus *bus, const struct mmio_handler *h)
{
	if (bus->n == MMIO_MAX_HANDLERS || h->size == 0 || h->base + h->size < h->base)
		return -1;
	for (u32 i = 0; i < bus->n; i++) {
		const struct mmio_handler *o = &bus->h[i];
		if (h->base < o->base + o->size && o->base < h->base + h->size)
			return -1;
	}
	bus->h[bus->n++] = *h;
	return 0;
}

const struct mmio_handler *mmio_find(const struct mmio_bus *bus, u64 gpa)
{
	for (u32 i = 0; i < bus->n; i++) {
		const struct mmio_handler *h = &bus->h[i];
		if (gpa >= h->base && gpa - h->base < h->size)
			return h;
	}
	return NULL;
}

struct access {
	const struct mmio_handler *h;
	u64 offset;
};

static u64 dev_read(void *ctx, u8 size)
{
	const struct access *a = ctx;

	return a->h->read ? a->h->read(a->h->dev, a->offset, size) : ~0ull;
}

static void dev_write(void *ctx, u8 size, u64 val)
{
	const struct access *a = ctx;

	if (a->h->write)
		a->h->write(a->h->dev, a->offset, size, val);
}

static const char *access_name(const struct exit_mem *m)
{
	return m->exec ? "instruction fetch" : m->write ? "write" : "read";
}

enum exit_action mmio_exit(struct vcpu *v, struct exit_record *x)
{
	const struct exit_mem *m = &x->mem;
	const struct mmio_handler *h = mmio_find(&v->vm->mmio, m->gpa);
	u8 code[INSN_MAX_LEN];
	enum insn_mode mode;
	struct access a;
	struct insn in;
	struct glin g;
	u32 n;
	int err;

	if (x->cut.type != EV_NONE) {
		vm_crash(v->vm, v, "%s of guest-physical 0x%llx%s while delivering vector %d: its "
			 "IDT, GDT, TSS or stack is not RAM", m->table_walk ? "page-table walk" :
			 access_name(m), (unsigned long long)m->gpa, h ? " (a device's)" : "",
			 x->cut.vector);
		return ACT_STOP;
	}
	if (!h || m->exec || m->table_walk) {
		vm_crash(v->vm, v, "%s of guest-physical 0x%llx, which is not the VM's memory%s",
			 m->table_walk ? "page-table walk" : access_name(m),
			 (unsigned long long)m->gpa, h ? " (a device's)" : "");
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
	a = (struct access){ h, m->gpa - h->base };
	if ((in.kind != INSN_LOAD) != m->write || a.offset + in.size > h->size) {
		vm_crash(v->vm, v, "%s of MMIO at guest-physical 0x%llx: the instruction (a %u-byte "
			 "%s) does not fit the fault", access_name(m), (unsigned long long)m->gpa,
			 in.size, in.kind == INSN_LOAD ? "load" : "store");
		return ACT_STOP;
	}
	insn_apply(&in, &v->regs, mode, dev_read, dev_write, &a);
	return ACT_EMULATED;
}
