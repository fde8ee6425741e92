/* The 8259A pair (pic.h), on the device framework (vdev.h) and the
 * interrupt lines (irq.h).
 *
 * Each chip keeps what the datasheet names: the request register (IRR),
 * the mask (IMR), the in-service register (ISR), its vector base (ICW2),
 * the priority rotation, and its INT output.
 *
 * Requests. A level-triggered input requests while its line is high. An
 * edge-triggered input latches a request when its line rises and keeps it
 * after the line falls until it is acknowledged: lucid's devices pulse
 * their lines (irq_pulse), where the real chip wants the line held until
 * INTA. The master's input 2 is the slave's INT.
 *
 * INT. A chip raises INT when it has an unmasked request of higher
 * priority than any in service; an in-service input blocks its own and
 * lower priorities (in special mask mode only itself, and in special
 * fully nested mode the master takes a further slave request while one is
 * in service). Once up, INT stays up when a device withdraws its request,
 * until the next acknowledge or command (a write, or a poll's read), as
 * the real chip's does: so the acknowledge can find nothing, and answers
 * with the spurious vector base + 7, setting no ISR bit (for the slave,
 * with the master's input 2 in service, as Linux expects of a spurious
 * IRQ 15). A poll command makes the next read, at either port, that
 * chip's acknowledge, as the datasheet says.
 *
 * Accepted and without effect: ICW1's call address interval and 8080
 * address bits, ICW4's 8086/8080 bit (an x86 CPU reads a vector either
 * way) and buffered-mode bits (the board says which chip is which), and
 * the slave's ID in its ICW3 (on a PC it is wired to input 2 and answers
 * there). The master treats input 2 as the slave's only when it is in
 * cascade mode with ICW3 bit 2 set; otherwise it delivers base + 2 itself.
 *
 * Power-on and reset, as QEMU's reset and the datasheet's ICW1: IMR, IRR
 * and ISR clear (every input unmasked), vector bases 0, no ICW expected,
 * IR7 the lowest priority, every line edge-triggered, IRR selected for
 * reads, the slave on the master's input 2 as the board wires it. So a
 * guest initialises the pair before any device raises a line, as a BIOS
 * does: base 0 would give the exceptions' vectors. The line levels are
 * the devices', not the chips': a reset keeps them. */
#include "hv/vdev/pic.h"
#include "hv/core/vcpu.h"
#include "hv/vdev/vdev.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define CASCADE 2		/* the master's input the slave drives */
#define ELCR_MASTER 0xf8	/* which lines ELCR can make level-triggered */
#define ELCR_SLAVE 0xde
#define BIT(n) ((u8)(1u << (n)))

enum { MASTER, SLAVE };

struct chip {
	u8 wire;	/* the levels of its inputs' lines; kept across reset */
	u8 latch;	/* edge-triggered requests */
	u8 imr, isr, elcr;
	u8 base;	/* ICW2: the vector of input 0 */
	u8 icw3;
	u8 lowest;	/* the input of lowest priority */
	u8 next_icw;	/* 2, 3 or 4 while initialising, else 0 */
	bool ic4, single, ltim;		/* ICW1 */
	bool aeoi, sfnm;		/* ICW4 */
	bool rotate_aeoi, smm, read_isr, poll;
	bool out;	/* INT */
};

struct pic {
	struct spinlock lock;
	struct chip chip[2];
	struct vm *vm;
	struct intr_source src;
};

static u8 level_triggered(const struct chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

static bool is_master(const struct pic *p, const struct chip *c)
{
	return c == &p->chip[MASTER];
}

static u8 irr(const struct pic *p, const struct chip *c)
{
	u8 lvl = level_triggered(c);
	u8 r = (u8)((c->latch & ~lvl) | (c->wire & lvl));

	if (is_master(p, c))
		r = (u8)((r & ~BIT(CASCADE)) | (p->chip[SLAVE].out ? BIT(CASCADE) : 0));
	return r;
}

/* 0 is the highest priority: the input after the lowest. */
static u32 rank(const struct chip *c, u32 line)
{
	return (line - c->lowest - 1) & 7;
}

/* The input of highest priority in mask, or -1. */
static int highest(const struct chip *c, u8 mask)
{
	for (u32 i = 1; i <= 8; i++) {
		u32 line = (c->lowest + i) & 7;

		if (mask & BIT(line))
			return (int)line;
	}
	return -1;
}

static bool cascaded(const struct chip *m)
{
	return !m->single && (m->icw3 & BIT(CASCADE));
}

/* The input an acknowledge would take now, or -1. */
static int choose(const struct pic *p, const struct chip *c)
{
	u8 req = irr(p, c) & ~c->imr, busy_mask = c->isr;
	int best, busy;

	if (c->smm)
		return highest(c, req & ~c->isr);
	best = highest(c, req);
	if (best < 0)
		return -1;
	if (c->sfnm && is_master(p, c) && best == CASCADE)
		busy_mask &= (u8)~BIT(CASCADE);
	busy = highest(c, busy_mask);
	return busy < 0 || rank(c, (u32)best) < rank(c, (u32)busy) ? best : -1;
}

/* After a command or an acknowledge: INT follows the chips' state (the
 * slave first, since it drives the master's input 2). */
static void update_out(struct pic *p)
{
	p->chip[SLAVE].out = choose(p, &p->chip[SLAVE]) >= 0;
	p->chip[MASTER].out = choose(p, &p->chip[MASTER]) >= 0;
}

/* After a line rose: INT rises if it has cause; it does not fall here. */
static void raise_out(struct pic *p)
{
	p->chip[SLAVE].out |= choose(p, &p->chip[SLAVE]) >= 0;
	p->chip[MASTER].out |= choose(p, &p->chip[MASTER]) >= 0;
}

static void acknowledge(struct chip *c, int line)
{
	c->latch &= (u8)~BIT(line);
	if (!c->aeoi)
		c->isr |= BIT(line);
	else if (c->rotate_aeoi)
		c->lowest = (u8)line;
}

/* The vector an INTA cycle gets now, or -1 if INT is down; with ack, the
 * cycle itself. */
static int inta(struct pic *p, bool ack)
{
	struct chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int line, vector;

	if (!m->out)
		return -1;
	line = choose(p, m);
	if (line < 0) {
		vector = m->base | 7;
	} else if (line == CASCADE && cascaded(m)) {
		int sl = choose(p, s);

		vector = s->base | (sl < 0 ? 7 : sl);
		if (ack && sl >= 0)
			acknowledge(s, sl);
	} else {
		vector = m->base | line;
	}
	if (ack) {
		if (line >= 0)
			acknowledge(m, line);
		update_out(p);
	}
	return vector;
}

static int inta_locked(struct pic *p, bool ack)
{
	int vector;

	spin_lock(&p->lock);
	vector = inta(p, ack);
	spin_unlock(&p->lock);
	return vector;
}

static int src_pending(void *ctl)
{
	return inta_locked(ctl, false);
}

static int src_take(void *ctl)
{
	return inta_locked(ctl, true);
}

/* Outside the lock: the vCPU's next entry asks the pair again. */
static void notify(struct pic *p, bool rose)
{
	if (rose)
		vcpu_intr_changed(p->vm->vcpu[0]);
}

static void set_line(void *ctl, u32 line, bool level)
{
	struct pic *p = ctl;
	struct chip *c = &p->chip[line / 8];
	u8 bit = BIT(line % 8);
	bool was, rose = false;

	if (line == CASCADE || line >= 16)
		return;
	spin_lock(&p->lock);
	was = p->chip[MASTER].out;
	if (level && !(c->wire & bit)) {
		c->wire |= bit;
		if (!(level_triggered(c) & bit))
			c->latch |= bit;
		raise_out(p);
		rose = !was && p->chip[MASTER].out;
	} else if (!level) {
		c->wire &= (u8)~bit;
	}
	spin_unlock(&p->lock);
	notify(p, rose);
}

/* --- the registers ------------------------------------------------------ */

static void icw1(struct chip *c, u8 val)
{
	c->ic4 = val & 0x01;
	c->single = val & 0x02;
	c->ltim = val & 0x08;
	c->next_icw = 2;
	/* What the datasheet's initialisation clears; ISR too, as QEMU and
	 * Bochs do. A line already high must rise again. */
	c->latch = c->imr = c->isr = 0;
	c->lowest = 7;
	c->smm = c->read_isr = c->poll = false;
	c->aeoi = c->sfnm = c->rotate_aeoi = false;
}

static void icw(struct chip *c, u8 val)
{
	switch (c->next_icw) {
	case 2:
		c->base = val & 0xf8;
		c->next_icw = c->single ? (c->ic4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = val;
		c->next_icw = c->ic4 ? 4 : 0;
		break;
	default:
		c->aeoi = val & 0x02;
		c->sfnm = val & 0x10;
		c->next_icw = 0;
		break;
	}
}

static void end_of_interrupt(struct chip *c, int line, bool rotate)
{
	if (line < 0)
		return;
	c->isr &= (u8)~BIT(line);
	if (rotate)
		c->lowest = (u8)line;
}

static void ocw2(struct chip *c, u8 val)
{
	int line = val & 7;

	switch (val >> 5) {
	case 0:			/* rotate in AEOI mode: clear */
	case 4:			/* set */
		c->rotate_aeoi = val >> 7;
		break;
	case 1:			/* non-specific EOI: the highest in service */
	case 5:			/* and rotate */
		end_of_interrupt(c, highest(c, c->isr), val >> 7);
		break;
	case 3:			/* specific EOI */
	case 7:			/* and rotate */
		end_of_interrupt(c, line, val >> 7);
		break;
	case 6:			/* set priority: line becomes the lowest */
		c->lowest = (u8)line;
		break;
	default:		/* 2: no operation */
		break;
	}
}

static void ocw3(struct chip *c, u8 val)
{
	if (val & 0x40)
		c->smm = val & 0x20;
	if (val & 0x04)
		c->poll = true;
	if (val & 0x02)
		c->read_isr = val & 0x01;
}

static void chip_write(struct chip *c, u64 a0, u8 val)
{
	if (a0 == 0) {
		if (val & 0x10)
			icw1(c, val);
		else if (val & 0x08)
			ocw3(c, val);
		else
			ocw2(c, val);
	} else if (c->next_icw) {
		icw(c, val);
	} else {
		c->imr = val;
	}
}

/* A poll command makes the next read, at either port, an acknowledge of
 * this chip alone: 0x80 | the input, or 0 if none requests. */
static u8 chip_read(struct pic *p, struct chip *c, u64 a0, bool *acked)
{
	int line;

	if (c->poll) {
		c->poll = false;
		*acked = true;
		line = choose(p, c);
		if (line < 0)
			return 0;
		acknowledge(c, line);
		return (u8)(0x80 | line);
	}
	if (a0)
		return c->imr;
	return c->read_isr ? c->isr : irr(p, c);
}

/* Port accesses of 2 bytes reach the chip as two of one, as an ISA bus
 * splits them. */
static u64 access(struct pic *p, u32 which, u64 offset, u8 size, u64 val, bool write)
{
	struct chip *c = &p->chip[which];
	bool was, acked = false, now;
	u64 got = 0;

	spin_lock(&p->lock);
	was = p->chip[MASTER].out;
	for (u8 i = 0; i < size; i++) {
		if (write)
			chip_write(c, offset + i, (u8)(val >> 8 * i));
		else
			got |= (u64)chip_read(p, c, offset + i, &acked) << 8 * i;
	}
	if (write || acked)
		update_out(p);
	now = p->chip[MASTER].out;
	spin_unlock(&p->lock);
	notify(p, now && (!was || acked));
	return got;
}

static u64 master_read(void *dev, u64 offset, u8 size)
{
	return access(dev, MASTER, offset, size, 0, false);
}

static void master_write(void *dev, u64 offset, u8 size, u64 val)
{
	access(dev, MASTER, offset, size, val, true);
}

static u64 slave_read(void *dev, u64 offset, u8 size)
{
	return access(dev, SLAVE, offset, size, 0, false);
}

static void slave_write(void *dev, u64 offset, u8 size, u64 val)
{
	access(dev, SLAVE, offset, size, val, true);
}

static u64 elcr_read(void *dev, u64 offset, u8 size)
{
	struct pic *p = dev;
	u64 got = 0;

	spin_lock(&p->lock);
	for (u8 i = 0; i < size; i++)
		got |= (u64)p->chip[offset + i].elcr << 8 * i;
	spin_unlock(&p->lock);
	return got;
}

static void elcr_write(void *dev, u64 offset, u8 size, u64 val)
{
	static const u8 writable[2] = { ELCR_MASTER, ELCR_SLAVE };
	struct pic *p = dev;
	bool was, now;

	spin_lock(&p->lock);
	was = p->chip[MASTER].out;
	for (u8 i = 0; i < size; i++) {
		struct chip *c = &p->chip[offset + i];

		c->elcr = (u8)(val >> 8 * i) & writable[offset + i];
		c->latch &= (u8)~level_triggered(c);
	}
	update_out(p);
	now = p->chip[MASTER].out;
	spin_unlock(&p->lock);
	notify(p, now && !was);
}

/* --- the device --------------------------------------------------------- */

static void reset(struct vdev *d)
{
	struct pic *p = d->state;

	spin_lock(&p->lock);
	for (u32 i = 0; i < 2; i++) {
		u8 wire = p->chip[i].wire;

		memset(&p->chip[i], 0, sizeof(p->chip[i]));
		p->chip[i].wire = wire;
		p->chip[i].lowest = 7;
	}
	p->chip[MASTER].icw3 = BIT(CASCADE);
	p->chip[SLAVE].icw3 = CASCADE;
	spin_unlock(&p->lock);
}

static int attach(struct vdev *d)
{
	struct vm *vm = d->vm;
	struct pic *p = vdev_state_alloc(d, sizeof(*p));
	const struct io_region ports[] = {
		{ PIC_MASTER_PORT, PIC_PORTS, master_read, master_write, p },
		{ PIC_SLAVE_PORT, PIC_PORTS, slave_read, slave_write, p },
		{ PIC_ELCR_PORT, PIC_ELCR_PORTS, elcr_read, elcr_write, p },
	};
	const struct irq_controller ctl = { set_line, p, 16, NULL };

	if (!p)
		return -1;
	p->vm = vm;
	p->src = (struct intr_source){ src_pending, src_take, p };
	reset(d);
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++)
		if (vdev_claim_ports(d, &ports[i], "8259 ports"))
			return -1;
	if (irq_controller_add(vm, &ctl))
		return -1;
	vm->irq.extint = &p->src;
	/* vCPU 0's INTR, unless a local APIC came first to stand between. */
	if (vm->nvcpus && !vm->vcpu[0]->events.src)
		vm->vcpu[0]->events.src = &p->src;
	return 0;
}

static const struct vdev_model pic_model = {
	.name = "pic",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(pic_model);
