/* Host tests for COM1's 16550A (hv/vdev/uart.c) in a VM of the PC
 * platform, over the fake back end (fake_hv.h), through the VM's port
 * bus as a port exit reaches it: every register and its power-on value,
 * DLAB, the FIFOs on and off and their clears, IIR's priorities, the THRE
 * interrupt's rules, line 4 gated by OUT2 (seen by a fake interrupt
 * controller), loopback with MSR mirroring MCR, overruns, the input API,
 * the output ring, the log lines, and accesses wider than a byte. The
 * register facts are National's PC16550D datasheet's; test_linux_probe
 * replays what Linux's 8250 driver checks (8250_port.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/vdev/uart.h"

static struct vm *vm;

/* A fake interrupt controller: what line 4 is driven to. */
static struct {
	bool level;
	u32 rises, calls;
} line4;

static void line_set(void *ctl, u32 line, bool level)
{
	(void)ctl;
	if (line != UART_IRQ)
		fail_msg("COM1 drove line %u", line);
	line4.rises += level && !line4.level;
	line4.calls++;
	line4.level = level;
}

static const struct irq_controller fake_pic = { line_set, &line4, 16, NULL };

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	vm = host_pc_vm("com", 1, MiB(1), true);
	if (irq_controller_add(vm, &fake_pic))
		return -1;
	return 0;
}

static int before_each(void **state)
{
	(void)state;
	vdev_reset_all(vm);
	host_test_start();
	assert_false(line4.level);
	line4.rises = line4.calls = 0;
	return 0;
}

static u8 in(u32 reg)
{
	return (u8)io_bus_read(&vm->ports, UART_PORT + reg, 1);
}

static void out(u32 reg, u8 val)
{
	io_bus_write(&vm->ports, UART_PORT + reg, 1, val);
}

/* Bytes as the guest sends them through THR. */
static void send(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out(UART_RBR, (u8)s[i]);
}

#define SEND(lit) send(lit, sizeof(lit) - 1)

static void input(const char *s, u32 n, u32 took)
{
	assert_int_equal(uart_input(vm, (const u8 *)s, n), took);
}

/* --- registers ----------------------------------------------------------- */

/* After a reset: no interrupt enabled or pending, 5 bits no parity,
 * modem outputs off, nothing received, the transmitter empty, and a
 * connected line (DCD, DSR, CTS). Line 4 low. */
static void test_power_on(void **state)
{
	(void)state;
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(in(UART_SCR), 0);
	assert_int_equal(in(UART_RBR), 0);
	assert_false(line4.level);
}

/* SCR and LCR keep all 8 bits, MCR its low 5, IER its low 4; LSR and
 * MSR ignore writes. */
static void test_plain_registers(void **state)
{
	static const u8 vals[] = { 0x00, 0xff, 0xa5, 0x5a, 0x01, 0x80 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(vals); i++) {
		u8 v = vals[i];

		out(UART_SCR, v);
		assert_int_equal(in(UART_SCR), v);
		out(UART_LCR, v);
		assert_int_equal(in(UART_LCR), v);
		out(UART_LCR, 0);
		out(UART_MCR, v & ~UART_MCR_LOOP);	/* loopback is test_loopback's */
		assert_int_equal(in(UART_MCR), v & 0x0f);
		out(UART_IER, v);
		assert_int_equal(in(UART_IER), v & 0x0f);
	}
	out(UART_IER, 0);
	out(UART_MCR, 0);
	out(UART_LSR, 0x00);
	out(UART_MSR, 0x0f);
	in(UART_IIR);
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_MSR), 0xb0);
}

/* The room uart_input_room() reports is what uart_input() then takes
 * without an overrun: 16 bytes with the FIFOs on, 1 without, none in
 * loopback. */
static void test_input_room(void **state)
{
	(void)state;
	assert_int_equal(uart_input_room(vm), 1);
	out(UART_IIR, UART_FCR_ENABLE);
	assert_int_equal(uart_input_room(vm), 16);
	input("abcde", 5, 5);
	assert_int_equal(uart_input_room(vm), 11);
	input("0123456789a", 11, 11);
	assert_int_equal(uart_input_room(vm), 0);
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, 0);
	in(UART_RBR);
	assert_int_equal(uart_input_room(vm), 1);
	out(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(uart_input_room(vm), 0);
}

/* LCR.DLAB puts the divisor latch at +0 and +1: written and read back
 * there, while IER keeps its value and nothing is sent. */
static void test_dlab(void **state)
{
	u64 end = uart_output_end(vm);

	(void)state;
	out(UART_IER, 0x05);
	out(UART_LCR, UART_LCR_DLAB | 0x03);
	out(UART_RBR, 0x0c);
	out(UART_IER, 0x34);
	assert_int_equal(in(UART_RBR), 0x0c);
	assert_int_equal(in(UART_IER), 0x34);
	assert_int_equal(uart_output_end(vm), end);
	out(UART_LCR, 0x03);
	assert_int_equal(in(UART_IER), 0x05);
	assert_int_equal(in(UART_RBR), 0);	/* RBR, not DLL */
	out(UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in(UART_RBR) | in(UART_IER) << 8, 0x340c);
	assert_string_equal(host_log(), "");
}

/* --- FIFOs and the receiver ---------------------------------------------- */

/* IIR bits 7:6 say whether the FIFOs are on. On, the receiver holds 16
 * bytes, in order; the 17th is lost and sets OE. FCR bit 1 empties it;
 * switching the FIFOs off or on empties it too; a write without FCR0
 * turns them off whatever else it says. */
static void test_fifo(void **state)
{
	char got[16];

	(void)state;
	out(UART_IIR, UART_FCR_ENABLE);
	assert_int_equal(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	input("0123456789abcdefXY", 18, 16);
	assert_int_equal(in(UART_LSR), UART_LSR_DR | UART_LSR_OE | 0x60);
	for (u32 i = 0; i < 16; i++)
		got[i] = (char)in(UART_RBR);
	assert_memory_equal(got, "0123456789abcdef", 16);
	assert_int_equal(in(UART_LSR), 0x60);

	input("abc", 3, 3);
	out(UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(in(UART_LSR), 0x60);
	assert_int_equal(in(UART_IIR), 0xc1);		/* still on */

	input("abc", 3, 3);
	out(UART_IIR, 0xc6);				/* FCR0 clear */
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LSR), 0x60);		/* emptied */

	input("z", 1, 1);
	out(UART_IIR, UART_FCR_ENABLE);			/* on: emptied */
	assert_int_equal(in(UART_LSR), 0x60);
	out(UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);	/* nothing to clear */
	assert_int_equal(in(UART_IIR), 0xc1);
}

/* With the FIFOs off the receiver is one byte: the next one takes its
 * place and sets OE. Reading LSR clears OE. An empty RBR gives the last
 * byte read again. */
static void test_holding_register(void **state)
{
	(void)state;
	input("pq", 2, 1);
	assert_int_equal(in(UART_LSR), UART_LSR_DR | UART_LSR_OE | 0x60);
	assert_int_equal(in(UART_LSR), UART_LSR_DR | 0x60);
	assert_int_equal(in(UART_RBR), 'q');
	assert_int_equal(in(UART_LSR), 0x60);
	assert_int_equal(in(UART_RBR), 'q');
	input("r", 1, 1);
	input("", 0, 0);
	assert_int_equal(in(UART_RBR), 'r');
}

/* --- interrupts ---------------------------------------------------------- */

/* Everything pending at once: line status (overrun), received data, THR
 * empty, modem status; IIR names the highest, and each goes as the
 * datasheet says: reading LSR, reading RBR, reading IIR itself, reading
 * MSR. */
static void test_iir_priorities(void **state)
{
	(void)state;
	out(UART_MCR, UART_MCR_LOOP);
	in(UART_MSR);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);	/* DSR rises */
	SEND("ab");					/* b overruns a */
	out(UART_IER, 0x0f);
	assert_int_equal(in(UART_IIR), UART_IIR_RLSI);
	assert_int_equal(in(UART_IIR), UART_IIR_RLSI);	/* reading IIR does not clear it */
	assert_int_equal(in(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	assert_int_equal(in(UART_IIR), UART_IIR_RDI);
	assert_int_equal(in(UART_RBR), 'b');
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);
	assert_int_equal(in(UART_IIR), UART_IIR_MSI);
	assert_int_equal(in(UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);

	/* Each source counts only while IER enables it. */
	SEND("c");
	out(UART_IER, UART_IER_MSI | UART_IER_RLSI);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);	/* data and THRE, masked */
	out(UART_IER, 0x0f);
	assert_int_equal(in(UART_IIR), UART_IIR_RDI);
}

/* With the FIFOs on, fewer bytes than the trigger level (1, 4, 8, 14)
 * report a character timeout; as many report received data. */
static void test_trigger_and_timeout(void **state)
{
	static const u8 levels[] = { 1, 4, 8, 14 };

	(void)state;
	out(UART_IER, UART_IER_RDI);
	for (u32 t = 0; t < 4; t++) {
		out(UART_IIR, (u8)(UART_FCR_ENABLE | UART_FCR_CLEAR_RX | t << 6));
		for (u32 n = 1; n <= 16; n++) {
			u8 want = n < levels[t] ? UART_IIR_TIMEOUT : UART_IIR_RDI;

			input("x", 1, 1);
			if (in(UART_IIR) != (UART_IIR_FIFO | want))
				fail_msg("trigger %u, %u bytes: IIR %#x", levels[t], n, in(UART_IIR));
		}
	}
	out(UART_IIR, 0);
	input("x", 1, 1);
	assert_int_equal(in(UART_IIR), UART_IIR_RDI);
}

/* THRE: raised when ETBEI is enabled while THR is empty and after every
 * byte sent (THR empties at once); cleared by an IIR read that reports
 * it (not one that reports something else) and by a THR write; not
 * raised again by an IER write that leaves ETBEI set. */
static void test_thre_interrupt(void **state)
{
	(void)state;
	out(UART_IER, UART_IER_THRI);
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	out(UART_IER, UART_IER_THRI | UART_IER_RDI);	/* ETBEI stays set */
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_THRI);
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);

	SEND("!");
	assert_int_equal(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);

	/* An IIR read that reports data leaves THRE pending. */
	out(UART_IER, UART_IER_THRI | UART_IER_RDI);
	SEND("!");
	input("d", 1, 1);
	assert_int_equal(in(UART_IIR), UART_IIR_RDI);
	in(UART_RBR);
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);
}

/* Line 4 is high while an enabled interrupt is pending and MCR.OUT2 is
 * set, never in loopback; a byte sent drops it and raises it again (an
 * edge); a reset drops it. */
static void test_out2_gates_line(void **state)
{
	(void)state;
	out(UART_IER, UART_IER_THRI);
	assert_false(line4.level);			/* OUT2 clear */
	out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1);
	assert_false(line4.level);
	out(UART_MCR, UART_MCR_OUT2);
	assert_true(line4.level);
	assert_int_equal(line4.rises, 1);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_false(line4.level);
	out(UART_MCR, UART_MCR_OUT2);
	assert_true(line4.level);
	assert_int_equal(in(UART_IIR), UART_IIR_THRI);
	assert_false(line4.level);			/* acknowledged */

	line4.rises = 0;
	SEND("xy");
	assert_true(line4.level);
	assert_int_equal(line4.rises, 2);
	SEND("z");
	assert_int_equal(line4.rises, 3);

	out(UART_IER, UART_IER_RDI);			/* THRE still pending, now masked */
	assert_false(line4.level);
	input("k", 1, 1);
	assert_true(line4.level);
	in(UART_RBR);
	assert_false(line4.level);

	out(UART_IER, UART_IER_THRI);
	assert_true(line4.level);
	line4.calls = 0;
	in(UART_LSR);
	in(UART_SCR);
	assert_int_equal(line4.calls, 0);		/* only changes reach the controller */
	vdev_reset_all(vm);
	assert_false(line4.level);
}

/* --- loopback ------------------------------------------------------------ */

/* MSR's high bits mirror MCR's (DTR to DSR, RTS to CTS, OUT1 to RI, OUT2
 * to DCD) and their changes set the delta bits (RI: its trailing edge
 * only), cleared by reading MSR; a byte sent comes back to the receiver
 * and leaves the VM's output alone; the line's input is cut. */
static void test_loopback(void **state)
{
	u64 end = uart_output_end(vm);

	(void)state;
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(in(UART_MSR), 0x90 | UART_MSR_DDSR);	/* DSR fell */
	out(UART_MCR, UART_MCR_LOOP | 0x0f);
	assert_int_equal(in(UART_MSR), 0xf0 | UART_MSR_DDSR);	/* RI rose: no TERI */
	assert_int_equal(in(UART_MSR), 0xf0);
	out(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(in(UART_MSR), 0x0f);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	assert_int_equal(in(UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(in(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DDSR);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(in(UART_MSR), UART_MSR_RI | UART_MSR_DCTS);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(in(UART_MSR), UART_MSR_DCD | UART_MSR_DDCD | UART_MSR_TERI);

	SEND("\x5a\n");
	assert_int_equal(in(UART_LSR), UART_LSR_DR | UART_LSR_OE | 0x60);	/* FIFOs off */
	assert_int_equal(in(UART_RBR), '\n');
	input("no", 2, 0);
	assert_int_equal(in(UART_LSR), 0x60);
	assert_int_equal(uart_output_end(vm), end);
	assert_string_equal(host_log(), "");

	out(UART_MCR, 0);					/* DCD stays */
	assert_int_equal(in(UART_MSR), 0xb0 | UART_MSR_DDSR | UART_MSR_DCTS);
	assert_int_equal(in(UART_MSR), 0xb0);
}

/* --- output -------------------------------------------------------------- */

static u32 read_all(u64 *pos, u8 *buf, u32 size, u64 *lost)
{
	return uart_output_read(vm, pos, buf, size, lost);
}

/* Every byte sent goes into the ring, raw; a position reads from there,
 * in pieces of any size; the oldest bytes are overwritten, and a reader
 * behind them is told how many it lost. */
static void test_output_ring(void **state)
{
	static u8 big[UART_RING_SIZE + 200], got[UART_RING_SIZE + 200];
	u64 start = uart_output_end(vm), pos = start, lost = 1;

	(void)state;
	assert_int_equal(read_all(&pos, got, 10, &lost), 0);	/* nothing yet */
	assert_int_equal(lost, 0);
	SEND("ab\r\n\x1b");
	assert_int_equal(uart_output_end(vm), start + 5);
	assert_int_equal(read_all(&pos, got, 2, &lost), 2);
	assert_memory_equal(got, "ab", 2);
	assert_int_equal(read_all(&pos, got, 10, &lost), 3);
	assert_memory_equal(got, "\r\n\x1b", 3);
	assert_int_equal(pos, start + 5);
	assert_int_equal(lost, 0);
	pos += 7;					/* past the end: nothing */
	assert_int_equal(read_all(&pos, got, 10, &lost), 0);

	/* The newest 3 bytes. */
	pos = uart_output_end(vm) - 3;
	assert_int_equal(read_all(&pos, got, sizeof(got), &lost), 3);
	assert_memory_equal(got, "\r\n\x1b", 3);

	for (u32 i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i % 64 == 63 ? '\n' : 'A' + i % 26);
	pos = start + 5;
	send((const char *)big, sizeof(big));
	assert_int_equal(read_all(&pos, got, sizeof(got), &lost), UART_RING_SIZE);
	assert_int_equal(lost, 200);
	assert_memory_equal(got, big + 200, UART_RING_SIZE);
	assert_int_equal(pos, uart_output_end(vm));

	/* A VM without COM1 has no output and takes no input. */
	{
		struct vm *bare;

		bare = host_vm("bare", 1, MiB(1), 0, false);	/* platform none */
		pos = 0;
		assert_int_equal(uart_output_end(bare), 0);
		assert_int_equal(uart_output_read(bare, &pos, got, 10, &lost), 0);
		assert_int_equal(uart_input(bare, (const u8 *)"x", 1), 0);
		assert_int_equal(io_bus_read(&bare->ports, UART_PORT + UART_LSR, 1), 0xff);
	}
}

/* Each line goes to lucid's log as "NAME: text", as the console
 * hypercall's do: '\r' dropped, other control bytes and bytes past ASCII
 * as '?', tabs kept; a line longer than UART_LINE_MAX split there; a
 * line still open at a reset printed then. */
static void test_log_lines(void **state)
{
	char line[300], want[UART_LINE_MAX + 8];

	(void)state;
	SEND("hello, world\r\n");
	host_log_expect("com: hello, world");
	SEND("\ttab\x1b[2J\xff\x7f\r\n");
	host_log_expect("com: \ttab?[2J??");
	SEND("\n");
	host_log_expect("com: ");

	host_log_clear();
	memset(line, 'x', sizeof(line));
	send(line, UART_LINE_MAX);
	assert_string_equal(host_log(), "");
	SEND("\n");
	snprintf(want, sizeof(want), "com: %.*s", UART_LINE_MAX, line);
	host_log_expect(want);

	host_log_clear();
	send(line, 300);
	SEND("\n");
	assert_int_equal(host_log_count(want), 2);
	snprintf(want, sizeof(want), "com: %.*s", 300 - 2 * UART_LINE_MAX, line);
	host_log_expect(want);

	host_log_clear();
	SEND("cut short");
	assert_string_equal(host_log(), "");
	vdev_reset_all(vm);
	host_log_expect("com: cut short");
	SEND("\n");
	host_log_expect("com: ");
}

/* --- sizes, reset, Linux -------------------------------------------------- */

/* A wider access is one byte access per port, in order, as the ISA bus
 * makes of it; one that runs past 0x3ff reads all ones there. */
static void test_wide_accesses(void **state)
{
	(void)state;
	io_bus_write(&vm->ports, UART_PORT + UART_LCR, 2, 0x0b03);	/* LCR, MCR */
	assert_int_equal(in(UART_LCR), 0x03);
	assert_int_equal(in(UART_MCR), 0x0b);
	out(UART_SCR, 0x77);
	assert_int_equal(io_bus_read(&vm->ports, UART_PORT + UART_MCR, 4), 0x77b0600b);
	assert_int_equal(io_bus_read(&vm->ports, UART_PORT + UART_SCR, 2), 0xff77);
	assert_int_equal(io_bus_read(&vm->ports, UART_PORT + UART_SCR, 4), 0xffffff77);
	io_bus_write(&vm->ports, UART_PORT + UART_SCR, 4, 0x12345678);
	assert_int_equal(in(UART_SCR), 0x78);

	/* THR then IER: the byte is sent, then ETBEI raises THRE. */
	io_bus_write(&vm->ports, UART_PORT, 2, 0x0200 | '\n');
	host_log_expect("com: ");
	assert_int_equal(in(UART_IER), UART_IER_THRI);
	assert_int_equal(io_bus_read(&vm->ports, UART_PORT + UART_IIR, 2), 0x0302);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	io_bus_write(&vm->ports, UART_PORT + UART_LCR, 2, 0x0080);	/* DLAB, MCR 0 */
	io_bus_write(&vm->ports, UART_PORT, 2, 0x1234);
	assert_int_equal(io_bus_read(&vm->ports, UART_PORT, 2), 0x1234);
}

/* A reboot puts every register back to its power-on value; the output
 * ring keeps what the VM sent. */
static void test_reset_on_reboot(void **state)
{
	u64 end;

	(void)state;
	out(UART_LCR, UART_LCR_DLAB);
	out(UART_RBR, 0x01);
	out(UART_LCR, 0x03);
	out(UART_IER, 0x0f);
	out(UART_IIR, 0xc1);
	out(UART_MCR, 0x0b);
	out(UART_SCR, 0x42);
	SEND("kept\n");
	input("abc", 3, 3);
	assert_true(line4.level);
	end = uart_output_end(vm);
	vm_request(vm, NULL, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_false(line4.level);
	assert_int_equal(in(UART_IER), 0);
	assert_int_equal(in(UART_IIR), UART_IIR_NONE);
	assert_int_equal(in(UART_LCR), 0);
	assert_int_equal(in(UART_MCR), 0);
	assert_int_equal(in(UART_LSR), 0x60);
	assert_int_equal(in(UART_MSR), 0xb0);
	assert_int_equal(in(UART_SCR), 0);
	out(UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in(UART_RBR), 0);
	assert_int_equal(uart_output_end(vm), end);
}

/* What Linux's 8250 driver checks before it calls the port a 16550A
 * (autoconfig, autoconfig_16550a, size_fifo) and as it starts it
 * (serial8250_do_startup's THRE and TXEN tests). */
static void test_linux_probe(void **state)
{
	u8 ier, scratch2, scratch3, count = 0;
	u64 end = uart_output_end(vm);

	(void)state;
	/* IER exists: 0 and 0x0f read back. */
	ier = in(UART_IER);
	out(UART_IER, 0);
	scratch2 = in(UART_IER) & 0x0f;
	out(UART_IER, 0x0f);
	scratch3 = in(UART_IER) & 0x0f;
	out(UART_IER, ier);
	assert_int_equal(scratch2, 0);
	assert_int_equal(scratch3, 0x0f);
	/* Loopback: MSR mirrors RTS and OUT2. */
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(in(UART_MSR) & 0xf0, 0x90);
	out(UART_MCR, 0);
	/* FIFOs: IIR bits 7:6 both set. */
	out(UART_LCR, 0xbf);
	out(UART_IIR, 0);		/* the EFR of other chips */
	out(UART_LCR, 0);
	out(UART_IIR, UART_FCR_ENABLE);
	assert_int_equal(in(UART_IIR) >> 6, 3);
	/* No EFR under LCR 0x80 or 0xbf: those read IIR, not 0. */
	out(UART_LCR, 0x80);
	assert_int_not_equal(in(UART_IIR), 0);
	out(UART_LCR, 0xbf);
	assert_int_not_equal(in(UART_IIR), 0);
	/* Not a National SuperIO: bank 2's EXCR1 does not follow MCR.LOOP. */
	out(UART_LCR, 0xe0);
	assert_int_equal(in(UART_IIR) & UART_MCR_LOOP, 0);
	/* Not a TI16750: IIR bit 5 stays clear with FCR bit 5 set. */
	out(UART_LCR, 0);
	out(UART_IIR, UART_FCR_ENABLE | 0x20);
	assert_int_equal(in(UART_IIR) >> 5, 6);
	/* Not an XScale: IER bit 6 does not stick. */
	out(UART_IER, 0x40);
	assert_int_equal(in(UART_IER), 0);
	/* size_fifo: 16 bytes come back through loopback, not 64. */
	out(UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	out(UART_MCR, UART_MCR_LOOP);
	for (u32 i = 0; i < 256; i++)
		out(UART_RBR, (u8)i);
	while ((in(UART_LSR) & UART_LSR_DR) && count < 255) {
		assert_int_equal(in(UART_RBR), count);
		count++;
	}
	assert_int_equal(count, 16);
	out(UART_MCR, 0);
	out(UART_IIR, 0);
	assert_int_equal(uart_output_end(vm), end);

	/* startup: LSR is not 0xff; THRE is raised again when ETBEI is
	 * enabled again; with ETBEI enabled IIR reports it (no TXEN bug). */
	assert_int_not_equal(in(UART_LSR), 0xff);
	out(UART_IER, UART_IER_THRI);
	assert_false(in(UART_IIR) & UART_IIR_NONE);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_THRI);
	assert_false(in(UART_IIR) & UART_IIR_NONE);
	out(UART_IER, 0);
	out(UART_LCR, 0x03);
	out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	out(UART_IER, UART_IER_THRI);
	assert_true(in(UART_LSR) & UART_LSR_TEMT);
	assert_false(in(UART_IIR) & UART_IIR_NONE);
	out(UART_IER, 0);
	assert_false(line4.level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_on, before_each),
		cmocka_unit_test_setup(test_plain_registers, before_each),
		cmocka_unit_test_setup(test_dlab, before_each),
		cmocka_unit_test_setup(test_input_room, before_each),
		cmocka_unit_test_setup(test_fifo, before_each),
		cmocka_unit_test_setup(test_holding_register, before_each),
		cmocka_unit_test_setup(test_iir_priorities, before_each),
		cmocka_unit_test_setup(test_trigger_and_timeout, before_each),
		cmocka_unit_test_setup(test_thre_interrupt, before_each),
		cmocka_unit_test_setup(test_out2_gates_line, before_each),
		cmocka_unit_test_setup(test_loopback, before_each),
		cmocka_unit_test_setup(test_output_ring, before_each),
		cmocka_unit_test_setup(test_log_lines, before_each),
		cmocka_unit_test_setup(test_wide_accesses, before_each),
		cmocka_unit_test_setup(test_reset_on_reboot, before_each),
		cmocka_unit_test_setup(test_linux_probe, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
