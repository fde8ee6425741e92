/* The 8254 PIT and port 0x61 (pit.h), as the Intel 8254 datasheet gives
 * them, on the device framework (vdev.h).
 *
 * Nothing ticks the counters. Time is counted in input clocks (the
 * 1193182 Hz CLK edges since the VM booted, from the host TSC), and each
 * counter's counting element (CE) is a formula of the clock: loaded with
 * an initial count n at some edge, it has counted k clocks since, and
 * its value and OUT follow from n, k and the mode. What the guest does
 * (a control word, a count, a gate change) first brings a counter up to
 * the present (advance), then changes its formula from there.
 *
 * A written count is loaded into the CE at a later edge (the next one,
 * the end of a mode 2/3 cycle, or the one after a gate trigger): it is
 * pending until then. Counter 0 arms a timer for the next rising edge
 * of its OUT and pulses line 0 there. */
#include "hv/vdev/pit.h"
#include "arch/x86/cpu.h"
#include "hv/core/timer.h"
#include "hv/core/vm.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/vdev.h"
#include "lib/spinlock.h"

#define NEVER (~0ull)

/* A control word's RW field. */
enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

struct counter {
	/* As programmed. */
	u8 ctrl;		/* bits 5-0 of the last control word: RW, M, BCD */
	u8 mode;		/* 0-5 (6 and 7 are 2 and 3) */
	u16 cr;			/* the count register: the last whole count */
	bool has_count;		/* one was written since the control word */
	bool gate;
	/* The bus side: flip-flops and output latches. */
	bool write_msb;		/* an LSB came; the MSB is next */
	u8 lsb;
	bool read_msb;
	bool count_latched, status_latched;
	u16 latch;
	u8 status;
	/* The CE. */
	bool loaded;		/* it counts from an initial count */
	u16 hold;		/* not loaded: what it reads... */
	bool hold_out;		/* ...and OUT */
	u32 n;			/* the initial count, 1..65536 (BCD: ..10000) */
	bool frozen;		/* a low gate stops it (modes 0, 2, 3, 4) */
	u64 k0, run_tick;	/* k = k0 + clocks since run_tick (k0 if frozen) */
	bool null_count;	/* the CR holds a count not yet in the CE */
	bool pending;		/* the CR goes into the CE at load_at */
	u64 load_at;		/* NEVER: at the next trigger */
	bool load_low;		/* mode 3: starting the low half */
};

struct pit {
	struct spinlock lock;	/* the vCPUs' port accesses, the timer */
	struct vm *vm;
	struct counter c[3];
	u8 port_b;		/* port 0x61 bits 0-3 as written */
	struct timer timer;	/* counter 0's next rising edge */
	u64 edge;		/* the clock it is armed for, or NEVER */
};

/* --- the VM's clock --------------------------------------------------------- */

/* Clock edges since the VM booted, up to host TSC `tsc`. In two steps, so
 * that no product overflows and no 128-bit division is needed. */
static u64 clocks(const struct pit *p, u64 tsc)
{
	u64 hz = timer_hz(), d = tsc > p->vm->tsc_base ? tsc - p->vm->tsc_base : 0;

	return d / hz * PIT_HZ + d % hz * PIT_HZ / hz;
}

/* The first host TSC at which clocks() reaches clk. */
static u64 clock_tsc(const struct pit *p, u64 clk)
{
	u64 hz = timer_hz();

	return p->vm->tsc_base + clk / PIT_HZ * hz + (clk % PIT_HZ * hz + PIT_HZ - 1) / PIT_HZ;
}

/* --- the counting element --------------------------------------------------- */

static u32 modulus(const struct counter *c)
{
	return c->ctrl & 1 ? 10000 : 65536;
}

static u32 from_bcd(u16 v)
{
	/* Digits above 9 are the guest's error: counted at face value. */
	return (v >> 12) * 1000 + (v >> 8 & 15) * 100 + (v >> 4 & 15) * 10 + (v & 15);
}

static u16 to_bcd(u32 v)
{
	return (u16)(v / 1000 << 12 | v / 100 % 10 << 8 | v / 10 % 10 << 4 | v % 10);
}

/* The register's encoding of a count. */
static u16 encode(const struct counter *c, u32 v)
{
	v %= modulus(c);
	return c->ctrl & 1 ? to_bcd(v) : (u16)v;
}

/* The initial count the CR holds: 0 is the modulus; modes 2 and 3 take
 * no 1 (the datasheet's minimum is 2), so 1 counts as 2. */
static u32 initial_count(const struct counter *c)
{
	u32 n = c->ctrl & 1 ? from_bcd(c->cr) % 10000 : c->cr;

	if (n == 0)
		n = modulus(c);
	if (n == 1 && (c->mode == 2 || c->mode == 3))
		n = 2;
	return n;
}

static bool gate_stops(const struct counter *c)
{
	return c->mode != 1 && c->mode != 5;
}

/* Clocks counted at edge t, loaded. */
static u64 k_at(const struct counter *c, u64 t)
{
	if (c->frozen || t < c->run_tick)
		return c->k0;
	return c->k0 + (t - c->run_tick);
}

/* Mode 3's high half is (n + 1) / 2 clocks, its low half n / 2. */
static u32 high_half(u32 n)
{
	return (n + 1) / 2;
}

/* Mode 3's CE, p clocks into the cycle. Even n: n, n-2, ..., 2 in each
 * half. Odd n: n, n-1, n-3, ..., 2 high, then n, n-3, ..., 2 low. */
static u32 square_value(u32 n, u32 p)
{
	if (n % 2 == 0)
		return n - 2 * (p % (n / 2));
	if (p < high_half(n))
		return p == 0 ? n : n + 1 - 2 * p;
	p -= high_half(n);
	return p == 0 ? n : n - 1 - 2 * p;
}

static u16 value_at(const struct counter *c, u64 t)
{
	u64 k;

	if (!c->loaded)
		return c->hold;
	k = k_at(c, t);
	switch (c->mode) {
	case 2:
		return encode(c, c->n - (u32)(k % c->n));
	case 3:
		return encode(c, square_value(c->n, (u32)(k % c->n)));
	default:	/* 0, 1, 4, 5 count down past 0 and wrap */
		return encode(c, c->n + modulus(c) - (u32)(k % modulus(c)));
	}
}

static bool out_at(const struct counter *c, u64 t)
{
	u64 k;

	if (!c->loaded)
		return c->hold_out;
	k = k_at(c, t);
	switch (c->mode) {
	case 0:
	case 1:
		return k >= c->n;
	case 2:		/* low for the clock at count 1; a low gate sets it high */
		return c->frozen || k % c->n != c->n - 1;
	case 3:
		return c->frozen || k % c->n < high_half(c->n);
	default:	/* 4, 5: low for the one clock at count 0 */
		return k != c->n;
	}
}

/* The CR into the CE at edge t. */
static void load(struct counter *c, u64 t)
{
	c->loaded = true;
	c->n = initial_count(c);
	c->k0 = c->mode == 3 && c->load_low ? high_half(c->n) : 0;
	c->run_tick = t;
	c->frozen = gate_stops(c) && !c->gate;
	c->null_count = false;
	c->pending = false;
}

/* Brings the counter up to edge t. */
static void advance(struct counter *c, u64 t)
{
	if (c->pending && c->load_at <= t)
		load(c, c->load_at);
}

static void load_later(struct counter *c, u64 at, bool low)
{
	c->pending = true;
	c->load_at = at;
	c->load_low = low;
}

/* The first rising edge of OUT after edge `from`, the counter left alone
 * and loaded with nothing pending; NEVER if none. */
static u64 rise_in_run(const struct counter *c, u64 from)
{
	u64 k, target;

	if (!c->loaded || c->frozen)
		return NEVER;
	k = k_at(c, from);
	switch (c->mode) {
	case 0:
	case 1:		/* OUT rises at terminal count, once */
		target = c->n;
		break;
	case 2:
	case 3:		/* at each reload that ends a low part */
		target = (k / c->n + 1) * c->n;
		break;
	default:	/* 4, 5: after the strobe, once */
		target = (u64)c->n + 1;
		break;
	}
	return k < target ? from + (target - k) : NEVER;
}

/* The first rising edge of OUT after edge `from` (the counter advanced
 * at most to `from`), with a pending load on the way. */
static u64 next_rise(const struct counter *counter, u64 from)
{
	struct counter c = *counter;
	u64 at, t;
	bool before;

	advance(&c, from);
	if (!c.pending || c.load_at == NEVER)
		return rise_in_run(&c, from);
	at = c.load_at;
	t = rise_in_run(&c, from);
	if (t < at)
		return t;
	before = out_at(&c, at - 1);
	load(&c, at);
	if (!before && out_at(&c, at))
		return at;
	return rise_in_run(&c, at);
}

/* --- what the guest does to a counter --------------------------------------- */

static void control_word(struct counter *c, u8 v, u64 t)
{
	c->hold = value_at(c, t);	/* the CE stops where it is */
	c->ctrl = v & 0x3f;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->hold_out = c->mode != 0;
	c->loaded = false;
	c->pending = false;
	c->has_count = false;
	c->null_count = true;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
}

/* A whole count is in the CR. */
static void count_written(struct counter *c, u16 cr, u64 t)
{
	u32 p;
	bool low;

	c->cr = cr;
	c->has_count = true;
	c->null_count = true;
	switch (c->mode) {
	case 0:		/* OUT low now (mode 0's hold_out); loaded at the next clock */
		c->hold = value_at(c, t);
		c->loaded = false;
		load_later(c, t + 1, false);
		break;
	case 4:
		load_later(c, t + 1, false);
		break;
	case 2:
	case 3:		/* the current cycle (mode 3: half cycle) runs out first */
		if (!c->loaded) {
			load_later(c, t + 1, false);
			break;
		}
		if (c->frozen) {
			load_later(c, NEVER, false);	/* until the gate triggers */
			break;
		}
		p = (u32)(k_at(c, t) % c->n);	/* clocks into the cycle */
		low = c->mode == 3 && p < high_half(c->n);	/* the low half is next */
		load_later(c, t + (low ? high_half(c->n) : c->n) - p, low);
		break;
	default:	/* 1, 5: loaded by the next trigger */
		break;
	}
}

static void counter_write(struct counter *c, u8 b, u64 t)
{
	switch ((c->ctrl >> 4) & 3) {
	case RW_LSB:
		count_written(c, b, t);
		return;
	case RW_MSB:
		count_written(c, (u16)(b << 8), t);
		return;
	}
	if (c->write_msb) {
		c->write_msb = false;
		count_written(c, (u16)(c->lsb | b << 8), t);
		return;
	}
	c->write_msb = true;
	c->lsb = b;
	if (c->mode == 0) {	/* the first byte stops counting, OUT low */
		c->hold = value_at(c, t);
		c->loaded = false;
		c->pending = false;
	}
}

static u8 counter_read(struct counter *c, u64 t)
{
	u16 v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->count_latched ? c->latch : value_at(c, t);
	switch ((c->ctrl >> 4) & 3) {
	case RW_LSB:
		c->count_latched = false;
		return (u8)v;
	case RW_MSB:
		c->count_latched = false;
		return (u8)(v >> 8);
	}
	c->read_msb = !c->read_msb;
	if (c->read_msb)
		return (u8)v;
	c->count_latched = false;
	return (u8)(v >> 8);
}

/* A later latch before the count is read is ignored; likewise status. */
static void latch_count(struct counter *c, u64 t)
{
	if (!c->count_latched) {
		c->latch = value_at(c, t);
		c->count_latched = true;
	}
}

static void latch_status(struct counter *c, u64 t)
{
	if (!c->status_latched) {
		c->status = (u8)(out_at(c, t) << 7 | c->null_count << 6 | c->ctrl);
		c->status_latched = true;
	}
}

/* Modes 0 and 4 pause while the gate is low; 2 and 3 too, and restart
 * at its rise; 1 and 5 start (again) at its rise. */
static void set_gate(struct counter *c, bool gate, u64 t)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (c->loaded && gate_stops(c)) {
		if (!gate) {
			c->k0 = k_at(c, t);
			c->frozen = true;
			if (c->pending && (c->mode == 2 || c->mode == 3))
				c->load_at = NEVER;	/* a cycle end that will not come */
		} else if (c->mode == 0 || c->mode == 4) {
			c->frozen = false;
			c->run_tick = t;
		}
	}
	if (gate && c->has_count && c->mode != 0 && c->mode != 4)
		load_later(c, t + 1, false);
}

/* --- counter 0's timer ----------------------------------------------------- */

/* Under the lock: the timer for counter 0's next rising edge after `from`. */
static void arm(struct pit *p, u64 from)
{
	p->edge = next_rise(&p->c[0], from);
	if (p->edge == NEVER)
		timer_cancel(&p->timer);
	else
		timer_arm(&p->timer, clock_tsc(p, p->edge));
}

/* An edge is due. The timer may be a stale one (timer.h: a cancelled
 * timer may still fire once), so the edge is checked under the lock.
 * Periodic edges come from the count's own grid (no drift); a callback
 * that comes a period or more late pulses once for the edges it missed,
 * which the 8259 would merge anyway, and goes on at the next edge after
 * now; PIT_MIN_IRQ_CLOCKS spaces the pulses of very short periods. */
static void fire(struct timer *tm)
{
	struct pit *p = (struct pit *)((char *)tm - offsetof(struct pit, timer));
	struct vm *vm = p->vm;
	u64 now;

	spin_lock(&p->lock);
	now = clocks(p, rdtsc());
	if (p->edge == NEVER || now < p->edge) {
		spin_unlock(&p->lock);
		return;
	}
	if (!vm_booted(vm)) {
		p->edge = NEVER;	/* stopped for good; a boot resets us */
		spin_unlock(&p->lock);
		return;
	}
	advance(&p->c[0], now);
	arm(p, MAX(now, p->edge + PIT_MIN_IRQ_CLOCKS - 1));
	spin_unlock(&p->lock);
	irq_pulse(vm, 0);
}

/* --- the ports --------------------------------------------------------------- */

/* Under the lock: every counter brought up to now; returns now's edge. */
static u64 now_clock(struct pit *p)
{
	u64 t = clocks(p, rdtsc());

	for (u32 i = 0; i < 3; i++)
		advance(&p->c[i], t);
	return t;
}

/* Returns whether counter 0's programming changed. */
static bool control_write(struct pit *p, u8 v, u64 t)
{
	u32 sel = v >> 6;

	if (sel == 3) {		/* read-back: bit 5 clear latches counts, bit 4 status */
		for (u32 i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(&p->c[i], t);
			if (!(v & 0x10))
				latch_status(&p->c[i], t);
		}
		return false;
	}
	if (((v >> 4) & 3) == RW_LATCH) {
		latch_count(&p->c[sel], t);
		return false;
	}
	control_word(&p->c[sel], v, t);
	return sel == 0;
}

/* Wider accesses are split into bytes, port by port, as on the ISA bus. */
static u64 pit_read(void *dev, u64 offset, u8 size)
{
	struct pit *p = dev;
	u64 val = 0, t;

	spin_lock(&p->lock);
	t = now_clock(p);
	for (u8 i = 0; i < size; i++) {
		u64 port = offset + i;
		u8 b = port == 3 ? 0xff : counter_read(&p->c[port], t);	/* 0x43: write-only */

		val |= (u64)b << (8 * i);
	}
	spin_unlock(&p->lock);
	return val;
}

static void pit_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct pit *p = dev;
	bool counter0 = false;
	u64 t;

	spin_lock(&p->lock);
	t = now_clock(p);
	for (u8 i = 0; i < size; i++) {
		u64 port = offset + i;
		u8 b = (u8)(val >> (8 * i));

		if (port == 3) {
			counter0 |= control_write(p, b, t);
		} else {
			counter_write(&p->c[port], b, t);
			counter0 |= port == 0;
		}
	}
	if (counter0)
		arm(p, t);
	spin_unlock(&p->lock);
}

static u64 port_b_read(void *dev, u64 offset, u8 size)
{
	struct pit *p = dev;
	u64 t;
	u8 v;

	(void)offset;
	(void)size;
	spin_lock(&p->lock);
	t = now_clock(p);
	v = (u8)(p->port_b | (t / PIT_REFRESH_CLOCKS & 1) << 4 | out_at(&p->c[2], t) << 5);
	spin_unlock(&p->lock);
	return v;
}

static void port_b_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct pit *p = dev;
	u64 t;

	(void)offset;
	(void)size;
	spin_lock(&p->lock);
	t = now_clock(p);
	p->port_b = val & 0x0f;
	set_gate(&p->c[2], val & 1, t);
	spin_unlock(&p->lock);
}

/* --- the model ---------------------------------------------------------------- */

/* Power-on: no counter counts until programmed; each reads as after the
 * control word 0x30 (mode 0, LSB then MSB, binary): 0, OUT low. Counters
 * 0 and 1 have their gates tied high, counter 2's follows port 0x61. */
static void reset(struct vdev *d)
{
	struct pit *p = d->state;

	spin_lock(&p->lock);
	timer_cancel(&p->timer);
	p->edge = NEVER;
	p->port_b = 0;
	for (u32 i = 0; i < 3; i++) {
		p->c[i] = (struct counter){ .gate = i != 2, .hold = 0 };
		control_word(&p->c[i], 0x30, 0);
	}
	spin_unlock(&p->lock);
}

static int attach(struct vdev *d)
{
	struct pit *p = vdev_state_alloc(d, sizeof(*p));
	const struct io_region counters = { PIT_PORT, PIT_PORTS, pit_read, pit_write, p };
	const struct io_region port_b = { PIT_PORT_B, 1, port_b_read, port_b_write, p };

	if (!p)
		return -1;
	p->vm = d->vm;
	timer_init(&p->timer, fire);
	reset(d);
	if (vdev_claim_ports(d, &counters, "PIT's ports"))
		return -1;
	return vdev_claim_ports(d, &port_b, "PIT's port B");
}

/* A VM is freed only when its creation fails, before any guest ran, so
 * no callback of this timer can be running elsewhere. */
static void pit_free(struct vdev *d)
{
	struct pit *p = d->state;

	timer_cancel(&p->timer);
}

const struct vdev_model pit_model = {
	.name = "pit",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
	.free = pit_free,
};
VDEV_MODEL(pit_model);

struct timer *pit_timer(const struct vm *vm)
{
	struct pit *p = vdev_state(vm, &pit_model);

	return p ? &p->timer : NULL;
}
