/* Host tests for the PC's devices of platform = pc, over the fake back
 * end (fake_hv.h), through a VM's port bus as the port exits reach it:
 * the CMOS clock and RAM (hv/vdev/rtc.c) against a host clock the test
 * sets, the keyboard controller (hv/vdev/i8042.c), the PCI host bridge
 * (hv/vdev/pci_host.c) and the POST code port (hv/vdev/port80.c); every
 * register, and accesses of every width and offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "drivers/rtc.h"
#include "hv/vdev/pci.h"
#include "hv/vdev/port80.h"

#define US 1000000ull
/* 2026-12-05 21:48:20, a Saturday: the host's time in these tests. */
#define T0 (1796507300ull * US)
#define MEM MiB(40)

static struct vm *vm;	/* a PC of 40 MiB, started */

/* The interrupt lines as the devices drive them (irq_set is wrapped). */
#define MAX_EDGES 64
static struct { u32 line; bool level; } drives[MAX_EDGES];
static u32 ndrives;
static bool line_level[VM_IRQ_LINES];

void __real_irq_set(struct vm *m, u32 line, bool level);
void __wrap_irq_set(struct vm *m, u32 line, bool level);
void __wrap_irq_set(struct vm *m, u32 line, bool level)
{
	if (m == vm && line < VM_IRQ_LINES) {
		if (ndrives < MAX_EDGES)
			drives[ndrives++] = (typeof(drives[0])){ line, level };
		line_level[line] = level;
	}
	__real_irq_set(m, line, level);
}

/* How many times line went from low to high since the last call. */
static u32 rises(u32 line)
{
	u32 n = 0;
	bool level = false;

	for (u32 i = 0; i < ndrives; i++)
		if (drives[i].line == line) {
			n += drives[i].level && !level;
			level = drives[i].level;
		}
	ndrives = 0;
	return n;
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	vm = host_pc_vm("pc", 1, MEM, true);
	return 0;
}

static u64 in(struct vm *m, u16 port, u8 size)
{
	return io_bus_read(&m->ports, port, size);
}

static void out(struct vm *m, u16 port, u8 size, u64 val)
{
	io_bus_write(&m->ports, port, size, val);
}

/* --- the CMOS clock and RAM ---------------------------------------------------- */

static u8 cmos_of(struct vm *m, u8 index)
{
	out(m, 0x70, 1, index);
	return (u8)in(m, 0x71, 1);
}

static u8 cmos(u8 index)
{
	return cmos_of(vm, index);
}

static void cmos_set(u8 index, u8 val)
{
	out(vm, 0x70, 1, index);
	out(vm, 0x71, 1, val);
}

/* The time registers, each as the test reads them: sec, min, hour, wday,
 * day, month, year, century. */
static void assert_time(struct vm *m, const u8 want[8])
{
	static const u8 regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

	for (int i = 0; i < 8; i++)
		if (cmos_of(m, regs[i]) != want[i])
			fail_msg("register %#x: %#x, want %#x", regs[i], cmos_of(m, regs[i]), want[i]);
}

/* Sets the clock the way Linux does: SET, every register, SET cleared. */
static void set_time(const u8 t[8])
{
	static const u8 regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };
	u8 b = cmos(0x0b);

	cmos_set(0x0b, b | 0x80);
	for (int i = 0; i < 8; i++)
		cmos_set(regs[i], t[i]);
	cmos_set(0x0b, b);
}

/* Each test starts at T0 with devices just reset (a reboot), the VM's
 * clock at the host's time, as at power-on. */
static int before_each(void **state)
{
	(void)state;
	host_test_start();
	host_set_wallclock_us(T0);
	vm->state = VM_RUNNING;
	vm_request(vm, NULL, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	cmos_set(0x0b, 0x02);
	set_time((const u8[]){ 0x20, 0x48, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });
	cmos_set(0x0a, 0x26);
	cmos(0x0c);
	return 0;
}

/* Power-on: the host's time in BCD and 24 hours, A 0x26, the battery
 * good, no flags up. */
static void test_rtc_power_on(void **state)
{
	(void)state;
	host_set_wallclock_us(T0 + US / 2);
	assert_time(vm, (const u8[]){ 0x20, 0x48, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });
	assert_int_equal(cmos(0x0a), 0x26);
	assert_int_equal(cmos(0x0b), 0x02);
	assert_int_equal(cmos(0x0d), 0x80);
	assert_int_equal(cmos(0x0c), 0x40);	/* PF: the 1024 Hz rate ticked */
	assert_int_equal(cmos(0x0c), 0x00);
}

/* The clock follows the host's: a minute and a second later. */
static void test_rtc_runs(void **state)
{
	(void)state;
	host_set_wallclock_us(T0 + 61 * US + 999);
	assert_time(vm, (const u8[]){ 0x21, 0x49, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });
	/* Past midnight, the month and the year: 2026-12-31 23:59:59 + 1 s. */
	host_set_wallclock_us(1798761600ull * US);
	assert_time(vm, (const u8[]){ 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x27, 0x20 });
}

/* Register B's formats, on read: binary, and 12 hours with bit 7 for PM
 * (12 AM is midnight, 12 PM noon). */
static void test_rtc_formats(void **state)
{
	static const struct {
		u8 b;
		u64 t;	/* seconds after T0 */
		u8 want[8];
	} cases[] = {
		{ 0x06, 0, { 20, 48, 21, 7, 5, 12, 26, 20 } },			/* binary, 24 h */
		{ 0x00, 0, { 0x20, 0x48, 0x89, 7, 5, 0x12, 0x26, 0x20 } },	/* BCD, 9 PM */
		{ 0x04, 0, { 20, 48, 0x89, 7, 5, 12, 26, 20 } },		/* binary, 9 PM */
		{ 0x00, 9900, { 0x20, 0x33, 0x12, 1, 6, 0x12, 0x26, 0x20 } },	/* 00:33 is 12 AM */
		{ 0x04, 9900 + 12 * 3600, { 20, 33, 0x8c, 1, 6, 12, 26, 20 } },	/* 12:33 is 12 PM */
		{ 0x00, 9900 + 3600, { 0x20, 0x33, 0x01, 1, 6, 0x12, 0x26, 0x20 } },	/* 1 AM */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		host_set_wallclock_us(T0 + cases[i].t * US);
		cmos_set(0x0b, cases[i].b);
		assert_int_equal(cmos(0x0b), cases[i].b);
		assert_time(vm, cases[i].want);
	}
}

/* UIP is up for the last 244 us of each second, never while SET is. */
static void test_rtc_uip(void **state)
{
	(void)state;
	host_set_wallclock_us(T0 + US - 245);
	assert_int_equal(cmos(0x0a), 0x26);
	host_set_wallclock_us(T0 + US - 244);
	assert_int_equal(cmos(0x0a), 0xa6);
	host_set_wallclock_us(T0 + US - 1);
	assert_int_equal(cmos(0x0a), 0xa6);
	assert_int_equal(cmos(0x00), 0x20);	/* the update has not happened */
	host_set_wallclock_us(T0 + US);
	assert_int_equal(cmos(0x0a), 0x26);
	assert_int_equal(cmos(0x00), 0x21);
	cmos_set(0x0b, 0x82);
	host_set_wallclock_us(T0 + 2 * US - 1);
	assert_int_equal(cmos(0x0a), 0x26);
	cmos_set(0x0b, 0x02);
	/* The divider and rate bits read back; UIP is not the guest's. */
	cmos_set(0x0a, 0xff);
	assert_int_equal(cmos(0x0a), 0x7f);
}

/* SET stops the clock and takes the time written, in the format of B;
 * clearing it starts this VM's clock from there, and only this VM's. */
static void test_rtc_set(void **state)
{
	struct vm *other = host_pc_vm("pc-other", 1, MiB(1), true);

	(void)state;
	cmos_set(0x0b, 0x92);		/* SET with UIE: SET clears UIE */
	assert_int_equal(cmos(0x0b), 0x82);
	host_set_wallclock_us(T0 + 10 * US);
	assert_time(vm, (const u8[]){ 0x20, 0x48, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });
	cmos_set(0x0b, 0x02);
	/* 1999-12-31 23:59:58, a Friday, set at T0 + 10 s. */
	set_time((const u8[]){ 0x58, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 });
	assert_time(vm, (const u8[]){ 0x58, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 });
	host_set_wallclock_us(T0 + 12 * US);
	assert_time(vm, (const u8[]){ 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20 });
	/* The other VM keeps the host's time. */
	assert_time(other, (const u8[]){ 0x32, 0x48, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });

	/* Binary and 12 hours, written and read: 2024-02-29 13:05:09, Thursday. */
	cmos_set(0x0b, 0x04);
	set_time((const u8[]){ 9, 5, 0x81, 5, 29, 2, 24, 20 });
	host_set_wallclock_us(T0 + 13 * US);
	assert_time(vm, (const u8[]){ 10, 5, 0x81, 5, 29, 2, 24, 20 });
	cmos_set(0x0b, 0x02);
	assert_time(vm, (const u8[]){ 0x10, 0x05, 0x13, 5, 0x29, 0x02, 0x24, 0x20 });

	/* A weekday that is not the date's counts on from what was written. */
	set_time((const u8[]){ 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x00, 0x20 });
	host_set_wallclock_us(T0 + 13 * US + 2 * DAY_SECONDS * US);
	assert_time(vm, (const u8[]){ 0x00, 0x00, 0x00, 0x04, 0x03, 0x01, 0x00, 0x20 });
}

/* A time register written while the clock runs sets it at once, and the
 * second runs on from where it was. */
static void test_rtc_write_running(void **state)
{
	(void)state;
	host_set_wallclock_us(T0 + US / 2);
	cmos_set(0x02, 0x15);		/* 21:15:20 */
	assert_time(vm, (const u8[]){ 0x20, 0x15, 0x21, 0x07, 0x05, 0x12, 0x26, 0x20 });
	host_set_wallclock_us(T0 + US - 1);
	assert_int_equal(cmos(0x00), 0x20);
	host_set_wallclock_us(T0 + US);
	assert_int_equal(cmos(0x00), 0x21);
	cmos_set(0x32, 0x21);		/* 2126 */
	assert_int_equal(cmos(0x09), 0x26);
	assert_int_equal(cmos(0x32), 0x21);
}

/* Register C: the flags of what happened since it was last read, then
 * cleared; IRQF where a flag's enable bit is up (no interrupt is raised). */
static void test_rtc_flags(void **state)
{
	(void)state;
	cmos(0x0c);
	cmos_set(0x0a, 0x20);		/* no periodic rate */
	host_set_wallclock_us(T0 + US - 1);
	assert_int_equal(cmos(0x0c), 0x00);
	host_set_wallclock_us(T0 + US);
	assert_int_equal(cmos(0x0c), 0x10);	/* UF */
	assert_int_equal(cmos(0x0c), 0x00);	/* cleared by the read */
	cmos_set(0x0b, 0x12);			/* UIE */
	host_set_wallclock_us(T0 + 2 * US);
	assert_int_equal(cmos(0x0c), 0x90);	/* UF, IRQF */
	cmos_set(0x0b, 0x02);

	/* PF: rate 15 is 2 Hz, a tick each half second. */
	cmos_set(0x0a, 0x2f);
	cmos(0x0c);
	host_set_wallclock_us(T0 + 2 * US + US / 2 - 1);
	assert_int_equal(cmos(0x0c), 0x00);
	host_set_wallclock_us(T0 + 2 * US + US / 2);
	assert_int_equal(cmos(0x0c), 0x40);
	cmos_set(0x0b, 0x42);			/* PIE */
	host_set_wallclock_us(T0 + 3 * US);
	assert_int_equal(cmos(0x0c), 0xd0);	/* PF, UF, IRQF */
	cmos_set(0x0b, 0x02);
	/* Rate 3 is 8192 Hz: a tick each 122.07 us. */
	cmos_set(0x0a, 0x23);
	cmos(0x0c);
	host_set_wallclock_us(T0 + 3 * US + 122);
	assert_int_equal(cmos(0x0c), 0x00);
	host_set_wallclock_us(T0 + 3 * US + 123);
	assert_int_equal(cmos(0x0c), 0x40);
	cmos_set(0x0a, 0x20);

	/* AF: the alarm at 21:48:25; then at any second of minute 50. */
	cmos_set(0x01, 0x25);
	cmos_set(0x03, 0x48);
	cmos_set(0x05, 0x21);
	host_set_wallclock_us(T0 + 4 * US);
	cmos(0x0c);
	assert_int_equal(cmos(0x01) << 16 | cmos(0x03) << 8 | cmos(0x05), 0x254821);
	host_set_wallclock_us(T0 + 5 * US - 1);
	assert_int_equal(cmos(0x0c), 0x00);
	host_set_wallclock_us(T0 + 5 * US);
	assert_int_equal(cmos(0x0c), 0x30);	/* AF, UF */
	cmos_set(0x01, 0xc0);
	cmos_set(0x03, 0x50);
	cmos_set(0x0b, 0x22);			/* AIE */
	host_set_wallclock_us(T0 + 99 * US);	/* 21:49:59 */
	assert_int_equal(cmos(0x0c), 0x10);
	host_set_wallclock_us(T0 + 100 * US);	/* 21:50:00 */
	assert_int_equal(cmos(0x0c), 0xb0);	/* AF, UF, IRQF */
	/* A day later, whatever the alarm, unless it can never match. */
	cmos_set(0x01, 0x07);
	cmos_set(0x03, 0x06);
	cmos_set(0x05, 0x85);			/* 5 PM: not in 24-hour mode */
	host_set_wallclock_us(T0 + 100 * US + 3 * DAY_SECONDS * US);
	assert_int_equal(cmos(0x0c), 0x10);
	cmos_set(0x05, 0x17);
	host_set_wallclock_us(T0 + 100 * US + 4 * DAY_SECONDS * US);
	assert_int_equal(cmos(0x0c), 0xb0);
	cmos_set(0x0b, 0x00);			/* 12 hours: 0x85 is 5 PM */
	cmos_set(0x05, 0x85);
	host_set_wallclock_us(T0 + 100 * US + 5 * DAY_SECONDS * US);
	assert_int_equal(cmos(0x0c), 0x30);
	/* No update while SET is up. */
	cmos_set(0x0b, 0x82);
	host_set_wallclock_us(T0 + 100 * US + 6 * DAY_SECONDS * US);
	assert_int_equal(cmos(0x0c), 0x00);
	/* C and D are read-only. */
	cmos_set(0x0c, 0xff);
	cmos_set(0x0d, 0x00);
	assert_int_equal(cmos(0x0c), 0x00);
	assert_int_equal(cmos(0x0d), 0x80);
}

/* Bytes 0x0e-0x7f are RAM; the index wraps at 128 and bit 7 (the NMI
 * mask) is not part of it. */
static void test_rtc_ram(void **state)
{
	(void)state;
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			cmos_set((u8)i, (u8)(i ^ 0xa5));
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != 0x32 && cmos((u8)i) != (u8)(i ^ 0xa5))
			fail_msg("CMOS byte %#x: %#x", i, cmos((u8)i));
	assert_int_equal(cmos(0x80 | 0x40), 0x40 ^ 0xa5);
	cmos_set(0x80 | 0x41, 0x5a);
	assert_int_equal(cmos(0x41), 0x5a);
	assert_int_equal(cmos(0x32), 0x20);	/* the century, not RAM */
}

/* Wider accesses are byte cycles: 0x70 then 0x71. Port 0x70 reads 0xff. */
static void test_rtc_access_sizes(void **state)
{
	(void)state;
	out(vm, 0x70, 2, 0x3c40);		/* index 0x40, data 0x3c */
	assert_int_equal(cmos(0x40), 0x3c);
	out(vm, 0x70, 1, 0x40);
	assert_int_equal(in(vm, 0x70, 2), 0x3cff);
	assert_int_equal(in(vm, 0x70, 1), 0xff);
	assert_int_equal(in(vm, 0x71, 2), 0xff3c);	/* 0x72 is no one's */
	assert_int_equal(in(vm, 0x70, 4), 0xffff3cff);
	out(vm, 0x70, 4, 0x12345641);		/* index 0x41, data 0x56, the rest nowhere */
	assert_int_equal(cmos(0x41), 0x56);
	out(vm, 0x6f, 4, 0x99774200);		/* 0x6f nowhere, index 0x42, data 0x77 */
	assert_int_equal(cmos(0x42), 0x77);
}

/* The memory sizes QEMU's firmware finds, for a VM of 40 MiB, and for one
 * of 3 GiB below 4 GiB and 2 GiB above (made by hand: no RAM behind it). */
static void test_rtc_memory_sizes(void **state)
{
	struct config_vm c = host_config("sizes", 0, MiB(1), 0);
	static struct vm big;

	(void)state;
	c.platform = CONFIG_PLATFORM_PC;
	assert_int_equal(cmos(0x15) | cmos(0x16) << 8, 640);
	assert_int_equal(cmos(0x17) | cmos(0x18) << 8, 39 * 1024);
	assert_int_equal(cmos(0x30) | cmos(0x31) << 8, 39 * 1024);
	assert_int_equal(cmos(0x34) | cmos(0x35) << 8, 24 * 16);
	assert_int_equal(cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16, 0);

	host_hand_vm(&big, NULL, 0, "sizes");
	big.mem.n = 2;
	big.mem.r[0] = (struct gmem_region){ 0, 0, GiB(3) };
	big.mem.r[1] = (struct gmem_region){ GiB(4), 0, GiB(2) };
	assert_int_equal(vdev_attach_all(&big, &c), 0);
	assert_int_equal(cmos_of(&big, 0x15) | cmos_of(&big, 0x16) << 8, 640);
	assert_int_equal(cmos_of(&big, 0x17) | cmos_of(&big, 0x18) << 8, 0xffff);
	assert_int_equal(cmos_of(&big, 0x30) | cmos_of(&big, 0x31) << 8, 0xffff);
	assert_int_equal(cmos_of(&big, 0x34) | cmos_of(&big, 0x35) << 8, (GiB(3) - MiB(16)) >> 16);
	assert_int_equal(cmos_of(&big, 0x5b) | cmos_of(&big, 0x5c) << 8 | cmos_of(&big, 0x5d) << 16,
			 GiB(2) >> 16);
	vdev_free_all(&big);
}

/* A reboot is the chip's reset line: the interrupt enables and the flags
 * go; the battery keeps the RAM, the time set and the formats. */
static void test_rtc_reboot(void **state)
{
	(void)state;
	cmos_set(0x50, 0x77);
	set_time((const u8[]){ 0x00, 0x00, 0x12, 0x02, 0x01, 0x06, 0x20, 0x20 });
	cmos_set(0x0b, 0x7e);			/* PIE AIE UIE SQWE DM 24H */
	host_set_wallclock_us(T0 + 3 * US);
	vm_request(vm, NULL, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(cmos(0x0b), 0x06);
	assert_int_equal(cmos(0x0c), 0x00);
	assert_int_equal(cmos(0x50), 0x77);
	assert_time(vm, (const u8[]){ 3, 0, 12, 2, 1, 6, 20, 20 });
}

/* The formats the host's clock is read in (drivers/rtc.c), both ways. */
static void test_rtc_regs_codec(void **state)
{
	struct rtc_regs r;
	struct date d;

	(void)state;
	rtc_regs_from_date(&(struct date){ 2009, 7, 4, 0, 5, 9, 6 }, 0x00, &r);
	assert_true(r.sec == 0x09 && r.min == 0x05 && r.hour == 0x12 && r.wday == 0x07 &&
		    r.day == 0x04 && r.month == 0x07 && r.year == 0x09 && r.century == 0x20);
	rtc_regs_to_date(&r, 0x00, true, &d);
	assert_true(d.year == 2009 && d.month == 7 && d.day == 4 && d.hour == 0 && d.min == 5 &&
		    d.sec == 9 && d.wday == 6);
	r.year = 0x69;
	rtc_regs_to_date(&r, 0x00, false, &d);	/* no century register: 2069 */
	assert_int_equal(d.year, 2069);
	r.year = 0x70;
	rtc_regs_to_date(&r, 0x00, false, &d);	/* and 1970 */
	assert_int_equal(d.year, 1970);
	rtc_regs_from_date(&(struct date){ 1999, 12, 31, 23, 59, 59, 5 }, 0x06, &r);
	assert_true(r.sec == 59 && r.hour == 23 && r.wday == 6 && r.year == 99 && r.century == 19);
	assert_int_equal(rtc_decode_hour(0x92, 0x00), 12);	/* 12 PM */
	assert_int_equal(rtc_decode_hour(0x12, 0x00), 0);	/* 12 AM */
	assert_int_equal(rtc_decode_hour(0x8b, 0x04), 23);	/* 11 PM, binary */
	assert_int_equal(rtc_encode_hour(12, 0x04), 0x8c);
	assert_int_equal(rtc_decode(0xff, 0x00), 165);		/* not BCD: some value */
}

/* --- the keyboard controller ---------------------------------------------------- */

static u8 kbc_status(void)
{
	return (u8)in(vm, 0x64, 1);
}

static void kbc_cmd(u8 cmd)
{
	out(vm, 0x64, 1, cmd);
}

static void kbc_data(u8 val)
{
	out(vm, 0x60, 1, val);
}

/* The next byte of the output buffer, which must hold one. */
static u8 kbc_read(void)
{
	if (!(kbc_status() & 0x01))
		fail_msg("the output buffer is empty (status %#x)", kbc_status());
	return (u8)in(vm, 0x60, 1);
}

static void assert_empty(void)
{
	assert_int_equal(kbc_status() & 0x01, 0);
}

/* The bytes a command or keyboard byte put out, then nothing. */
static void assert_bytes(const u8 *want, u32 n)
{
	for (u32 i = 0; i < n; i++)
		assert_int_equal(kbc_read(), want[i]);
	assert_empty();
}

#define BYTES(...) assert_bytes((const u8[]){ __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ }))

static void reboot(void)
{
	vm_serve_requests(vm);
	assert_int_equal(vm->requests, 0);
}

/* After power-on: nothing to read, the keyboard not locked, the input
 * buffer free, no SYS; the command byte QEMU's (both interrupts). */
static void test_i8042_power_on(void **state)
{
	(void)state;
	assert_int_equal(kbc_status(), 0x10);
	kbc_cmd(0x20);
	assert_int_equal(kbc_status(), 0x19);	/* OBF, a command last, unlocked */
	BYTES(0x03);
	kbc_data(0xf4);			/* a byte for the keyboard */
	assert_int_equal(kbc_status() & 0x08, 0);
	BYTES(0xfa);
	assert_int_equal(in(vm, 0x60, 1), 0xfa);	/* empty: the last byte again */
}

/* 0xaa: 0x55 and SYS; 0xab and 0xa9: 0x00, the lines fine. */
static void test_i8042_self_tests(void **state)
{
	(void)state;
	kbc_cmd(0xaa);
	BYTES(0x55);
	assert_int_equal(kbc_status() & 0x04, 0x04);
	kbc_cmd(0xab);
	BYTES(0x00);
	kbc_cmd(0xa9);
	BYTES(0x00);
	kbc_cmd(0xc0);			/* not modelled: nothing */
	assert_empty();
}

/* The command byte and the rest of the controller's RAM, written and
 * read back; SYS in the status follows the command byte's bit 2. */
static void test_i8042_command_byte(void **state)
{
	(void)state;
	kbc_cmd(0x60);
	kbc_data(0x47);
	assert_empty();
	kbc_cmd(0x20);
	BYTES(0x47);
	assert_int_equal(kbc_status() & 0x04, 0x04);
	kbc_cmd(0x60);
	kbc_data(0x43);
	assert_int_equal(kbc_status() & 0x04, 0x00);
	kbc_cmd(0x7f);
	kbc_data(0x99);
	kbc_cmd(0x3f);
	BYTES(0x99);
	kbc_cmd(0x21);
	BYTES(0x00);
	/* A command cancels the one waiting for its byte. */
	kbc_cmd(0x60);
	kbc_cmd(0xab);
	BYTES(0x00);
	kbc_data(0xf5);			/* so this goes to the keyboard */
	BYTES(0xfa);
	kbc_cmd(0x20);
	BYTES(0x43);
	kbc_cmd(0x60);
	kbc_data(0x03);
}

/* 0xad/0xae and 0xa7/0xa8 flip the disable bits; the keyboard's bytes
 * wait while its port is disabled, the controller's own do not, nor do
 * the bytes 0xd2/0xd3 write to its buffer (Linux loops one through 0xd3
 * with both ports disabled). A byte sent to the keyboard enables its
 * port. */
static void test_i8042_ports_disabled(void **state)
{
	(void)state;
	kbc_data(0xf2);			/* identify: 0xfa 0xab 0x83 */
	kbc_cmd(0xad);
	kbc_cmd(0xa7);
	BYTES(0xfa);			/* in the buffer already */
	assert_empty();			/* 0xab 0x83 wait */
	kbc_cmd(0x20);
	BYTES(0x33);
	kbc_cmd(0xd2);
	kbc_data(0x1c);
	BYTES(0x1c);
	kbc_cmd(0xd3);
	kbc_data(0xf0);
	assert_int_equal(kbc_status() & 0x21, 0x21);
	BYTES(0xf0);
	kbc_cmd(0xab);
	BYTES(0x00);
	kbc_cmd(0xae);
	BYTES(0xab, 0x83);
	kbc_cmd(0xa8);
	kbc_cmd(0x20);
	BYTES(0x03);
	kbc_cmd(0xad);
	kbc_data(0xee);
	BYTES(0xee);
	kbc_cmd(0x20);
	BYTES(0x03);
}

/* The keyboard: 0xfa for each byte, with what its commands add. */
static void test_i8042_keyboard(void **state)
{
	(void)state;
	kbc_data(0xff);
	BYTES(0xfa, 0xaa);
	kbc_data(0xf2);
	BYTES(0xfa, 0xab, 0x83);
	kbc_data(0xed);			/* LEDs, then their byte */
	BYTES(0xfa);
	kbc_data(0x07);
	BYTES(0xfa);
	kbc_data(0xf0);			/* scan code set: which? */
	kbc_data(0x00);
	BYTES(0xfa, 0xfa, 0x02);
	kbc_data(0xf0);
	kbc_data(0x03);
	kbc_data(0xf0);
	kbc_data(0x00);
	BYTES(0xfa, 0xfa, 0xfa, 0xfa, 0x03);
	kbc_data(0xf3);
	kbc_data(0x00);			/* typematic: not a command of its own */
	BYTES(0xfa, 0xfa);
	kbc_data(0xee);
	BYTES(0xee);
	kbc_data(0xf4);
	BYTES(0xfa);
	/* With translation to set 1: the ID and set 2 as translated. */
	kbc_cmd(0x60);
	kbc_data(0x43);
	kbc_data(0xff);
	BYTES(0xfa, 0xaa);
	kbc_data(0xf2);
	BYTES(0xfa, 0xab, 0x41);
	kbc_data(0xf0);
	kbc_data(0x00);
	BYTES(0xfa, 0xfa, 0x41);
	/* A full queue drops what does not fit, and runs on after. */
	kbc_cmd(0x60);
	kbc_data(0x03);
	for (int i = 0; i < 40; i++)
		kbc_data(0xf4);
	for (int i = 0; i < 17; i++)
		assert_int_equal(kbc_read(), 0xfa);
	assert_empty();
}

/* A byte in the output buffer drives line 1 with the command byte's
 * keyboard interrupt up (line 12 for the mouse port's), low again when
 * read; the next byte is a new rise. */
static void test_i8042_interrupts(void **state)
{
	(void)state;
	ndrives = 0;
	kbc_data(0xff);
	assert_true(line_level[1]);
	assert_int_equal(rises(1), 1);
	assert_int_equal(kbc_read(), 0xfa);
	assert_true(line_level[1]);
	assert_int_equal(rises(1), 1);		/* low, then high for 0xaa */
	assert_int_equal(kbc_read(), 0xaa);
	assert_false(line_level[1]);
	kbc_cmd(0xaa);				/* the controller's bytes too */
	assert_true(line_level[1]);
	kbc_cmd(0x60);
	kbc_data(0x02);				/* keyboard interrupt off: low */
	assert_false(line_level[1]);
	kbc_cmd(0x60);
	kbc_data(0x03);				/* and on: 0x55 still there */
	assert_true(line_level[1]);
	assert_int_equal(kbc_read(), 0x55);
	assert_false(line_level[1]);
	kbc_cmd(0xd3);
	kbc_data(0xa5);
	assert_true(line_level[12]);
	assert_false(line_level[1]);
	assert_int_equal(kbc_read(), 0xa5);
	assert_false(line_level[12]);
	assert_int_equal(rises(12), 1);
	kbc_cmd(0x60);
	kbc_data(0x00);				/* neither interrupt */
	kbc_cmd(0xd3);
	kbc_data(0xa5);
	kbc_data(0xf4);
	assert_int_equal(rises(1) + rises(12), 0);
	BYTES(0xa5, 0xfa);
	kbc_cmd(0x60);
	kbc_data(0x03);
}

/* 0xd3 loops a byte back as from the mouse; 0xd4 sends one to a mouse
 * that is not there: 0xfe from the mouse port with a timeout. */
static void test_i8042_mouse_port(void **state)
{
	(void)state;
	kbc_cmd(0xd3);
	kbc_data(0x5a);
	assert_int_equal(kbc_status(), 0x31);	/* OBF, unlocked, the mouse port's */
	BYTES(0x5a);
	assert_int_equal(kbc_status() & 0x20, 0);
	kbc_cmd(0xd4);
	kbc_data(0xff);
	assert_int_equal(kbc_status() & 0x61, 0x61);
	BYTES(0xfe);
	assert_int_equal(kbc_status() & 0x60, 0);
}

/* 0xd0 reads the output port (bits 4 and 5: lines 1 and 12), 0xd1 writes
 * it; one with bit 0 set resets nothing. */
static void test_i8042_output_port(void **state)
{
	(void)state;
	kbc_cmd(0xd0);
	BYTES(0xcf);
	kbc_cmd(0xd1);
	kbc_data(0x03);
	kbc_cmd(0xd0);
	BYTES(0x03);
	assert_int_equal(vm->requests, 0);
	kbc_cmd(0xd3);
	kbc_data(0x11);				/* a byte on line 12 */
	kbc_cmd(0xd0);				/* reads the port behind it */
	BYTES(0x11, 0x23);
	kbc_cmd(0xd1);
	kbc_data(0xfe);				/* the reset line low */
	assert_int_equal(vm->requests, VM_REQ_REBOOT);
	host_log_expect("vm pc: reset by the keyboard controller (output port 0xfe)");
	reboot();
	kbc_cmd(0xd0);
	BYTES(0xcf);				/* a fresh controller */
}

/* 0xf0-0xff pulse the output port lines whose bit is clear: bit 0 is
 * the reset line. */
static void test_i8042_reset_pulses(void **state)
{
	(void)state;
	for (u32 cmd = 0xf0; cmd <= 0xff; cmd++) {
		host_log_clear();
		kbc_cmd((u8)cmd);
		assert_int_equal(vm->requests, cmd & 1 ? 0 : VM_REQ_REBOOT);
		if (!(cmd & 1)) {
			char line[80];

			snprintf(line, sizeof(line),
				 "vm pc: reset by the keyboard controller (command 0x%x)", cmd);
			host_log_expect(line);
			reboot();
		}
	}
	assert_empty();
}

/* The ports are bytes apart from their neighbours: wider accesses reach
 * 0x61 (the PIT's port B, whose refresh bit moves with time) and 0x65,
 * which are not the controller's. */
static void test_i8042_odd_accesses(void **state)
{
	(void)state;
	out(vm, 0x64, 2, 0x12aa);		/* 0xaa, and 0x12 to no one */
	assert_int_equal(in(vm, 0x64, 4), 0xffffff1d);
	assert_int_equal(in(vm, 0x60, 2) & 0xff, 0x55);
	assert_empty();
	out(vm, 0x63, 2, 0xab00);		/* 0x63 no one's, 0x64 gets 0xab */
	assert_int_equal(in(vm, 0x5f, 4) & 0xff00ffff, 0xff0000ff);
	out(vm, 0x60, 4, 0x123456f4);		/* the keyboard gets 0xf4 */
	BYTES(0xfa);
}

/* --- the PCI host bridge -------------------------------------------------------- */

static u32 cfg_read(u32 addr, u8 offset, u8 size)
{
	out(vm, 0xcf8, 4, addr);
	return (u32)in(vm, (u16)(0xcfc + offset), size);
}

static void cfg_write(u32 addr, u8 offset, u8 size, u32 val)
{
	out(vm, 0xcf8, 4, addr);
	out(vm, (u16)(0xcfc + offset), size, val);
}

/* 0xcf8 takes dwords alone and keeps the enable, bus, device, function
 * and register bits; narrower accesses there are not it. */
static void test_pci_address(void **state)
{
	(void)state;
	assert_int_equal(in(vm, 0xcf8, 4), 0);
	out(vm, 0xcf8, 4, 0xffffffff);
	assert_int_equal(in(vm, 0xcf8, 4), 0x80fffffc);
	out(vm, 0xcf8, 4, 0x80000000);
	assert_int_equal(in(vm, 0xcf8, 4), 0x80000000);
	for (u16 port = 0xcf8; port < 0xcfc; port++) {
		out(vm, port, 1, 0x01);		/* Linux's probe writes 0xcfb */
		assert_int_equal(in(vm, port, 1), 0xff);
	}
	out(vm, 0xcf8, 2, 0x1234);
	out(vm, 0xcfa, 2, 0x1234);
	assert_int_equal(in(vm, 0xcf8, 2), 0xffff);
	assert_int_equal(in(vm, 0xcfa, 2), 0xffff);
	assert_int_equal(in(vm, 0xcf8, 4), 0x80000000);
}

/* 00:00.0 is a 440FX host bridge, by dwords, words and bytes at their
 * offsets. */
static void test_pci_host_bridge(void **state)
{
	(void)state;
	assert_int_equal(cfg_read(0x80000000, 0, 4), 0x12378086);
	assert_int_equal(cfg_read(0x80000000, 0, 2), 0x8086);
	assert_int_equal(cfg_read(0x80000000, 2, 2), 0x1237);
	assert_int_equal(cfg_read(0x80000000, 1, 2), 0x3780);
	assert_int_equal(cfg_read(0x80000000, 3, 1), 0x12);
	assert_int_equal(cfg_read(0x80000004, 0, 4), 0x00000000);	/* command, status */
	assert_int_equal(cfg_read(0x80000008, 0, 4), 0x06000002);	/* class, revision */
	assert_int_equal(cfg_read(0x8000000a, 2, 2), 0x0600);		/* bits 1-0 ignored */
	assert_int_equal(cfg_read(0x8000000c, 0, 4), 0x00000000);	/* header type 0 */
	for (u32 reg = 0x10; reg < 0x40; reg += 4)			/* no BARs, IDs 0 */
		assert_int_equal(cfg_read(0x80000000 | reg, 0, 4), 0);
	assert_int_equal(cfg_read(0x80000070, 2, 1), 0x02);		/* SMRAM */
	assert_int_equal(cfg_read(0x800000fc, 0, 4), 0);
}

/* The bits the real part lets software write; the rest stays. */
static void test_pci_host_bridge_writes(void **state)
{
	(void)state;
	cfg_write(0x80000004, 0, 4, 0xffffffff);
	assert_int_equal(cfg_read(0x80000004, 0, 4), 0x00000140);
	cfg_write(0x80000004, 0, 2, 0x0000);
	assert_int_equal(cfg_read(0x80000004, 0, 4), 0);
	cfg_write(0x80000004, 1, 1, 0x01);			/* SERR# alone */
	assert_int_equal(cfg_read(0x80000004, 0, 4), 0x00000100);
	cfg_write(0x8000000c, 1, 1, 0xff);			/* latency timer */
	assert_int_equal(cfg_read(0x8000000c, 0, 4), 0x0000f800);
	cfg_write(0x80000000, 0, 4, 0);
	cfg_write(0x80000008, 0, 4, 0);
	cfg_write(0x80000010, 0, 4, 0xffffffff);		/* a BAR's sizing */
	cfg_write(0x80000030, 0, 4, 0xfffff800);		/* the ROM's */
	cfg_write(0x80000058, 1, 2, 0x3333);			/* PAM */
	cfg_write(0x80000070, 2, 1, 0x4a);			/* SMRAM */
	assert_int_equal(cfg_read(0x80000000, 0, 4), 0x12378086);
	assert_int_equal(cfg_read(0x80000008, 0, 4), 0x06000002);
	assert_int_equal(cfg_read(0x80000010, 0, 4), 0);
	assert_int_equal(cfg_read(0x80000030, 0, 4), 0);
	assert_int_equal(cfg_read(0x80000058, 0, 4), 0);
	assert_int_equal(cfg_read(0x80000070, 2, 1), 0x02);
}

/* Every other bus, device and function: all ones, writes dropped; and
 * the bridge too while the enable bit is down. */
static void test_pci_nothing_else(void **state)
{
	static const u32 none[] = { 0x80000800, 0x80000100, 0x80010000, 0x80ff0000, 0x8000f800,
				    0x80000700 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		cfg_write(none[i] | 4, 0, 4, 0x07);
		assert_int_equal(cfg_read(none[i], 0, 4), 0xffffffff);
		assert_int_equal(cfg_read(none[i] | 4, 2, 2), 0xffff);
		assert_int_equal(cfg_read(none[i] | 4, 1, 1), 0xff);
	}
	cfg_write(0x00000004, 0, 4, 0x140);
	assert_int_equal(cfg_read(0x00000000, 0, 4), 0xffffffff);
	assert_int_equal(cfg_read(0x80000004, 0, 4), 0);
}

/* Accesses that cross 0xcfb/0xcfc go byte by byte; those past 0xcff reach
 * no one. */
static void test_pci_odd_accesses(void **state)
{
	(void)state;
	out(vm, 0xcf8, 4, 0x80000000);
	assert_int_equal(in(vm, 0xcfb, 2), 0x86ff);
	assert_int_equal(in(vm, 0xcf9, 4), 0x86ffffff);
	assert_int_equal(in(vm, 0xcfe, 4), 0xffff1237);
	assert_int_equal(in(vm, 0xcff, 2), 0xff12);
	out(vm, 0xcfa, 4, 0x40000000);		/* 0xcfa-0xcfb nowhere, 0xcfc vendor (RO) */
	assert_int_equal(in(vm, 0xcf8, 4), 0x80000000);
	out(vm, 0xcf8, 4, 0x80000004);
	out(vm, 0xcfb, 2, 0x4000);		/* the command's low byte: 0x40 */
	assert_int_equal(in(vm, 0xcfc, 4), 0x40);
	out(vm, 0xcfd, 4, 0x00ffffff);		/* bytes 1-3; 0xd00 no one's */
	assert_int_equal(in(vm, 0xcfc, 4), 0x140);
	out(vm, 0xcfc, 4, 0);
}

/* The interface a PCI device plugs into: a function at 00:01.0 answers
 * there; 00:00.0 is the bridge's; taking the function out leaves all ones. */
static u32 fake_cfg[64];

static u32 fake_read(void *dev, u32 offset, u8 size)
{
	u32 v = fake_cfg[offset / 4] >> (8 * (offset % 4));

	assert_ptr_equal(dev, fake_cfg);
	assert_true(offset % 4 + size <= 4);
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void fake_write(void *dev, u32 offset, u8 size, u32 val)
{
	assert_ptr_equal(dev, fake_cfg);
	assert_true(offset % 4 + size <= 4);
	memcpy((u8 *)fake_cfg + offset, &val, size);
}

static void test_pci_function_plugs_in(void **state)
{
	const struct pci_func f = { PCI_DEVFN(1, 0), fake_read, fake_write, fake_cfg };
	const struct pci_func clash = { PCI_DEVFN(0, 0), fake_read, fake_write, fake_cfg };

	(void)state;
	fake_cfg[0] = 0x10001af4;
	assert_int_equal(pci_func_add(vm, &f), 0);
	assert_int_equal(pci_func_add(vm, &clash), -1);
	host_log_expect("vm pc: PCI 00:00.0 is taken");
	assert_int_equal(cfg_read(0x80000800, 0, 4), 0x10001af4);
	cfg_write(0x80000810, 2, 2, 0xbeef);
	assert_int_equal(fake_cfg[4], 0xbeef0000);
	assert_int_equal(cfg_read(0x80000810, 1, 2), 0xef00);
	assert_int_equal(cfg_read(0x80000000, 0, 4), 0x12378086);
	pci_func_remove(vm, fake_cfg);
	assert_int_equal(cfg_read(0x80000800, 0, 4), 0xffffffff);
	assert_int_equal(cfg_read(0x80000000, 0, 4), 0x12378086);
}

/* A reboot puts the bridge back as it was at power-on. */
static void test_pci_reboot(void **state)
{
	(void)state;
	cfg_write(0x8000000c, 0, 4, 0xffffffff);
	assert_int_equal(cfg_read(0x8000000c, 0, 4), 0xf800);
	vm_request(vm, NULL, VM_REQ_REBOOT);
	reboot();
	assert_int_equal(in(vm, 0xcf8, 4), 0);
	assert_int_equal(cfg_read(0x8000000c, 0, 4), 0);
}

/* --- port 0x80 ------------------------------------------------------------------ */

static void test_port80(void **state)
{
	(void)state;
	assert_int_equal(port80_code(vm), -1);
	out(vm, 0x80, 1, 0x55);
	assert_int_equal(port80_code(vm), 0x55);
	assert_int_equal(in(vm, 0x80, 1), 0xff);
	assert_int_equal(port80_code(vm), 0x55);
	out(vm, 0x80, 2, 0x1234);		/* 0x81 is not it */
	assert_int_equal(port80_code(vm), 0x34);
	out(vm, 0x7f, 4, 0xffff9900);
	assert_int_equal(port80_code(vm), 0x99);
	assert_int_equal(in(vm, 0x80, 4), 0xffffffff);
	vm_request(vm, NULL, VM_REQ_REBOOT);
	reboot();
	assert_int_equal(port80_code(vm), -1);
}

/* platform = none: none of these devices, their ports empty. */
static void test_platform_none(void **state)
{
	static const u16 ports[] = { 0x70, 0x71, 0x60, 0x64, 0x80, 0xcf8, 0xcfc };
	struct vm *bare;

	(void)state;
	bare = host_vm("bare", 1, MiB(1), 0, false);	/* platform none */
	assert_int_equal(bare->ndevs, 0);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		assert_null(io_bus_find(&bare->ports, ports[i]));
	assert_int_equal(bare->pci.n, 0);
	assert_int_equal(port80_code(bare), -1);
}

#define T(fn) cmocka_unit_test_setup(fn, before_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rtc_power_on),
		T(test_rtc_runs),
		T(test_rtc_formats),
		T(test_rtc_uip),
		T(test_rtc_set),
		T(test_rtc_write_running),
		T(test_rtc_flags),
		T(test_rtc_memory_sizes),	/* before test_rtc_ram writes over them */
		T(test_rtc_ram),
		T(test_rtc_access_sizes),
		T(test_rtc_reboot),
		T(test_rtc_regs_codec),
		T(test_i8042_power_on),
		T(test_i8042_self_tests),
		T(test_i8042_command_byte),
		T(test_i8042_ports_disabled),
		T(test_i8042_keyboard),
		T(test_i8042_interrupts),
		T(test_i8042_mouse_port),
		T(test_i8042_output_port),
		T(test_i8042_reset_pulses),
		T(test_i8042_odd_accesses),
		T(test_pci_address),
		T(test_pci_host_bridge),
		T(test_pci_host_bridge_writes),
		T(test_pci_nothing_else),
		T(test_pci_odd_accesses),
		T(test_pci_function_plugs_in),
		T(test_pci_reboot),
		T(test_port80),
		T(test_platform_none),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
