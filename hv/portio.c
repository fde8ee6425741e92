#include "hv/portio.h"
#include "lib/string.h"

#define RFLAGS_DF (1ull << 10)
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)

static const struct port_handler *find(const struct port_bus *bus, u16 port)
{
	for (u32 i = 0; i < bus->n; i++) {
		const struct port_handler *h = &bus->h[i];
		if (port >= h->base && port - h->base < h->count)
			return h;
	}
	return NULL;
}

int portio_register(struct port_bus *bus, const struct port_handler *h)
{
	if (bus->n == PORTIO_MAX_HANDLERS || h->count == 0 || h->base + h->count > 0x10000)
		return -1;
	for (u32 i = 0; i < bus->n; i++) {
		const struct port_handler *o = &bus->h[i];
		if (h->base < o->base + o->count && o->base < h->base + h->count)
			return -1;
	}
	bus->h[bus->n++] = *h;
	return 0;
}

static u32 size_mask(u8 size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

u32 portio_read(const struct port_bus *bus, u16 port, u8 size)
{
	const struct port_handler *h = find(bus, port);

	return (h && h->read ? h->read(h->dev, port, size) : 0xffffffffu) & size_mask(size);
}

void portio_write(const struct port_bus *bus, u16 port, u8 size, u32 val)
{
	const struct port_handler *h = find(bus, port);

	if (h && h->write)
		h->write(h->dev, port, size, val & size_mask(size));
}

/* The address size of a string instruction. SVM's EXITINFO1 has it, but
 * QEMU leaves it zero; the code segment's mode is the usual answer. */
static u64 addr_mask(const struct vcpu *v, const struct exit_record *x)
{
	if (x->long_mode)
		return ~0ull;
	return (virt->vcpu_get_cr(v, 0) & CR0_PE) ? 0xffffffffull : 0xffffull;
}

/* INS/OUTS, with or without REP, done in one go: every iteration reaches
 * the same port. */
static enum exit_action string_io(struct vcpu *v, struct exit_record *x)
{
	const struct port_bus *bus = &v->vm->ports;
	u64 mask = addr_mask(v, x);
	u64 count = x->io.rep ? v->regs.gpr[REG_RCX] & mask : 1;
	int idx = x->io.in ? REG_RDI : REG_RSI;
	u64 addr = v->regs.gpr[idx] & mask;
	s64 step = (v->regs.rflags & RFLAGS_DF) ? -(s64)x->io.size : x->io.size;

	if (x->io.in && count && (virt->vcpu_get_cr(v, 0) & CR0_PG)) {
		vm_crash(v->vm, v, "INS with guest paging on is not supported yet (port 0x%x)",
			 x->io.port);
		return ACT_STOP;
	}
	for (u64 i = 0; i < count; i++, addr = (addr + (u64)step) & mask) {
		if (x->io.in) {
			u32 val = portio_read(bus, x->io.port, x->io.size);
			/* ES is flat in every mode lucid enters a guest in. */
			if (gmem_write(&v->vm->mem, addr, &val, x->io.size)) {
				vm_crash(v->vm, v, "INS to 0x%llx, outside the VM's memory",
					 (unsigned long long)addr);
				return ACT_STOP;
			}
		} else {
			u32 val = 0;
			if (!gmem_read(&v->vm->mem, addr, &val, x->io.size))
				portio_write(bus, x->io.port, x->io.size, val);
		}
	}
	v->regs.gpr[idx] = (v->regs.gpr[idx] & ~mask) | addr;
	if (x->io.rep)
		v->regs.gpr[REG_RCX] &= ~mask;
	return ACT_SKIP;
}

enum exit_action portio_exit(struct vcpu *v, struct exit_record *x)
{
	u64 *rax = &v->regs.gpr[REG_RAX];

	if (x->io.string)
		return string_io(v, x);
	if (x->io.in) {
		u32 val = portio_read(&v->vm->ports, x->io.port, x->io.size);
		if (x->io.size == 4)
			*rax = val; /* a 32-bit result clears the upper half */
		else
			*rax = (*rax & ~(u64)size_mask(x->io.size)) | val;
	} else {
		portio_write(&v->vm->ports, x->io.port, x->io.size, (u32)*rax);
	}
	return ACT_SKIP;
}
