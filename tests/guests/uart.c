/* uart: COM1 (hv/vdev/uart.h) as Linux's 8250 driver probes it
 * (drivers/tty/serial/8250/8250_port.c, autoconfig): the registers after
 * reset, the scratch register, IER read back (0 and 0x0f), loopback with
 * MSR mirroring MCR and a byte sent coming back, the FIFOs seen in IIR
 * bits 7:6 (a 16550A) and 16 deep, the divisor latch under DLAB, THRE in
 * IIR; then a line sent outside loopback, which lucid logs as
 * "uart: ...". Polled only: the interrupt (line 4, MCR.OUT2) needs the
 * 8259 model. 32-bit. */
#include "guest.h"
#include "cpu.h"

#define COM1 0x3f8
#define RBR 0
#define IER 1
#define IIR 2	/* FCR on writes */
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static u8 in(u32 reg)
{
	return inb((u16)(COM1 + reg));
}

static void out(u32 reg, u8 val)
{
	outb((u16)(COM1 + reg), val);
}

static void after_reset(void)
{
	u8 ier = in(IER), iir = in(IIR), lcr = in(LCR), mcr = in(MCR), lsr = in(LSR),
	   msr = in(MSR);

	if (!on_lucid) {	/* plain QEMU: the runtime set COM1 up */
		test_skip("registers after reset: the runtime has set COM1 up");
		return;
	}
	test_check(ier == 0 && iir == 0x01 && lcr == 0 && mcr == 0 && lsr == 0x60 && msr == 0xb0,
		   "registers after reset: IER 0, IIR 1, LCR 0, MCR 0, LSR 0x60, MSR 0xb0 "
		   "(%#x %#x %#x %#x %#x %#x)", ier, iir, lcr, mcr, lsr, msr);
}

static void scratch(void)
{
	u8 a, b;

	out(SCR, 0xa5);
	a = in(SCR);
	out(SCR, 0x5a);
	b = in(SCR);
	test_check(a == 0xa5 && b == 0x5a, "scratch register reads back 0xa5 and 0x5a (%#x %#x)",
		   a, b);
}

/* autoconfig's existence test, then the upper bits. */
static void ier_readback(void)
{
	u8 zero, all, wide;

	out(IER, 0);
	zero = in(IER) & 0x0f;
	out(IER, 0x0f);
	all = in(IER) & 0x0f;
	out(IER, 0xff);
	wide = in(IER);
	out(IER, 0);
	test_check(zero == 0 && all == 0x0f && wide == 0x0f,
		   "IER reads back 0 and 0x0f, bits 7:4 stay clear (%#x %#x %#x)", zero, all, wide);
}

static void loopback(void)
{
	u8 probe, all, none, lsr, got, after;

	out(MCR, 0x10 | 0x0a);		/* LOOP, OUT2, RTS: autoconfig's test */
	probe = in(MSR) & 0xf0;
	out(MCR, 0x1f);
	all = in(MSR) & 0xf0;
	out(MCR, 0x10);
	none = in(MSR) & 0xf0;
	out(MCR, 0);	/* reports go out on COM1 on plain QEMU: not in loopback */
	test_check(probe == 0x90 && all == 0xf0 && none == 0,
		   "loopback: MSR mirrors MCR, 0x90 for RTS and OUT2 (%#x %#x %#x)", probe, all,
		   none);

	out(MCR, 0x10);
	in(LSR);
	out(RBR, 0x5a);
	lsr = in(LSR);
	got = in(RBR);
	after = in(LSR);
	out(MCR, 0);
	test_check((lsr & 0x61) == 0x61 && got == 0x5a && !(after & 1),
		   "loopback: a byte sent comes back (LSR %#x, %#x, then LSR %#x)", lsr, got, after);
}

static void fifos(void)
{
	u8 on, off, lsr;
	u32 n = 0;
	bool order = true;

	out(IIR, 0x01);
	on = in(IIR) >> 6;
	out(IIR, 0x00);
	off = in(IIR) >> 6;
	test_check(on == 3 && off == 0, "FIFOs: IIR bits 7:6 are 3 with FCR0 set (a 16550A), "
		   "0 without (%u %u)", on, off);

	/* size_fifo's way: 20 bytes through loopback, 16 come back. */
	out(IIR, 0x07);
	out(MCR, 0x10);
	for (u32 i = 0; i < 20; i++)
		out(RBR, (u8)(0x30 + i));
	lsr = in(LSR);
	while ((in(LSR) & 1) && n < 32) {
		order &= in(RBR) == 0x30 + n;
		n++;
	}
	out(MCR, 0);
	out(IIR, 0);
	test_check(n == 16 && order && (lsr & 0x02),
		   "FIFOs: 16 bytes deep, in order, the rest an overrun (%u, LSR %#x)", n, lsr);
}

static void divisor(void)
{
	u8 dll, dlm, ier, lcr;

	out(IER, 0x05);
	out(LCR, 0x80);
	out(RBR, 0x0c);
	out(IER, 0x01);
	dll = in(RBR);
	dlm = in(IER);
	out(LCR, 0x03);
	ier = in(IER);
	lcr = in(LCR);
	out(IER, 0);
	out(LCR, 0x80);		/* back to 115200 baud, the runtime's on plain QEMU */
	out(RBR, 0x01);
	out(IER, 0x00);
	out(LCR, 0x03);
	test_check(dll == 0x0c && dlm == 0x01 && ier == 0x05 && lcr == 0x03,
		   "DLAB: divisor 0x010c reads back, IER kept (%#x %#x %#x %#x)", dll, dlm, ier,
		   lcr);
}

static void thre(void)
{
	u8 first, second, again;

	out(IER, 0x02);
	first = in(IIR);
	second = in(IIR);
	out(IER, 0);
	out(IER, 0x02);
	again = in(IIR);
	out(IER, 0);
	test_check((first & 0x0f) == 0x02 && (second & 0x0f) == 0x01 && (again & 0x0f) == 0x02,
		   "IIR reports THRE when it is enabled, reading it clears it (%#x %#x %#x)",
		   first, second, again);
}

/* Outside loopback a byte goes down the line: lucid logs the line. */
static void send_line(void)
{
	static const char line[] = "serial line from the guest\r\n";

	for (u32 i = 0; i < sizeof(line) - 1; i++) {
		while (!(in(LSR) & 0x20))
			;
		out(RBR, (u8)line[i]);
	}
	test_pass("sent a line through THR");
}

void test_main(void)
{
	after_reset();
	scratch();
	ier_readback();
	loopback();
	fifos();
	divisor();
	thre();
	send_line();
}
