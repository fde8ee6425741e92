/* COM1's 16550A (uart.h), on the device framework (vdev.h). */
#include "hv/vdev/uart.h"
#include "hv/core/vm.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define RX_FIFO 16

struct uart {
	u8 ring[UART_RING_SIZE];	/* first: the pages are mostly the ring */
	u64 written;			/* bytes sent into the ring, ever */
	char line[UART_LINE_MAX];	/* the log line being gathered */
	u32 line_len;
	struct vm *vm;
	struct spinlock lock;

	/* The chip's registers, ier to thr_pending: its master reset clears them. */
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 fcr;				/* ENABLE and TRIGGER as last written */
	u8 lsr_err;			/* LSR.OE, until LSR is read */
	u8 msr_delta;			/* MSR bits 3:0, until MSR is read */
	u8 rx[RX_FIFO], rx_head, rx_count;
	u8 rbr;				/* the last byte read: what an empty RBR gives */
	bool thr_pending;		/* the THRE interrupt */
	bool irq_level;			/* what line 4 was last driven to */
};

static const struct vdev_model uart_model;

static bool fifo_on(const struct uart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static u32 rx_trigger(const struct uart *u)
{
	static const u8 levels[4] = { 1, 4, 8, 14 };

	return levels[u->fcr >> 6];
}

/* MSR bits 7:4: in loopback the chip ties its modem outputs to its
 * inputs (DTR to DSR, RTS to CTS, OUT1 to RI, OUT2 to DCD); otherwise
 * the line is connected and ready. */
static u8 modem_lines(const struct uart *u)
{
	u8 m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (u8)((m & UART_MCR_DTR) << 5 | (m & UART_MCR_RTS) << 3 | (m & UART_MCR_OUT1) << 4 |
		    (m & UART_MCR_OUT2) << 4);
}

/* The pending interrupt of highest priority, as IIR bits 3:0. */
static u8 interrupt_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->lsr_err)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		/* The line is idle between arrivals: the timeout has run out. */
		if (fifo_on(u) && u->rx_count < rx_trigger(u))
			return UART_IIR_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_THRI) && u->thr_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NONE;
}

/* OUT2 enables the line's driver on a PC board; loopback holds the pin
 * inactive. Only a change reaches the controllers, in the order made. */
static void update_irq(struct uart *u)
{
	bool level = interrupt_id(u) != UART_IIR_NONE &&
		     (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set(u->vm, UART_IRQ, level);
	}
}

static u32 rx_room(const struct uart *u)
{
	return (fifo_on(u) ? RX_FIFO : 1) - u->rx_count;
}

/* A byte arrives from the line: a full FIFO keeps what it holds, the
 * 16450-style holding register takes the new byte; both say overrun. */
static bool rx_put(struct uart *u, u8 c)
{
	if (!rx_room(u)) {
		u->lsr_err |= UART_LSR_OE;
		if (!fifo_on(u))
			u->rx[u->rx_head] = c;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = c;
	u->rx_count++;
	return true;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void line_flush(struct uart *u)
{
	printk("%s: %.*s\n", u->vm->name, (int)u->line_len, u->line);
	u->line_len = 0;
}

/* Printable ASCII and tabs pass, the rest shows as '?', so a guest cannot
 * drive the operator's terminal through the log. */
static void line_put(struct uart *u, u8 c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		line_flush(u);
		return;
	}
	if (u->line_len == UART_LINE_MAX)
		line_flush(u);
	u->line[u->line_len++] = (c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
}

/* THR takes the byte and is empty again at once: the THRE interrupt
 * goes, then comes back, an edge an edge-triggered controller sees. */
static void transmit(struct uart *u, u8 c)
{
	u->thr_pending = false;
	update_irq(u);
	if (u->mcr & UART_MCR_LOOP) {
		rx_put(u, c);
	} else {
		u->ring[u->written % UART_RING_SIZE] = c;
		u->written++;
		line_put(u, c);
	}
	u->thr_pending = true;
	update_irq(u);
}

static void fcr_write(struct uart *u, u8 val)
{
	/* Switching the FIFOs on or off empties them; the other bits take
	 * effect only with FCR0 set. The transmitter is always empty. */
	if ((val ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (!(val & UART_FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (val & UART_FCR_CLEAR_RX)
		rx_clear(u);
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_TRIGGER);
}

static void mcr_write(struct uart *u, u8 val)
{
	u8 before = modem_lines(u), after, changed;

	u->mcr = val & 0x1f;
	after = modem_lines(u);
	changed = before ^ after;
	u->msr_delta |= (changed & (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)) >> 4;
	if (before & ~after & UART_MSR_RI)	/* the trailing edge of RI */
		u->msr_delta |= UART_MSR_TERI;
}

static u8 reg_read(struct uart *u, u32 reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			return u->dll;
		if (u->rx_count) {
			u->rbr = u->rx[u->rx_head];
			u->rx_head = (u8)((u->rx_head + 1) % RX_FIFO);
			u->rx_count--;
		}
		return u->rbr;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		val = interrupt_id(u);
		if (val == UART_IIR_THRI)	/* reading it is its acknowledgement */
			u->thr_pending = false;
		return (u8)(val | (fifo_on(u) ? UART_IIR_FIFO : 0));
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = (u8)((u->rx_count ? UART_LSR_DR : 0) | u->lsr_err | UART_LSR_THRE |
			   UART_LSR_TEMT);
		u->lsr_err = 0;
		return val;
	case UART_MSR:
		val = modem_lines(u) | u->msr_delta;
		u->msr_delta = 0;
		return val;
	default:
		return u->scr;
	}
}

static void reg_write(struct uart *u, u32 reg, u8 val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			u->dll = val;
		else
			transmit(u, val);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling it while THR is empty raises the THRE interrupt. */
		if (val & ~u->ier & UART_IER_THRI)
			u->thr_pending = true;
		u->ier = val & 0x0f;
		break;
	case UART_IIR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		mcr_write(u, val);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break;	/* LSR and MSR: the factory's test writes, ignored */
	}
}

/* An 8-bit device on the ISA bus: a wider access is one per port. */
static u64 port_read(void *dev, u64 offset, u8 size)
{
	struct uart *u = dev;
	u64 val = 0;

	spin_lock(&u->lock);
	for (u8 i = 0; i < size; i++)
		val |= (u64)reg_read(u, (u32)offset + i) << (8 * i);
	update_irq(u);
	spin_unlock(&u->lock);
	return val;
}

static void port_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct uart *u = dev;

	spin_lock(&u->lock);
	for (u8 i = 0; i < size; i++)
		reg_write(u, (u32)offset + i, (u8)(val >> (8 * i)));
	update_irq(u);
	spin_unlock(&u->lock);
}

bool uart_present(struct vm *vm)
{
	return vdev_state(vm, &uart_model) != NULL;
}

u32 uart_input(struct vm *vm, const u8 *bytes, u32 len)
{
	struct uart *u = vdev_state(vm, &uart_model);
	u32 took = 0;

	if (!u)
		return 0;
	spin_lock(&u->lock);
	if (!(u->mcr & UART_MCR_LOOP))	/* in loopback the line is cut */
		for (u32 i = 0; i < len; i++)
			took += rx_put(u, bytes[i]);
	update_irq(u);
	spin_unlock(&u->lock);
	return took;
}

u32 uart_input_room(struct vm *vm)
{
	struct uart *u = vdev_state(vm, &uart_model);
	u32 room;

	if (!u)
		return 0;
	spin_lock(&u->lock);
	room = u->mcr & UART_MCR_LOOP ? 0 : rx_room(u);
	spin_unlock(&u->lock);
	return room;
}

u64 uart_output_end(struct vm *vm)
{
	struct uart *u = vdev_state(vm, &uart_model);
	u64 end;

	if (!u)
		return 0;
	spin_lock(&u->lock);
	end = u->written;
	spin_unlock(&u->lock);
	return end;
}

u32 uart_output_read(struct vm *vm, u64 *pos, u8 *buf, u32 size, u64 *lost)
{
	struct uart *u = vdev_state(vm, &uart_model);
	u64 oldest;
	u32 n = 0;

	*lost = 0;
	if (!u)
		return 0;
	spin_lock(&u->lock);
	oldest = u->written > UART_RING_SIZE ? u->written - UART_RING_SIZE : 0;
	if (*pos < oldest) {
		*lost = oldest - *pos;
		*pos = oldest;
	}
	while (n < size && *pos < u->written)
		buf[n++] = u->ring[(*pos)++ % UART_RING_SIZE];
	spin_unlock(&u->lock);
	return n;
}

/* The chip's master reset. The ring is the far end of the line, which
 * keeps what it was sent; a partial log line is printed, as the boot
 * that wrote it is over. */
static void reset(struct vdev *d)
{
	struct uart *u = d->state;

	spin_lock(&u->lock);
	if (u->line_len)
		line_flush(u);
	memset(&u->ier, 0, offsetof(struct uart, irq_level) - offsetof(struct uart, ier));
	update_irq(u);
	spin_unlock(&u->lock);
}

static int attach(struct vdev *d)
{
	struct uart *u = vdev_state_alloc(d, sizeof(*u));
	const struct io_region ports = { UART_PORT, UART_PORTS, port_read, port_write, u };

	if (!u)
		return -1;
	u->vm = d->vm;
	u->lock = (struct spinlock)SPINLOCK_INIT;
	return vdev_claim_ports(d, &ports, "COM1 ports");
}

static const struct vdev_model uart_model = {
	.name = "uart",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(uart_model);
