/* Host tests for the 8254 PIT and port 0x61 (hv/vdev/pit.c) over the fake
 * back end (fake_hv.h): a VM of the PC platform, its ports reached by
 * port exits, the fake TSC moved by the tests, the timer queue run for
 * real, and a tiny interrupt controller that records line 0.
 *
 * Clocks are the PIT's 1193182 Hz input edges counted from the VM's boot:
 * at(T) puts the TSC on edge T. Each test reboots the VM first, so every
 * test starts at clock 0 with the PIT as at power-on. Sequences follow
 * the Intel 8254 datasheet's mode diagrams: a count written at clock T
 * is loaded at T+1 and counts down from T+2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/trap.h"
#include "hv/core/timer.h"
#include "hv/exits/portio.h"
#include "hv/vdev/pit.h"

#define CTRL 0x43

static struct vm *vm;
static struct vcpu *v;

/* --- the recording controller ------------------------------------------------ */

#define MAX_EDGES 64
static u64 rises[MAX_EDGES];	/* the TSC at each rise of line 0 */
static u32 nrises;
static bool line0;

static void rec_set(void *ctl, u32 line, bool level)
{
	(void)ctl;
	if (line != 0)
		return;
	if (level && !line0 && nrises < MAX_EDGES)
		rises[nrises++] = fake_tsc;
	line0 = level;
}

static int rec_ctl;

/* --- set-up ------------------------------------------------------------------- */

static int setup(void **state)
{
	const struct irq_controller rec = { rec_set, &rec_ctl, 16, NULL };

	(void)state;
	if (host_init(2))
		return -1;
	fake_tsc = 1000000;
	vm = host_pc_vm("pit", 1, MiB(1), true);
	if (irq_controller_add(vm, &rec))
		return -1;
	v = vm->vcpu[0];
	timer_cpu_init();
	return 0;
}

/* A reboot: clock 0 now, the PIT at power-on. */
static int before_each(void **state)
{
	(void)state;
	host_set_cpu(0);
	fake_tsc += FAKE_TSC_HZ;
	vm->state = VM_RUNNING;
	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	vm->state = VM_RUNNING;
	host_test_start();
	nrises = 0;
	line0 = false;
	return 0;
}

/* --- ports and time ------------------------------------------------------------ */

static u64 io(u16 port, u8 size, bool in, u64 val)
{
	struct exit_record x = { .reason = EXIT_IO,
				 .io = { .port = port, .size = size, .in = in, .seg = -1 } };

	v->regs.gpr[REG_RAX] = val;
	assert_int_equal(portio_exit(v, &x), ACT_SKIP);
	return v->regs.gpr[REG_RAX] & BYTES_MASK(size);
}

static void out8(u16 port, u8 val)
{
	io(port, 1, false, val);
}

static u8 in8(u16 port)
{
	return (u8)io(port, 1, true, 0);
}

/* The first TSC of clock edge t. */
static u64 tsc_of(u64 t)
{
	return vm->tsc_base + (t * FAKE_TSC_HZ + PIT_HZ - 1) / PIT_HZ;
}

static void at(u64 t)
{
	fake_tsc = tsc_of(t);
}

/* Counter c (0-2) programmed by control word ctrl (its select bits
 * added) with a count, as a two-byte or one-byte write per ctrl. */
static void program(u32 c, u8 ctrl, u16 count)
{
	u8 rw = (ctrl >> 4) & 3;

	out8(CTRL, (u8)(c << 6 | ctrl));
	if (rw == 1 || rw == 3)
		out8(PIT_PORT + c, (u8)count);
	if (rw == 2 || rw == 3)
		out8(PIT_PORT + c, (u8)(count >> 8));
}

/* A counter latch command and the two bytes (word access mode). */
static u16 latched(u32 c)
{
	u16 lo;

	out8(CTRL, (u8)(c << 6));
	lo = in8(PIT_PORT + c);
	return (u16)(lo | in8(PIT_PORT + c) << 8);
}

/* Two direct reads: LSB, MSB. */
static u16 read16(u32 c)
{
	u16 lo = in8(PIT_PORT + c);

	return (u16)(lo | in8(PIT_PORT + c) << 8);
}

/* Read-back of c's status alone. */
static u8 status(u32 c)
{
	out8(CTRL, (u8)(0xe0 | 2 << c));
	return in8(PIT_PORT + c);
}

static bool out_of(u32 c)
{
	return status(c) >> 7;
}

static bool out2(void)
{
	return in8(PIT_PORT_B) >> 5 & 1;
}

/* The timer interrupt now, then the loop's run of expired timers. */
static void run_timers(void)
{
	struct trap_frame f = { 0 };

	fake_handler(VEC_TIMER)(&f);
	if (timer_due())
		timer_run_expired();
}

/* Line 0 rises exactly at edge t: not at the TSC before, once at it. */
static void expect_rise_at(u64 t)
{
	u32 before = nrises;

	fake_tsc = tsc_of(t) - 1;
	run_timers();
	if (nrises != before)
		fail_msg("line 0 rose before edge %llu", (unsigned long long)t);
	at(t);
	run_timers();
	if (nrises != before + 1)
		fail_msg("line 0 rose %u times at edge %llu", nrises - before, (unsigned long long)t);
	assert_int_equal(rises[before], tsc_of(t));
	assert_false(line0);	/* a pulse: up and down again */
}

/* From edge t on, counter c reads vals[i] with OUT outs[i] at t + i. */
static void expect_seq(u32 c, u64 t, const u16 *vals, const char *outs, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		u16 got;
		bool out;

		at(t + i);
		got = latched(c);
		out = out_of(c);
		if (got != vals[i] || out != (outs[i] == 'H'))
			fail_msg("counter %u at clock +%u: 0x%x, OUT %d; want 0x%x, OUT %c", c, i,
				 got, out, vals[i], outs[i]);
	}
}

/* --- power-on and the ports ---------------------------------------------------- */

/* Nothing counts until programmed; each counter's status is that of the
 * control word 0x30: OUT low, null count, LSB then MSB, mode 0, binary. */
static void test_power_on(void **state)
{
	(void)state;
	at(500);
	for (u32 c = 0; c < 3; c++) {
		assert_int_equal(status(c), 0x70);
		assert_int_equal(latched(c), 0);
	}
	at(100000);
	assert_int_equal(latched(0), 0);
	assert_int_equal(nrises, 0);
	assert_false(timer_armed(pit_timer(vm)));
	assert_int_equal(in8(PIT_PORT_B) & ~0x10, 0);
}

/* 0x43 is write-only; port 0x61 keeps bits 0-3, reads 6-7 as 0; wider
 * accesses go byte by byte as on the ISA bus; a VM of platform none has
 * no PIT. */
static void test_ports(void **state)
{
	struct vm *bare;

	(void)state;
	at(0);
	assert_int_equal(in8(CTRL), 0xff);
	out8(PIT_PORT_B, 0xff);
	assert_int_equal(in8(PIT_PORT_B) & 0xef, 0x0f);	/* OUT2 low: mode 0, no count */
	out8(PIT_PORT_B, 0xf2);
	assert_int_equal(in8(PIT_PORT_B) & 0xef, 0x02);

	/* A 32-bit write: a byte to each counter, then the control word,
	 * which drops counter 0's half-written count. */
	io(PIT_PORT, 4, false, 0x34030201);	/* 0x34: counter 0, mode 2 */
	assert_int_equal(status(0), 0xf4);	/* OUT high, null count */
	program(1, 0x14, 0x12);	/* LSB only, mode 2 */
	program(2, 0x24, 0x5600);	/* MSB only */
	at(1);
	assert_int_equal(io(PIT_PORT + 1, 2, true, 0), 0x5612);	/* counter 1, then 2 */
	assert_int_equal(io(PIT_PORT, 4, true, 0), 0xff561200);	/* 0, 1, 2, 0x43 */

	bare = host_vm("bare", 1, MiB(1), 0, false);	/* platform none */
	assert_null(pit_timer(bare));
	assert_null(vdev_state(bare, &pit_model));
	assert_true(io_bus_find(&bare->ports, PIT_PORT) == NULL);
	assert_true(io_bus_find(&bare->ports, PIT_PORT_B) == NULL);
}

/* --- the modes ------------------------------------------------------------------ */

/* Mode 0: OUT low from the control word; the count loads at the next
 * clock and OUT rises N clocks later, then stays high as the count
 * wraps. Line 0 rises once, there. */
static void test_mode0(void **state)
{
	static const u16 vals[] = { 5, 4, 3, 2, 1, 0, 0xffff, 0xfffe };
	static const char outs[] = "LLLLLHHH";

	(void)state;
	at(1000);
	program(0, 0x30, 5);
	assert_int_equal(status(0), 0x70);	/* null count until loaded */
	assert_false(out_of(0));
	expect_seq(0, 1001, vals, outs, 8);
	assert_int_equal(status(0) & 0x40, 0);

	/* Line 0 rises at the clock OUT does. */
	at(2000);
	program(0, 0x30, 5);
	expect_rise_at(2006);
	at(200000);
	run_timers();
	assert_int_equal(nrises, 1);
	assert_false(timer_armed(pit_timer(vm)));
}

/* Mode 0 rewritten: the first byte of a two-byte count stops counting and
 * sets OUT low; the second loads the new count at the next clock. */
static void test_mode0_rewrite(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x30, 100);
	at(1050);
	assert_int_equal(latched(0), 51);
	out8(PIT_PORT, 20);
	at(1060);
	assert_int_equal(latched(0), 51);
	at(1070);
	out8(PIT_PORT, 0);
	at(1071);
	assert_int_equal(latched(0), 20);
	expect_rise_at(1091);

	/* After terminal count: a new count's first byte drops OUT at once. */
	at(1100);
	assert_true(out_of(0));
	out8(PIT_PORT, 7);
	assert_false(out_of(0));
	out8(PIT_PORT, 0);
	expect_rise_at(1108);
}

/* Mode 1 on counter 2, whose gate is port 0x61 bit 0: armed by the count,
 * started by a rising gate: OUT low for N clocks from the next one.
 * Retriggerable. */
static void test_mode1(void **state)
{
	static const u16 vals[] = { 3, 2, 1, 0, 0xffff };
	static const char outs[] = "LLLHH";

	(void)state;
	at(1000);
	program(2, 0x32, 3);
	assert_true(out2());
	at(1010);
	assert_true(out2());
	assert_int_equal(latched(2), 0);	/* no trigger: nothing loaded */
	out8(PIT_PORT_B, 1);
	assert_true(out2());
	expect_seq(2, 1011, vals, outs, 5);
	at(1016);
	out8(PIT_PORT_B, 0);
	at(1020);
	out8(PIT_PORT_B, 1);
	expect_seq(2, 1021, vals, outs, 5);

	/* Counter 0's gate is tied high: mode 1 never starts there. */
	at(2000);
	program(0, 0x32, 3);
	at(300000);
	run_timers();
	assert_int_equal(nrises, 0);
	assert_true(out_of(0));
	assert_false(timer_armed(pit_timer(vm)));
}

/* Mode 2: N, ..., 1 with OUT low at 1, reloaded every N clocks; line 0
 * rises at each reload. */
static void test_mode2(void **state)
{
	static const u16 vals[] = { 4, 3, 2, 1, 4, 3, 2, 1, 4 };
	static const char outs[] = "HHHLHHHLH";

	(void)state;
	at(1000);
	program(0, 0x34, 4);
	assert_true(out_of(0));
	expect_seq(0, 1001, vals, outs, 9);
	at(1500);	/* 1, below the datasheet's minimum of 2, counts as 2 */
	program(1, 0x34, 1);
	expect_seq(1, 1501, (const u16[]){ 2, 1, 2, 1 }, "HLHL", 4);

	at(2000);
	program(0, 0x34, 1193);
	for (u32 i = 1; i <= 4; i++)
		expect_rise_at(2001 + 1193 * i);
}

/* Mode 3: a square wave, decrementing by two; odd counts are high a
 * clock longer (datasheet: N, N-1, N-3... high, then N, N-3... low). */
static void test_mode3(void **state)
{
	static const u16 even[] = { 6, 4, 2, 6, 4, 2, 6 };
	static const char even_out[] = "HHHLLLH";
	static const u16 odd[] = { 5, 4, 2, 5, 2, 5, 4 };
	static const char odd_out[] = "HHHLLHH";

	(void)state;
	at(1000);
	program(0, 0x36, 6);
	expect_seq(0, 1001, even, even_out, 7);
	at(1100);
	program(1, 0x36, 5);
	expect_seq(1, 1101, odd, odd_out, 7);

	at(2000);
	program(0, 0x36, 200);
	expect_rise_at(2201);
	expect_rise_at(2401);
}

/* Mode 4: OUT strobes low for the clock at count 0, N+1 clocks after the
 * count is written; line 0 rises once, after the strobe. */
static void test_mode4(void **state)
{
	static const u16 vals[] = { 3, 2, 1, 0, 0xffff, 0xfffe };
	static const char outs[] = "HHHLHH";

	(void)state;
	at(1000);
	program(0, 0x38, 3);
	expect_seq(0, 1001, vals, outs, 6);
	at(2000);
	program(0, 0x38, 3);
	expect_rise_at(2005);
	at(300000);
	run_timers();
	assert_int_equal(nrises, 1);
}

/* Mode 5 on counter 2: the strobe of mode 4, started by the gate's rise. */
static void test_mode5(void **state)
{
	static const u16 vals[] = { 3, 2, 1, 0, 0xffff };
	static const char outs[] = "HHHLH";

	(void)state;
	at(1000);
	program(2, 0x3a, 3);
	at(1010);
	assert_int_equal(latched(2), 0);
	out8(PIT_PORT_B, 1);
	expect_seq(2, 1011, vals, outs, 5);
	out8(PIT_PORT_B, 0);	/* the gate's level alone does nothing */
	expect_seq(2, 1016, (const u16[]){ 0xfffe }, "H", 1);
}

/* Modes 6 and 7 are 2 and 3; the status keeps the bits as written. */
static void test_mode_alias(void **state)
{
	static const u16 vals[] = { 4, 3, 2, 1, 4 };
	static const char outs[] = "HHHLH";

	(void)state;
	at(1000);
	program(0, 0x3c, 4);
	assert_int_equal(status(0) & 0x3f, 0x3c);
	expect_seq(0, 1001, vals, outs, 5);
	at(2000);
	program(1, 0x3e, 6);
	expect_seq(1, 2001, (const u16[]){ 6, 4, 2, 6 }, "HHHL", 4);
}

/* A new count in mode 2 waits for the end of the cycle, in mode 3 for the
 * end of the half cycle; null count shows it waiting. */
static void test_reload(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 4);
	at(1003);
	out8(PIT_PORT, 10);
	out8(PIT_PORT, 0);
	assert_true(status(0) & 0x40);
	expect_seq(0, 1003, (const u16[]){ 2, 1, 10, 9 }, "HLHH", 4);
	assert_false(status(0) & 0x40);

	/* Mode 3, in the high half: the new count starts with its low half. */
	at(2000);
	program(1, 0x36, 6);
	at(2002);
	out8(PIT_PORT + 1, 10);
	out8(PIT_PORT + 1, 0);
	expect_seq(1, 2002, (const u16[]){ 4, 2, 10, 8, 6, 4, 2, 10 }, "HHLLLLLH", 8);
	/* In the low half: the new count starts high at the half's end. */
	at(2014);
	assert_false(out_of(1));
	out8(PIT_PORT + 1, 4);
	out8(PIT_PORT + 1, 0);
	expect_seq(1, 2014, (const u16[]){ 10, 8, 6, 4, 2, 4, 2, 4, 2, 4 }, "LLLLLHHLLH", 10);

	/* On counter 0 the reload is a rising edge, then the new period. */
	at(5000);
	program(0, 0x34, 1193);
	at(5500);
	out8(PIT_PORT, 2000 & 0xff);
	out8(PIT_PORT, 2000 >> 8);
	expect_rise_at(6194);
	expect_rise_at(8194);
}

/* --- reading ---------------------------------------------------------------------- */

/* A latched count stays until read, later latches are ignored, and a
 * control word drops the latch. Direct reads see the count as it runs. */
static void test_latch(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 1000);
	at(1100);
	out8(CTRL, 0x00);
	at(1150);
	out8(CTRL, 0x00);	/* ignored */
	at(1200);
	assert_int_equal(in8(PIT_PORT), 901 & 0xff);
	at(1300);
	assert_int_equal(in8(PIT_PORT), 901 >> 8);	/* the same latch, read in two */
	assert_int_equal(read16(0), 701);	/* released */
	out8(CTRL, 0x00);
	program(0, 0x34, 50);	/* drops the latch */
	at(1302);
	assert_int_equal(latched(0), 49);

	/* The read and write flip-flops are apart: read LSB, write LSB, read
	 * MSB, write MSB. */
	at(2000);
	program(0, 0x34, 0x1234);
	at(2001);
	out8(CTRL, 0x00);
	assert_int_equal(in8(PIT_PORT), 0x34);
	out8(PIT_PORT, 0x78);
	assert_int_equal(in8(PIT_PORT), 0x12);
	out8(PIT_PORT, 0x56);
	at(2001 + 0x1234);	/* the cycle ends; the new count comes */
	assert_int_equal(latched(0), 0x5678);

	/* A control word resets the read flip-flop: LSB first again. */
	in8(PIT_PORT);
	program(0, 0x34, 0x4321);
	at(2001 + 0x1234 + 1);
	assert_int_equal(read16(0), 0x4321);
}

/* LSB-only and MSB-only access: one byte written (the other 0), one read. */
static void test_access_modes(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x10, 0x34);
	at(1001);
	out8(CTRL, 0x00);
	assert_int_equal(in8(PIT_PORT), 0x34);
	at(1002);
	assert_int_equal(in8(PIT_PORT), 0x33);	/* no latch left: direct */
	assert_int_equal(in8(PIT_PORT), 0x33);
	assert_int_equal(status(0), 0x10);	/* OUT low, loaded, LSB, mode 0 */

	program(1, 0x20, 0x1200);
	at(1003);
	out8(CTRL, 0x40);
	assert_int_equal(in8(PIT_PORT + 1), 0x12);	/* 0x1200 */
	at(1004);
	assert_int_equal(in8(PIT_PORT + 1), 0x11);	/* 0x11ff */
	assert_int_equal(status(1) & 0x3f, 0x20);
}

/* Read-back: several counters at once, count and status; the status
 * comes first, then the count; a second status latch is ignored. */
static void test_read_back(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 100);
	program(2, 0x30, 50);
	at(1011);
	out8(CTRL, 0xca);	/* count and status of counters 0 and 2 */
	at(1100);
	out8(CTRL, 0xe2);	/* counter 0's status again, OUT low now: ignored */
	assert_int_equal(in8(PIT_PORT), 0xb4);	/* OUT high, loaded, 0x34 */
	assert_int_equal(read16(0), 90);
	assert_int_equal(in8(PIT_PORT + 2), 0x30);	/* OUT low: the gate is low */
	assert_int_equal(read16(2), 50);
	assert_int_equal(read16(2), 50);	/* direct: held by the gate */
	assert_int_equal(read16(1), 0);	/* not selected: direct */

	out8(CTRL, 0xc4);	/* bit 2: counter 1, count and status */
	assert_int_equal(in8(PIT_PORT + 1), 0x70);
	assert_int_equal(read16(1), 0);
	out8(CTRL, 0xe2);	/* counter 0's status only */
	assert_int_equal(in8(PIT_PORT), 0x34);	/* OUT low: count 1 */
	assert_int_equal(read16(0), 1);	/* direct */
}

/* BCD: four decades; count 0 is 10000. */
static void test_bcd(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x31, 0x0012);
	expect_seq(0, 1001, (const u16[]){ 0x12, 0x11, 0x10, 0x09, 0x08 }, "LLLLL", 5);
	at(2000);
	program(0, 0x31, 0);
	expect_seq(0, 2001, (const u16[]){ 0, 0x9999, 0x9998 }, "LLL", 3);
	at(3000);
	program(0, 0x35, 0x0010);	/* mode 2, 10 clocks */
	expect_seq(0, 3009, (const u16[]){ 0x02, 0x01, 0x10, 0x09 }, "HLHH", 4);
	at(4000);
	program(0, 0x31, 0x1000);
	at(4001 + 0x1000);	/* 4096 clocks: 1000 - 4096 wraps to 6904 */
	assert_int_equal(latched(0), 0x6904);
}

/* --- the gate and port 0x61 -------------------------------------------------------- */

/* Linux's pit_calibrate_tsc: gate high, speaker off, counter 2 in mode 0,
 * then poll port 0x61 bit 5 until OUT2 rises N+1 clocks later. And its
 * quick_pit_calibrate, reading the MSB of the running count directly. */
static void test_linux_calibration(void **state)
{
	(void)state;
	at(1000);
	out8(PIT_PORT_B, (in8(PIT_PORT_B) & ~0x02) | 0x01);
	program(2, 0x30, 11932);	/* 10 ms */
	assert_false(out2());
	at(1000 + 11932);
	assert_false(out2());
	at(1000 + 11933);
	assert_true(out2());
	assert_int_equal(nrises, 0);	/* counter 2 drives no line */

	at(20000);
	program(2, 0x30, 0xffff);
	at(20001);
	in8(PIT_PORT + 2);
	assert_int_equal(in8(PIT_PORT + 2), 0xff);
	at(20001 + 256);
	in8(PIT_PORT + 2);
	assert_int_equal(in8(PIT_PORT + 2), 0xfe);
}

/* Modes 0 and 2 pause while the gate is low (a count written then still
 * loads); in mode 2 a low gate sets OUT high and its rise reloads. */
static void test_gate(void **state)
{
	(void)state;
	at(1000);
	program(2, 0x30, 10);
	at(1001);
	assert_int_equal(status(2), 0x30);	/* loaded while the gate is low */
	at(1050);
	assert_int_equal(latched(2), 10);
	out8(PIT_PORT_B, 1);
	at(1055);
	assert_int_equal(latched(2), 5);
	out8(PIT_PORT_B, 0);
	at(1070);
	assert_int_equal(latched(2), 5);
	assert_false(out2());
	out8(PIT_PORT_B, 1);
	at(1074);
	assert_false(out2());
	at(1075);
	assert_true(out2());

	at(2000);
	program(2, 0x34, 4);
	expect_seq(2, 2001, (const u16[]){ 4, 3, 2, 1 }, "HHHL", 4);
	out8(PIT_PORT_B, 0);	/* low during the pulse: OUT high at once */
	assert_true(out2());
	at(2010);
	assert_int_equal(latched(2), 1);
	out8(PIT_PORT_B, 1);	/* the rise reloads at the next clock */
	expect_seq(2, 2011, (const u16[]){ 4, 3, 2, 1, 4 }, "HHHLH", 5);

	/* A new count waits for the cycle's end; a low gate stops the cycle,
	 * so the count waits for the gate's rise. */
	at(3000);
	program(2, 0x34, 4);
	at(3002);
	out8(PIT_PORT + 2, 8);
	out8(PIT_PORT + 2, 0);
	at(3003);
	out8(PIT_PORT_B, 0);
	at(3010);
	assert_int_equal(latched(2), 2);
	assert_true(status(2) & 0x40);	/* still null count */
	out8(PIT_PORT_B, 1);
	expect_seq(2, 3011, (const u16[]){ 8, 7 }, "HH", 2);
}

/* Bit 4 toggles every 18 clocks (15.085 us) of the VM's time. */
static void test_refresh(void **state)
{
	static const struct { u64 clk; u8 bit; } steps[] = {
		{ 0, 0 }, { 17, 0 }, { 18, 0x10 }, { 35, 0x10 }, { 36, 0 }, { 18 * 1001, 0x10 },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(steps); i++) {
		at(steps[i].clk);
		assert_int_equal(in8(PIT_PORT_B) & 0x10, steps[i].bit);
	}
}

/* --- line 0 ---------------------------------------------------------------------------- */

/* Late callbacks do not move the grid: each edge is due at its own clock. */
static void test_no_drift(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 1193);
	for (u32 i = 1; i <= 10; i++) {
		u64 edge = 1001 + 1193 * i;

		fake_tsc = tsc_of(edge) - 1;
		run_timers();
		assert_int_equal(nrises, i - 1);
		at(edge + 600);	/* half a period late */
		run_timers();
		assert_int_equal(nrises, i);
	}
	expect_rise_at(1001 + 1193 * 11);
}

/* A callback a period or more late pulses once and goes on at the next
 * edge after now: no burst of the missed ones. */
static void test_skip_ahead(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 1193);
	expect_rise_at(2194);
	at(2194 + 1193 * 3 + 600);	/* edges 3387, 4580, 5773 missed */
	run_timers();
	run_timers();
	assert_int_equal(nrises, 2);
	expect_rise_at(2194 + 1193 * 4);
	expect_rise_at(2194 + 1193 * 5);
}

/* Periods shorter than PIT_MIN_IRQ_CLOCKS pulse on the count's grid, no
 * more often than that. */
static void test_min_period(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 10);
	expect_rise_at(1011);
	expect_rise_at(1011 + 120);
	expect_rise_at(1011 + 240);
	at(1011 + 250);
	assert_int_equal(latched(0), 10);	/* the counter itself runs on */
}

/* A new control word or count replaces the armed edge; a callback that
 * still comes for the old one (timer.h) pulses nothing. */
static void test_reprogram_cancels(void **state)
{
	struct timer *t = pit_timer(vm);

	(void)state;
	at(1000);
	program(0, 0x30, 1000);
	assert_true(timer_armed(t));
	at(1500);
	out8(CTRL, 0x30);
	assert_false(timer_armed(t));
	at(2001);
	run_timers();
	t->fire(t);
	assert_int_equal(nrises, 0);

	at(3000);
	program(0, 0x30, 1000);
	at(3500);
	program(0, 0x30, 2000);
	at(4001);
	run_timers();
	t->fire(t);	/* the old deadline's stale callback */
	assert_int_equal(nrises, 0);
	expect_rise_at(5501);
	t->fire(t);	/* and one after the edge it served */
	assert_int_equal(nrises, 1);
}

/* A VM that stopped lets the timer lapse; a reboot powers the PIT on
 * again with nothing armed. */
static void test_stop_and_reset(void **state)
{
	(void)state;
	at(1000);
	program(0, 0x34, 1193);
	program(2, 0x36, 100);
	out8(PIT_PORT_B, 0x03);
	expect_rise_at(2194);
	vm->state = VM_SHUTOFF;
	at(3387);
	run_timers();
	assert_int_equal(nrises, 1);
	assert_false(timer_armed(pit_timer(vm)));

	vm->state = VM_RUNNING;
	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_false(timer_armed(pit_timer(vm)));
	at(10);
	for (u32 c = 0; c < 3; c++)
		assert_int_equal(status(c), 0x70);
	assert_int_equal(in8(PIT_PORT_B), 0);
	at(100000);
	run_timers();
	assert_int_equal(nrises, 1);

	/* A reboot while the timer is armed cancels it. */
	program(0, 0x34, 1193);
	assert_true(timer_armed(pit_timer(vm)));
	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_false(timer_armed(pit_timer(vm)));
	at(100000);
	run_timers();
	pit_timer(vm)->fire(pit_timer(vm));
	assert_int_equal(nrises, 1);
}

#define T(fn) cmocka_unit_test_setup(fn, before_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on),
		T(test_ports),
		T(test_mode0),
		T(test_mode0_rewrite),
		T(test_mode1),
		T(test_mode2),
		T(test_mode3),
		T(test_mode4),
		T(test_mode5),
		T(test_mode_alias),
		T(test_reload),
		T(test_latch),
		T(test_access_modes),
		T(test_read_back),
		T(test_bcd),
		T(test_linux_calibration),
		T(test_gate),
		T(test_refresh),
		T(test_no_drift),
		T(test_skip_ahead),
		T(test_min_period),
		T(test_reprogram_cancels),
		T(test_stop_and_reset),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
