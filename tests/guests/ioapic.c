/* ioapic: the I/O APIC of a platform pc VM (hv/vdev/ioapic.c) as Linux
 * sets it up: the 8259 pair initialised and masked, the local APIC on
 * with LINT0 masked, each input routed to vector 0x50 + its number and
 * APIC 0. Lines move through the test device's line register (ports
 * 0xe8-0xeb), as devices move them. Checks: the version (0x11, 24
 * entries) and the ID the MADT gives; an edge input's vector, and a rise
 * while masked lost; the PIT's line 0 on input 2; a level input's remote
 * IRR set until the EOI, the EOI sending it again while the line is
 * high; switching it to edge clearing remote IRR; and the PIT's counter
 * 0 ticking through input 2, as Linux's timer does. Each interrupt is
 * taken in a window of IF=1 and caught as catch_fault catches an
 * exception. 32-bit, testdev. */
#include "guest.h"
#include "cpu.h"
#include "testdev.h"

#define IOAPIC 0xfec00000u
#define APIC 0xfee00000u
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LINT0 0x350
#define VEC(pin) (0x50 + (pin))
#define MASKED (1u << 16)
#define LEVEL (1u << 15)
#define REMOTE_IRR (1u << 14)

static u32 io_rd(u32 reg)
{
	*(volatile u32 *)(uptr)IOAPIC = reg;
	return *(volatile u32 *)(uptr)(IOAPIC + 0x10);
}

static void io_wr(u32 reg, u32 val)
{
	*(volatile u32 *)(uptr)IOAPIC = reg;
	*(volatile u32 *)(uptr)(IOAPIC + 0x10) = val;
}

static void route(u32 pin, u32 flags)
{
	io_wr(0x11 + 2 * pin, 0);		/* APIC 0, physical */
	io_wr(0x10 + 2 * pin, flags | VEC(pin));
}

static u32 entry(u32 pin)
{
	return io_rd(0x10 + 2 * pin);
}

static void apic_wr(u32 reg, u32 val)
{
	*(volatile u32 *)(uptr)(APIC + reg) = val;
}

static void eoi(void)
{
	apic_wr(APIC_EOI, 0);
}

static void halt_for_it(void *arg)
{
	(void)arg;
	asm volatile("sti; hlt; cli" : : : "memory");
}

static void setup(void)
{
	static const u8 icw[2][4] = { { 0x11, 0x20, 0x04, 0x01 }, { 0x11, 0x28, 0x02, 0x01 } };

	for (u32 c = 0; c < 2; c++) {
		u16 port = c ? 0xa0 : 0x20;

		outb(port, icw[c][0]);
		for (u32 i = 1; i < 4; i++)
			outb(port + 1, icw[c][i]);
		outb(port + 1, 0xff);	/* masked: the I/O APIC takes the lines */
	}
	apic_wr(APIC_SVR, 0x1ff);
	apic_wr(APIC_LINT0, MASKED);
}

static void registers(void)
{
	bool masked = true;

	for (u32 pin = 0; pin < 24; pin++)
		masked &= entry(pin) == MASKED;
	test_check(io_rd(1) == 0x00170011, "version 0x11 with 24 entries (%#x)", io_rd(1));
	test_check(io_rd(0) == 1u << 24, "ID 1, as the MADT says (%#x)", io_rd(0));
	test_check(masked, "every entry masked at power-on");
}

static void edge(void)
{
	u32 v, lost;

	route(4, 0);
	pulse(4);
	v = next_intr();
	eoi();
	test_check(v == VEC(4), "edge input 4 gives vector 0x54 (%#x)", v);
	route(4, MASKED);
	pulse(4);
	route(4, 0);
	lost = next_intr();
	test_check(lost == NO_FAULT, "a rise while masked is lost (%#x)", lost);
	route(2, 0);
	pulse(0);
	v = next_intr();
	eoi();
	test_check(v == VEC(2), "ISA line 0 arrives on input 2 (%#x)", v);
	route(2, MASKED);
	route(4, MASKED);
}

static void level(void)
{
	u32 v, held, again, irr_taken, irr_after, quiet;

	route(9, LEVEL);
	line_high(9);
	v = next_intr();
	irr_taken = entry(9) & REMOTE_IRR;
	held = next_intr();		/* in service, and remote IRR holds it */
	eoi();				/* the line is still high */
	again = next_intr();
	line_low(9);
	eoi();
	irr_after = entry(9) & REMOTE_IRR;
	quiet = next_intr();
	test_check(v == VEC(9) && irr_taken && held == NO_FAULT,
		   "level input 9 gives 0x59 and sets remote IRR (%#x, %#x)", v, irr_taken);
	test_check(again == VEC(9), "its EOI while the line is high sends it again (%#x)", again);
	test_check(!irr_after && quiet == NO_FAULT,
		   "lowered, its EOI clears remote IRR and nothing comes (%#x, %#x)", irr_after,
		   quiet);

	line_high(9);
	v = next_intr();
	route(9, MASKED);		/* edge-triggered: remote IRR goes */
	irr_after = entry(9) & REMOTE_IRR;
	eoi();
	line_low(9);
	test_check(v == VEC(9) && !irr_after,
		   "switched to edge, remote IRR clears without an EOI (%#x)", v);
}

/* Counter 0 in mode 2 at about 1 kHz through input 2: three ticks. */
static void pit_ticks(void)
{
	u32 ticks = 0;

	route(2, 0);
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	for (u32 tries = 0; tries < 1000 && ticks < 3; tries++) {
		if (catch_fault(halt_for_it, NULL) == VEC(2))
			ticks++;
		eoi();
	}
	outb(0x43, 0x30);		/* counter 0 stops in mode 0 without a count */
	route(2, MASKED);
	test_check(ticks == 3, "the PIT's counter 0 ticks through input 2 (%u ticks)", ticks);
}

void test_main(void)
{
	cli();
	setup();
	registers();
	edge();
	level();
	pit_ticks();
}
