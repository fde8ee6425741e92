/* pic: the 8259A pair of a platform pc VM (hv/vdev/pic.c), programmed as
 * Linux's init_8259A does (ICW1 0x11, bases 0x30 and 0x38, ICW3 4 and 2,
 * ICW4 1), with interrupts raised through the test device's line register
 * (ports 0xe8-0xeb) as a device would. Each interrupt is taken with
 * catch_fault around a short window of IF=1: the vector comes back, or
 * NO_FAULT if none came. Checks: the vectors of a master and a slave line,
 * masking, the EOI a line in service needs before its own or a lower
 * priority goes, the higher of two waiting first, a level line delivered
 * again after the EOI while high and not once lowered, IRR and ISR reads,
 * the poll command, automatic EOI, and the slave's spurious vector when
 * its level line falls before the acknowledge. 32-bit, testdev. */
#include "guest.h"
#include "cpu.h"
#include "testdev.h"

#define MASTER 0x20
#define SLAVE 0xa0
#define ELCR 0x4d0
#define EOI 0x20
#define READ_IRR 0x0a
#define READ_ISR 0x0b
#define POLL 0x0c
#define BASE_M 0x30		/* Linux's ISA_IRQ_VECTOR(0) */
#define BASE_S 0x38

static u8 isr(u16 chip)
{
	outb(chip, READ_ISR);
	return inb(chip);
}

static u8 irr(u16 chip)
{
	outb(chip, READ_IRR);
	return inb(chip);
}

/* A line raised with IF=1 is taken right after the OUT, which leaves
 * the line high. */
static void raise_open(void *arg)
{
	u8 line = (u8)(uptr)arg;

	sti();
	line_high(line);
	cli();
}

static void init_chip(u16 chip, u8 base, u8 icw3, u8 icw4)
{
	outb(chip, 0x11);
	outb(chip + 1, base);
	outb(chip + 1, icw3);
	outb(chip + 1, icw4);
}

static void init_linux(void)
{
	outb(MASTER + 1, 0xff);
	outb(SLAVE + 1, 0xff);
	init_chip(MASTER, BASE_M, 0x04, 0x01);
	init_chip(SLAVE, BASE_S, 0x02, 0x01);
	outb(MASTER + 1, 0xfb);	/* all masked but the cascade */
	outb(SLAVE + 1, 0xff);
	test_check(inb(MASTER + 1) == 0xfb && inb(SLAVE + 1) == 0xff && next_intr() == NO_FAULT,
		   "initialised as Linux does: masks read back, nothing pending");
	outb(MASTER + 1, 0);
	outb(SLAVE + 1, 0);
}

static void vectors(void)
{
	u32 v = catch_fault(raise_open, (void *)3);
	u8 m, s;

	line_low(3);
	test_check(v == BASE_M + 3, "master line 3 gives vector 0x33 (%#x)", v);
	m = isr(MASTER);
	outb(MASTER, EOI);
	test_check(m == 0x08 && isr(MASTER) == 0, "ISR shows line 3 until the EOI (%#x)", m);

	pulse(10);
	v = next_intr();
	test_check(v == BASE_S + 2, "slave line 10 gives vector 0x3a (%#x)", v);
	m = isr(MASTER);
	s = isr(SLAVE);
	outb(SLAVE, EOI);
	outb(MASTER, EOI);
	test_check(m == 0x04 && s == 0x04 && isr(MASTER) == 0 && isr(SLAVE) == 0,
		   "ISR: master input 2 and slave input 2 until the EOIs (%#x, %#x)", m, s);
}

static void masking(void)
{
	u32 v;
	u8 r;

	outb(MASTER + 1, 0x10);
	pulse(4);
	v = next_intr();
	r = irr(MASTER);
	test_check(v == NO_FAULT && r == 0x10, "masked line 4 waits in IRR (%#x, IRR %#x)", v, r);
	outb(MASTER + 1, 0);
	v = next_intr();
	outb(MASTER, EOI);
	test_check(v == BASE_M + 4 && irr(MASTER) == 0, "unmasked, it is delivered (%#x)", v);
}

static void eoi_needed(void)
{
	u32 first, blocked, nested, still, again, lower_one;

	pulse(5);
	first = next_intr();
	pulse(5);
	pulse(6);
	blocked = next_intr();
	pulse(3);
	nested = next_intr();
	outb(MASTER, EOI);		/* ends 3 */
	still = next_intr();
	outb(MASTER, EOI);		/* ends 5 */
	again = next_intr();
	outb(MASTER, EOI);
	lower_one = next_intr();
	outb(MASTER, EOI);
	test_check(first == BASE_M + 5 && blocked == NO_FAULT,
		   "line 5 in service holds back line 5 and line 6 (%#x, %#x)", first, blocked);
	test_check(nested == BASE_M + 3 && still == NO_FAULT,
		   "higher line 3 nests; its EOI leaves 5 in service (%#x, %#x)", nested, still);
	test_check(again == BASE_M + 5 && lower_one == BASE_M + 6,
		   "after each EOI the next goes: 5, then 6 (%#x, %#x)", again, lower_one);
}

static void priority(void)
{
	u32 a, b;

	pulse(6);
	pulse(3);
	a = next_intr();
	outb(MASTER, EOI);
	b = next_intr();
	outb(MASTER, EOI);
	test_check(a == BASE_M + 3 && b == BASE_M + 6,
		   "lines 6 and 3 raised with IF=0: 3 first (%#x, %#x)", a, b);

	pulse(4);
	pulse(12);
	a = next_intr();
	outb(SLAVE, EOI);
	outb(MASTER, EOI);
	b = next_intr();
	outb(MASTER, EOI);
	test_check(a == BASE_S + 4 && b == BASE_M + 4,
		   "slave line 12 before master line 4: it ranks at input 2 (%#x, %#x)", a, b);
}

static void level(void)
{
	u32 a, b, c;
	u8 elcr;

	outb(ELCR, 0xff);
	elcr = inb(ELCR);
	outb(ELCR, 0x20);
	line_high(5);
	a = next_intr();
	outb(MASTER, EOI);
	b = next_intr();
	line_low(5);
	outb(MASTER, EOI);
	c = next_intr();
	outb(ELCR, 0);
	test_check(elcr == 0xf8, "ELCR keeps lines 0-2 edge-triggered (%#x)", elcr);
	test_check(a == BASE_M + 5 && b == BASE_M + 5,
		   "level line 5 comes again after the EOI while high (%#x, %#x)", a, b);
	test_check(c == NO_FAULT, "and not after it is lowered (%#x)", c);
}

static void polled(void)
{
	u32 v;
	u8 p, none, in_service;

	pulse(6);
	outb(MASTER, POLL);
	p = inb(MASTER);
	in_service = isr(MASTER);
	v = next_intr();
	outb(MASTER, EOI);
	outb(MASTER, POLL);
	none = inb(MASTER);
	test_check(p == 0x86 && in_service == 0x40,
		   "poll reads 0x80 | 6 and puts line 6 in service (%#x, ISR %#x)", p, in_service);
	test_check(v == NO_FAULT && none == 0,
		   "the polled line is not delivered; a poll of nothing reads 0 (%#x, %#x)", v, none);
}

static void automatic_eoi(void)
{
	u32 a, b;
	u8 s;

	init_chip(MASTER, BASE_M, 0x04, 0x03);
	outb(MASTER + 1, 0);
	pulse(3);
	a = next_intr();
	s = isr(MASTER);
	pulse(3);
	b = next_intr();
	init_chip(MASTER, BASE_M, 0x04, 0x01);
	outb(MASTER + 1, 0);
	test_check(a == BASE_M + 3 && s == 0 && b == BASE_M + 3,
		   "automatic EOI: nothing in service, line 3 again without an EOI (%#x, %#x)", a, b);
}

static void spurious(void)
{
	u32 v;
	u8 m, s;

	outb(ELCR + 1, 0x04);	/* line 10 level-triggered */
	line_high(10);
	line_low(10);
	v = next_intr();
	m = isr(MASTER);
	s = isr(SLAVE);
	outb(MASTER, EOI);
	outb(ELCR + 1, 0);
	test_check(v == BASE_S + 7 && m == 0x04 && s == 0,
		   "a slave line lowered before it is taken: spurious 0x3f, master input 2 in "
		   "service (%#x, ISR %#x, %#x)", v, m, s);
}

void test_main(void)
{
	cli();
	init_linux();
	vectors();
	masking();
	eoi_needed();
	priority();
	level();
	polled();
	automatic_eoi();
	spurious();
}
