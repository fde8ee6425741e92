/* 16550 UART. Output is polled, which keeps the log usable from any
 * context (an exception handler, a CPU with interrupts off). Input is
 * polled too until uart_rx_interrupts: then the receive interrupt moves
 * each byte into a ring as it comes, since at 115200 baud a paste fills
 * the 16-byte FIFO in 1.4 ms, far quicker than the console's 10 ms polls.
 * On a machine with no UART at the port, reads return 0xff: "transmitter
 * empty" is then always set, so output never hangs. */
#include "drivers/uart16550.h"
#include "arch/x86/cpu.h"

enum {
	UART_DATA = 0,
	UART_IER = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
};

#define IER_RX 0x01
#define MCR_DTR_RTS 0x03
#define MCR_OUT2 0x08		/* on a PC, lets the UART's interrupt out */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

void uart_init(u16 port, u32 baud)
{
	u16 div = (u16)(115200 / baud);

	outb(port + UART_IER, 0);             /* no interrupts: we poll */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, div & 0xff);
	outb(port + UART_IER, div >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07);          /* FIFOs on and cleared; interrupt at 1 byte */
	outb(port + UART_MCR, MCR_DTR_RTS);
}

/* The receive ring: filled by the interrupt, emptied by uart_getc, both
 * on the same CPU (the boot CPU's console), never at once. */
static struct {
	u8 buf[256];
	u8 head, tail;		/* wrap with the byte */
} rx;

void uart_rx_interrupts(u16 port)
{
	outb(port + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(port + UART_IER, IER_RX);
}

void uart_rx_irq(u16 port)
{
	u8 lsr;

	while ((lsr = inb(port + UART_LSR)) != 0xff && (lsr & LSR_DATA_READY)) {
		u8 c = inb(port + UART_DATA);

		if ((u8)(rx.head + 1) != rx.tail)	/* full: the newest is lost */
			rx.buf[rx.head++] = c;
	}
}

void uart_putc(u16 port, char c)
{
	/* Bounded: a wedged UART must not hang the hypervisor. */
	for (u32 spin = 0; spin < 1000000; spin++) {
		if (inb(port + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(port + UART_DATA, (u8)c);
}

int uart_getc(u16 port)
{
	if (rx.tail != rx.head)
		return rx.buf[rx.tail++];
	u8 lsr = inb(port + UART_LSR);

	if (lsr == 0xff || !(lsr & LSR_DATA_READY))
		return -1;
	return inb(port + UART_DATA);
}

void uart_log_sink(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(COM1_PORT, '\r');
		uart_putc(COM1_PORT, s[i]);
	}
}
