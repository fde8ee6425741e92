/* pit: the 8254 PIT and port 0x61 (hv/vdev/pit.c) as Linux uses them to
 * calibrate the TSC: counter 2 in mode 0, its gate through port 0x61 bit
 * 0, OUT2 polled in bit 5; the running count read directly, by the latch
 * command and by read-back; counter 0 in mode 2; the refresh toggle.
 * 32-bit, interrupts off: counter 0's line into the 8259 is not checked
 * here (the 8259 is another model's).
 *
 * Nothing depends on how fast time passes, as lucid may stop the vCPU
 * for a while at any point: each wait is for the PIT itself, bounded by
 * a count of polls, and two counters are compared only through one
 * read-back that latches both at the same clock. Counter 2 (mode 0)
 * times the rest: while OUT2 is low it has not wrapped, and if it went
 * high (the vCPU was away for more than its 55 ms) the check starts
 * again, a few times at most. */
#include "guest.h"
#include "cpu.h"

#define CH0 0x40
#define CH2 0x42
#define CTRL 0x43
#define PORT_B 0x61
#define OUT2 0x20
#define REFRESH 0x10
#define POLLS 2000000u
#define TRIES 5
#define N0 50000u	/* counter 0's mode 2 period */

static u16 read_count(u16 port)
{
	u8 lo = inb(port);

	return (u16)(lo | inb(port) << 8);
}

/* Read-back of counter c's status alone. */
static u8 status(u32 c)
{
	outb(CTRL, (u8)(0xe0 | 2 << c));
	return inb((u16)(CH0 + c));
}

/* Gate of counter 2 (bit 0), speaker off (bit 1), as Linux sets them. */
static void gate2(bool high)
{
	outb(PORT_B, (u8)((inb(PORT_B) & ~0x03) | high));
}

static void program(u32 c, u8 mode_ctrl, u16 count)
{
	outb(CTRL, (u8)(c << 6 | mode_ctrl));
	outb((u16)(CH0 + c), (u8)count);
	outb((u16)(CH0 + c), (u8)(count >> 8));
}

/* Polls until counter c's status shows its count loaded. */
static bool loaded(u32 c)
{
	for (u32 i = 0; i < POLLS; i++)
		if (!(status(c) & 0x40))
			return true;
	return false;
}

static bool out2(void)
{
	return inb(PORT_B) & OUT2;
}

/* Counter 2 in mode 0 from 0xffff, gate high: the stopwatch. */
static bool stopwatch(void)
{
	gate2(true);
	program(2, 0x30, 0xffff);
	return loaded(2);
}

/* Counters 0 and 2 latched at one clock by read-back. */
static void latch_both(u16 *c0, u16 *c2)
{
	outb(CTRL, 0xda);	/* count (bit 5 clear), no status, counters 2 and 0 */
	*c0 = read_count(CH0);
	*c2 = read_count(CH2);
}

static void port_b(void)
{
	u8 r, v;
	u32 i, flips = 0;

	outb(PORT_B, 0xfc);
	v = inb(PORT_B);
	outb(PORT_B, 0);
	test_check((v & 0xcf) == 0x0c, "port 0x61 keeps bits 0-3 and reads bits 6-7 as 0 (0x%x)", v);

	r = inb(PORT_B) & REFRESH;
	for (i = 0; i < POLLS && flips < 2; i++) {
		u8 now = inb(PORT_B) & REFRESH;

		if (now != r) {
			flips++;
			r = now;
		}
	}
	test_check(flips == 2, "port 0x61 bit 4 (refresh) toggles there and back (%u polls)", i);
}

/* Gate low: a count still loads, then holds; mode 0's OUT is low. */
static void gate_low(void)
{
	bool ok;

	gate2(false);
	outb(CTRL, 0xb0);
	test_check(status(2) == 0x70, "control word 0xb0: status 0x70 (OUT low, null count, mode 0)");
	outb(CH2, 12345 & 0xff);
	outb(CH2, 12345 >> 8);
	ok = loaded(2) && read_count(CH2) == 12345 && read_count(CH2) == 12345 && !out2();
	test_check(ok, "a count written with the gate low loads and holds at 12345");
}

/* Linux's pit_calibrate_tsc, 10 ms. */
static void calibrate(void)
{
	u16 latch = 11932;
	bool low;
	u64 t0, t1;
	u32 polls = 0;

	outb(PORT_B, (u8)((inb(PORT_B) & ~0x02) | 0x01));
	outb(CTRL, 0xb0);
	outb(CH2, latch & 0xff);
	low = !out2();	/* low from the control word until the count runs out */
	outb(CH2, latch >> 8);
	t0 = rdtsc();
	while (!out2() && polls < POLLS)
		polls++;
	t1 = rdtsc();
	printf("10 ms of the PIT: %llu TSC cycles, %u polls\n", (unsigned long long)(t1 - t0),
	       polls);
	test_check(low && polls < POLLS, "calibration as Linux does it: OUT2 low, then rises after "
		   "the count (%u polls)", polls);
	test_check(status(2) == 0xb0, "counter 2 status after terminal count: OUT high, 0xb0");
}

/* quick_pit_calibrate reads the count directly and looks at the MSB. */
static void direct_reads(void)
{
	bool ok = false;

	for (u32 try = 0; try < TRIES && !ok; try++) {
		u8 first, prev, msb = 0;
		bool rose = false;
		u32 i;

		if (!stopwatch())
			break;
		first = prev = (u8)(read_count(CH2) >> 8);
		for (i = 0; i < POLLS; i++) {
			msb = (u8)(read_count(CH2) >> 8);
			if (out2())
				break;	/* away too long: again */
			rose |= msb > prev;
			prev = msb;
			if (msb < first)
				break;
		}
		if (i == POLLS || rose) {
			test_fail("counter 2 in mode 0 counts down (MSB %#x, then %#x)", first, msb);
			return;
		}
		ok = msb < first;
	}
	test_check(ok, "counter 2 in mode 0 counts down (the MSB of direct reads never rises)");
}

/* Counter 0 in mode 2 against counter 2, latched together: each pair of
 * read-backs shows both down by the same clocks (counter 0 modulo its
 * period). */
static void counter0(void)
{
	u32 pairs = 0;
	bool same, in_range = true;

	program(0, 0x34, N0);
	same = loaded(0);
	for (u32 try = 0; same && try < TRIES && pairs < 3; try++) {
		if (!stopwatch()) {
			same = false;
			break;
		}
		while (pairs < 3) {
			u16 a0, a2, b0, b2;
			u32 i;

			latch_both(&a0, &a2);
			for (i = 0; i < POLLS; i++)
				if (read_count(CH2) != a2)
					break;
			latch_both(&b0, &b2);
			if (out2())
				break;	/* away too long: again */
			in_range &= a0 >= 1 && a0 <= N0 && b0 >= 1 && b0 <= N0;
			if (i == POLLS || b2 >= a2 || (a0 + N0 - b0) % N0 != (u32)(a2 - b2) % N0) {
				printf("counter 0: %u then %u; counter 2: %u then %u\n", a0, b0, a2, b2);
				same = false;
				break;
			}
			pairs++;
		}
	}
	test_check(same && pairs == 3, "counters 0 (mode 2) and 2 (mode 0) latched together count "
		   "the same clocks down (%u pairs)", pairs);
	test_check(pairs && in_range, "counter 0 in mode 2 reads within 1..50000");
}

/* A latch command while counter 0's count is latched is ignored. */
static void latch_ignored(void)
{
	for (u32 try = 0; try < TRIES; try++) {
		u16 a0, a2, x, b0, b2;
		u32 i;

		if (!stopwatch())
			break;
		outb(CTRL, 0xda);
		a2 = read_count(CH2);	/* counter 0's latch stays */
		for (i = 0; i < POLLS; i++)
			if ((u16)(a2 - read_count(CH2)) >= 200)
				break;
		outb(CTRL, 0x00);	/* counter 0 latch: ignored */
		x = read_count(CH0);
		latch_both(&b0, &b2);
		if (out2())
			continue;
		a0 = x;
		test_check(i < POLLS && (a0 + N0 - b0) % N0 == (u32)(a2 - b2) % N0,
			   "a latch command while a count is latched is ignored");
		return;
	}
	test_fail("a latch command while a count is latched is ignored (not checked)");
}

static void read_back_both(void)
{
	u8 st;
	u16 count;

	outb(CTRL, 0xc2);	/* count and status of counter 0 */
	st = inb(CH0);
	count = read_count(CH0);
	test_check((st & 0x7f) == 0x34 && count >= 1 && count <= N0,
		   "read-back of count and status: status first (%#x), then the count (%u)", st,
		   count);
}

void test_main(void)
{
	test_check(status(1) == 0x70 && read_count(0x41) == 0,
		   "counter 1 untouched: status 0x70, count 0");
	port_b();
	gate_low();
	calibrate();
	direct_reads();
	counter0();
	latch_ignored();
	read_back_both();
}
