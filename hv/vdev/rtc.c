/* The guests' CMOS clock and RAM (rtc.h), on the device framework
 * (vdev.h). Nothing ticks: each access works the registers out from the
 * VM's clock, now. */
#include "hv/vdev/rtc.h"
#include "drivers/rtc.h"
#include "hv/core/vm.h"
#include "hv/host/wallclock.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"

#define US 1000000
#define UIP_US 244		/* UIP rises this long before an update */
#define DIVIDER_HZ 32768	/* what the periodic rate divides */
#define POWER_ON_A 0x26		/* 32.768 kHz, running; 1024 Hz periodic rate */
#define POWER_ON_B RTC_B_24H	/* BCD, 24 hours, no interrupts */

struct rtc {
	struct spinlock lock;
	struct vm *vm;
	u8 index;		/* port 0x70 bits 6-0; bit 7 masks NMIs, which no device raises */
	/* The RAM, the alarm bytes, A and B; while SET is up, the time too.
	 * C and D are worked out at each read. */
	u8 cmos[RTC_CMOS_SIZE];
	s64 offset_us;		/* the VM's clock less the host's */
	u8 wday_shift;		/* the weekday the guest set less the date's, 0-6 */
	u8 flags;		/* register C's flags not yet read */
	s64 flags_at;		/* the VM's clock when flags was brought up to date */
};

/* A time register's place in struct rtc_regs, or NULL for another register. */
static u8 *time_reg(struct rtc_regs *t, u8 index)
{
	switch (index) {
	case RTC_SEC: return &t->sec;
	case RTC_MIN: return &t->min;
	case RTC_HOUR: return &t->hour;
	case RTC_WDAY: return &t->wday;
	case RTC_DAY: return &t->day;
	case RTC_MONTH: return &t->month;
	case RTC_YEAR: return &t->year;
	case RTC_CENTURY: return &t->century;
	default: return NULL;
	}
}

static bool setting(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_SET;
}

/* The VM's clock: microseconds since 1970 (before it, if the guest went
 * back that far). */
static s64 clock_now(const struct rtc *r)
{
	return (s64)wallclock_us() + r->offset_us;
}

/* The time registers as the running clock has them at `now`. */
static void clock_regs(const struct rtc *r, s64 now, struct rtc_regs *t)
{
	struct date d;

	date_from_seconds(div_floor(now, US), &d);
	d.wday = (u8)((d.wday + r->wday_shift) % 7);
	rtc_regs_from_date(&d, r->cmos[RTC_REG_B], t);
}

/* The time registers held while SET is up, and back. */
static void held_regs(struct rtc *r, struct rtc_regs *t)
{
	for (u8 i = 0; i < RTC_CMOS_SIZE; i++)
		if (time_reg(t, i))
			*time_reg(t, i) = r->cmos[i];
}

static void hold_regs(struct rtc *r, struct rtc_regs *t)
{
	for (u8 i = 0; i < RTC_CMOS_SIZE; i++)
		if (time_reg(t, i))
			r->cmos[i] = *time_reg(t, i);
}

/* The alarm's field (hours, minutes or seconds) as a number, or -1 when
 * its byte matches anything. */
static int alarm_field(const struct rtc *r, u8 index)
{
	u8 v = r->cmos[index], b = r->cmos[RTC_REG_B];

	if (v >= RTC_ALARM_ANY)
		return -1;
	return index == RTC_HOUR_ALARM ? rtc_decode_hour(v, b) : rtc_decode(v, b);
}

/* Seconds from a time `into` seconds into its unit, which is number
 * `have` of its field, to the start of unit number `want`, or of the
 * field's wrap (`wrap` units) if want is not ahead. */
static s64 skip(int want, int have, int wrap, s64 unit, s64 into)
{
	return (s64)((have < want ? want : wrap) - have) * unit - into;
}

/* Whether the time of day matched the alarm at some second in
 * (from, to]. Skips whole hours and minutes that cannot match, so a day
 * takes a few dozen steps at most. */
static bool alarm_between(const struct rtc *r, s64 from, s64 to)
{
	int h = alarm_field(r, RTC_HOUR_ALARM), m = alarm_field(r, RTC_MIN_ALARM);
	int s = alarm_field(r, RTC_SEC_ALARM);

	if (to - from > DAY_SECONDS)	/* every time of day comes by */
		to = from + DAY_SECONDS;
	for (s64 t = from + 1; t <= to;) {
		s64 tod = mod_floor(t, DAY_SECONDS);
		int th = (int)(tod / 3600), tm = (int)(tod / 60 % 60), ts = (int)(tod % 60);

		if (h >= 0 && h != th)
			t += skip(h, th, 24, 3600, tod % 3600);
		else if (m >= 0 && m != tm)
			t += skip(m, tm, 60, 60, ts);
		else if (s >= 0 && s != ts)
			t += skip(s, ts, 60, 1, 0);
		else
			return true;
	}
	return false;
}

/* Divider cycles since 1970 (in two steps: us * 32768 overflows). */
static s64 cycles(s64 us)
{
	return div_floor(us, US) * DIVIDER_HZ + mod_floor(us, US) * DIVIDER_HZ / US;
}

/* Adds the flags of what happened from flags_at to now: the chip sets
 * them as it goes; lucid, which has no timer, works them out when the
 * guest looks or before its clock moves. */
static void catch_up(struct rtc *r, s64 now)
{
	u8 rate = r->cmos[RTC_REG_A] & RTC_A_RS;
	s64 from = r->flags_at;

	if (now <= from)	/* no time passed (another CPU's TSC may lag a little) */
		return;
	if (rate) {
		/* Rates 1 and 2 are 256 and 128 Hz; 3-15 are 8192 Hz down to 2. */
		s64 period = rate <= 2 ? 1 << (rate + 6) : 1 << (rate - 1);

		if (div_floor(cycles(now), period) != div_floor(cycles(from), period))
			r->flags |= RTC_C_PF;
	}
	if (!setting(r) && div_floor(now, US) > div_floor(from, US)) {
		r->flags |= RTC_C_UF;
		if (alarm_between(r, div_floor(from, US), div_floor(now, US)))
			r->flags |= RTC_C_AF;
	}
	r->flags_at = now;
}

/* Starts the clock from the time registers t, `sub_us` into the second. */
static void set_clock(struct rtc *r, const struct rtc_regs *t, s64 sub_us)
{
	u8 b = r->cmos[RTC_REG_B];
	struct date d, check;
	s64 secs, host = (s64)wallclock_us();

	catch_up(r, host + r->offset_us);
	rtc_regs_to_date(t, b, true, &d);
	secs = date_to_seconds(&d);
	date_from_seconds(secs, &check);
	/* The chip counts the weekday apart from the date: keep the guest's. */
	r->wday_shift = (u8)mod_floor((s64)rtc_decode(t->wday, b) - 1 - check.wday, 7);
	r->offset_us = secs * US + sub_us - host;
	r->flags_at = secs * US + sub_us;
}

static u8 read_c(struct rtc *r, s64 now)
{
	u8 b = r->cmos[RTC_REG_B], c;

	catch_up(r, now);
	c = r->flags;
	if (c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF))	/* each flag sits under its enable bit */
		c |= RTC_C_IRQF;
	r->flags = 0;
	return c;
}

static u8 data_read(struct rtc *r)
{
	s64 now = clock_now(r);
	struct rtc_regs t;
	u8 *reg = time_reg(&t, r->index);

	if (reg && !setting(r)) {
		clock_regs(r, now, &t);
		return *reg;
	}
	switch (r->index) {
	case RTC_REG_A:
		return (u8)(r->cmos[RTC_REG_A] |
			    (!setting(r) && mod_floor(now, US) >= US - UIP_US ? RTC_A_UIP : 0));
	case RTC_REG_C:
		return read_c(r, now);
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->cmos[r->index];
	}
}

static void write_b(struct rtc *r, u8 val)
{
	u8 old = r->cmos[RTC_REG_B];
	struct rtc_regs t;

	if (val & RTC_B_SET) {
		val &= (u8)~RTC_B_UIE;
		if (!(old & RTC_B_SET)) {	/* the time stops where it is */
			r->cmos[RTC_REG_B] = val;
			clock_regs(r, clock_now(r), &t);
			hold_regs(r, &t);
		}
	} else if (old & RTC_B_SET) {		/* and starts from what was written */
		r->cmos[RTC_REG_B] = val;
		held_regs(r, &t);
		set_clock(r, &t, 0);
	}
	r->cmos[RTC_REG_B] = val;
}

static void data_write(struct rtc *r, u8 val)
{
	struct rtc_regs t;
	u8 *reg = time_reg(&t, r->index);
	s64 now;

	if (reg && !setting(r)) {	/* the running clock changes now */
		now = clock_now(r);
		clock_regs(r, now, &t);
		*reg = val;
		set_clock(r, &t, mod_floor(now, US));
		return;
	}
	if (r->index == RTC_REG_A || r->index == RTC_REG_B)
		catch_up(r, clock_now(r));	/* the flags so far, at the old rate and SET */
	switch (r->index) {
	case RTC_REG_A:
		r->cmos[RTC_REG_A] = val & (u8)~RTC_A_UIP;
		break;
	case RTC_REG_B:
		write_b(r, val);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;		/* read-only */
	default:
		r->cmos[r->index] = val;
	}
}

/* Byte registers: a wider access is byte cycles on the ISA bus, the
 * lowest port first. */
static u64 port_read(void *dev, u64 offset, u8 size)
{
	struct rtc *r = dev;
	u64 flags = spin_lock_irqsave(&r->lock), val = 0;

	for (u8 i = 0; i < size; i++)
		val |= (u64)(offset + i == 0 ? 0xff : data_read(r)) << (8 * i);
	spin_unlock_irqrestore(&r->lock, flags);
	return val;
}

static void port_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct rtc *r = dev;
	u64 flags = spin_lock_irqsave(&r->lock);

	for (u8 i = 0; i < size; i++) {
		u8 byte = (u8)(val >> (8 * i));

		if (offset + i == 0)
			r->index = byte & (RTC_CMOS_SIZE - 1);
		else
			data_write(r, byte);
	}
	spin_unlock_irqrestore(&r->lock, flags);
}

/* n bytes of v, the lowest first, at CMOS index at. */
static void put_le(struct rtc *r, u8 at, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		r->cmos[at + i] = (u8)(v >> (8 * i));
}

/* The RAM sizes, as QEMU's pc_cmos_init puts them for firmware. */
static void memory_sizes(struct rtc *r)
{
	u64 low = 0, high = 0, ext;
	const struct guest_mem *m = &r->vm->mem;

	for (u32 i = 0; i < m->n; i++) {
		u64 end = m->r[i].gpa + m->r[i].size;

		low += end <= GiB(4) ? m->r[i].size : m->r[i].gpa < GiB(4) ? GiB(4) - m->r[i].gpa : 0;
		high += end > GiB(4) ? end - MAX(m->r[i].gpa, GiB(4)) : 0;
	}
	put_le(r, 0x15, MIN(low / KiB(1), 640), 2);
	ext = MIN(low > MiB(1) ? (low - MiB(1)) / KiB(1) : 0, 0xffff);
	put_le(r, 0x17, ext, 2);
	put_le(r, 0x30, ext, 2);
	put_le(r, 0x34, MIN(low > MiB(16) ? (low - MiB(16)) / KiB(64) : 0, 0xffff), 2);
	put_le(r, 0x5b, high / KiB(64), 3);
}

/* What the chip's reset line clears; the battery keeps the rest. */
static void reset(struct vdev *d)
{
	struct rtc *r = d->state;
	u64 flags = spin_lock_irqsave(&r->lock);

	r->cmos[RTC_REG_B] &= (u8)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	r->flags = 0;
	r->flags_at = clock_now(r);
	r->index = 0;
	spin_unlock_irqrestore(&r->lock, flags);
}

static int attach(struct vdev *d)
{
	struct rtc *r = vdev_state_alloc(d, sizeof(*r));
	const struct io_region ports = { VRTC_PORT, VRTC_PORTS, port_read, port_write, r };

	if (!r)
		return -1;
	r->vm = d->vm;
	r->cmos[RTC_REG_A] = POWER_ON_A;
	r->cmos[RTC_REG_B] = POWER_ON_B;
	r->flags_at = clock_now(r);
	memory_sizes(r);
	return vdev_claim_ports(d, &ports, "CMOS clock's ports");
}

static const struct vdev_model rtc_model = {
	.name = "rtc",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(rtc_model);
