/* The keyboard controller (i8042.h), on the device framework (vdev.h). */
#include "hv/vdev/i8042.h"
#include "hv/core/vm.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define STS_OBF 0x01		/* the output buffer holds a byte */
#define STS_SYS 0x04		/* the command byte's SYS bit */
#define STS_CMD 0x08		/* the last write was to the command port */
#define STS_UNLOCKED 0x10	/* the keyboard is not locked */
#define STS_AUX 0x20		/* the byte is from the mouse port */
#define STS_TIMEOUT 0x40	/* and the mouse did not answer */

#define CTR_KBDINT 0x01
#define CTR_AUXINT 0x02
#define CTR_SYS 0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE 0x40
#define POWER_ON_CTR (CTR_KBDINT | CTR_AUXINT)	/* QEMU's */

#define OUT_RESET 0x01		/* the CPU's reset line, active low */
#define OUT_KBD_IRQ 0x10	/* lines 1 and 12, as driven */
#define OUT_AUX_IRQ 0x20
#define POWER_ON_OUT 0xcf	/* reset high, A20 on, clock and data high */

#define ACK 0xfa
#define FIFO_SIZE 16

/* Where an output byte comes from: each waits in its own queue, and the
 * keyboard's wait while its port is disabled. The mouse port has no
 * device: its bytes are the controller's. */
enum { FROM_CTL, FROM_KBD, NR_FROM };

struct fifo {
	u16 b[FIFO_SIZE];	/* the byte, and in bits 8-15 its status bits */
	u8 n;
};

struct i8042 {
	struct spinlock lock;
	struct vm *vm;
	/* From ram to obuf: what reset clears before its power-on values. */
	u8 ram[32];		/* byte 0: the command byte */
	u8 out_port;
	u8 cmd;			/* a command that waits for its data byte, or 0 */
	u8 kbd_cmd;		/* a keyboard command that waits for its parameter, or 0 */
	u8 scan_set;		/* the keyboard's scan code set, 1-3 */
	bool last_cmd;		/* the last write was to the command port */
	struct fifo q[NR_FROM];
	bool full;		/* the output buffer holds obuf */
	u16 obuf;		/* its byte and status bits; stays after a read */
	bool line[2];		/* lines 1 and 12 as driven */
};

static void push(struct i8042 *k, int from, u8 byte, u8 status)
{
	struct fifo *f = &k->q[from];

	if (f->n < FIFO_SIZE)	/* a full queue drops, as a keyboard's buffer overruns */
		f->b[f->n++] = (u16)(byte | status << 8);
}

/* The next byte into the output buffer, if it is empty: the
 * controller's own first, then the keyboard's unless the command byte
 * disables its port. */
static void refill(struct i8042 *k)
{
	static const u8 disabled[NR_FROM] = { 0, CTR_KBDDIS };

	for (int i = 0; i < NR_FROM && !k->full; i++) {
		struct fifo *f = &k->q[i];

		if (!f->n || (k->ram[0] & disabled[i]))
			continue;
		k->obuf = f->b[0];
		k->full = true;
		memmove(f->b, f->b + 1, --f->n * sizeof(f->b[0]));
	}
}

/* Drives lines 1 and 12 as the output buffer and the command byte say.
 * Under the lock: a controller keeps its own, and never calls a device. */
static void drive(struct i8042 *k)
{
	static const u32 lines[2] = { I8042_KBD_IRQ, I8042_AUX_IRQ };
	bool aux = k->obuf >> 8 & STS_AUX;
	bool level[2] = { k->full && !aux && (k->ram[0] & CTR_KBDINT),
			  k->full && aux && (k->ram[0] & CTR_AUXINT) };

	for (int i = 0; i < 2; i++) {
		if (level[i] != k->line[i])
			irq_set(k->vm, lines[i], level[i]);
		k->line[i] = level[i];
	}
}

/* After each access: the lines fall for a buffer just read before the
 * next byte raises them again, so that each byte is an edge of its own,
 * as it is on the chip, where the next byte comes some time after. */
static void update(struct i8042 *k)
{
	drive(k);
	refill(k);
	drive(k);
}

static void reset_line(struct i8042 *k, const char *how, u8 val)
{
	printk("vm %s: reset by the keyboard controller (%s 0x%x)\n", k->vm->name, how, val);
	vm_request(k->vm, NULL, VM_REQ_REBOOT);
}

static void keyboard(struct i8042 *k, u8 val)
{
	/* Scan code sets 1-3 as the controller's translation to set 1 gives them. */
	static const u8 xlated_set[4] = { 0, 0x43, 0x41, 0x3f };
	u8 xlate = k->ram[0] & CTR_XLATE;

	if (k->kbd_cmd) {	/* a parameter */
		push(k, FROM_KBD, ACK, 0);
		if (k->kbd_cmd == 0xf0 && val == 0)
			push(k, FROM_KBD, xlate ? xlated_set[k->scan_set] : k->scan_set, 0);
		else if (k->kbd_cmd == 0xf0 && val <= 3 && val)
			k->scan_set = val;
		k->kbd_cmd = 0;
		return;
	}
	switch (val) {
	case 0xee:		/* echo */
		push(k, FROM_KBD, 0xee, 0);
		return;
	case 0xed:		/* LEDs */
	case 0xf0:		/* scan code set */
	case 0xf3:		/* typematic rate */
		k->kbd_cmd = val;
		break;
	case 0xf2:		/* identify */
		push(k, FROM_KBD, ACK, 0);
		push(k, FROM_KBD, 0xab, 0);
		push(k, FROM_KBD, xlate ? 0x41 : 0x83, 0);
		return;
	case 0xff:		/* reset: its self-test passed */
		k->scan_set = 2;
		push(k, FROM_KBD, ACK, 0);
		push(k, FROM_KBD, 0xaa, 0);
		return;
	}
	push(k, FROM_KBD, ACK, 0);
}

static void command(struct i8042 *k, u8 cmd)
{
	k->cmd = 0;
	if (cmd >= 0x20 && cmd < 0x40) {
		push(k, FROM_CTL, k->ram[cmd - 0x20], 0);
		return;
	}
	if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->cmd = cmd;	/* the data byte follows */
		return;
	}
	if (cmd >= 0xf0) {	/* pulses the output port's lines 0-3 whose bit is clear */
		if (!(cmd & OUT_RESET))
			reset_line(k, "command", cmd);
		return;
	}
	switch (cmd) {
	case 0xa7:
		k->ram[0] |= CTR_AUXDIS;
		break;
	case 0xa8:
		k->ram[0] &= (u8)~CTR_AUXDIS;
		break;
	case 0xa9:		/* the mouse port's lines are fine */
	case 0xab:		/* and the keyboard's */
		push(k, FROM_CTL, 0x00, 0);
		break;
	case 0xaa:
		k->ram[0] |= CTR_SYS;
		push(k, FROM_CTL, 0x55, 0);
		break;
	case 0xad:
		k->ram[0] |= CTR_KBDDIS;
		break;
	case 0xae:
		k->ram[0] &= (u8)~CTR_KBDDIS;
		break;
	case 0xd0:
		push(k, FROM_CTL, (u8)((k->out_port & ~(OUT_KBD_IRQ | OUT_AUX_IRQ)) |
				       (k->line[0] ? OUT_KBD_IRQ : 0) | (k->line[1] ? OUT_AUX_IRQ : 0)),
		     0);
		break;
	}
}

static void data(struct i8042 *k, u8 val)
{
	u8 cmd = k->cmd;

	k->cmd = 0;
	if (cmd >= 0x60 && cmd < 0x80) {
		k->ram[cmd - 0x60] = val;
		return;
	}
	switch (cmd) {
	case 0xd1:
		k->out_port = val;
		if (!(val & OUT_RESET))
			reset_line(k, "output port", val);
		return;
	case 0xd2:
		push(k, FROM_CTL, val, 0);
		return;
	case 0xd3:
		push(k, FROM_CTL, val, STS_AUX);
		return;
	case 0xd4:		/* no mouse: the send times out */
		push(k, FROM_CTL, 0xfe, STS_AUX | STS_TIMEOUT);
		return;
	}
	/* A byte for the keyboard; sending one enables its port, as on
	 * QEMU's controller. */
	k->ram[0] &= (u8)~CTR_KBDDIS;
	keyboard(k, val);
}

static u64 data_read(void *dev, u64 offset, u8 size)
{
	struct i8042 *k = dev;
	u64 flags = spin_lock_irqsave(&k->lock);
	u8 val = (u8)k->obuf;

	(void)offset;
	(void)size;	/* a one-byte region: the bus splits wider accesses */
	k->full = false;
	update(k);
	spin_unlock_irqrestore(&k->lock, flags);
	return val;
}

/* A write to either port, done at once: the input buffer never fills. */
static void port_write(struct i8042 *k, bool to_cmd, u8 val)
{
	u64 flags = spin_lock_irqsave(&k->lock);

	k->last_cmd = to_cmd;
	if (to_cmd)
		command(k, val);
	else
		data(k, val);
	update(k);
	spin_unlock_irqrestore(&k->lock, flags);
}

static void data_write(void *dev, u64 offset, u8 size, u64 val)
{
	(void)offset;
	(void)size;
	port_write(dev, false, (u8)val);
}

static u64 status_read(void *dev, u64 offset, u8 size)
{
	struct i8042 *k = dev;
	u64 flags = spin_lock_irqsave(&k->lock);
	u8 val = STS_UNLOCKED | (k->ram[0] & CTR_SYS ? STS_SYS : 0) | (k->last_cmd ? STS_CMD : 0);

	(void)offset;
	(void)size;
	if (k->full)
		val |= STS_OBF | (u8)(k->obuf >> 8);
	spin_unlock_irqrestore(&k->lock, flags);
	return val;
}

static void command_write(void *dev, u64 offset, u8 size, u64 val)
{
	(void)offset;
	(void)size;
	port_write(dev, true, (u8)val);
}

static void reset(struct vdev *d)
{
	struct i8042 *k = d->state;
	u64 flags = spin_lock_irqsave(&k->lock);

	memset(k->ram, 0, offsetof(struct i8042, line) - offsetof(struct i8042, ram));
	k->ram[0] = POWER_ON_CTR;
	k->out_port = POWER_ON_OUT;
	k->scan_set = 2;
	update(k);
	spin_unlock_irqrestore(&k->lock, flags);
}

static int attach(struct vdev *d)
{
	struct i8042 *k = vdev_state_alloc(d, sizeof(*k));
	const struct io_region data_port = { I8042_DATA_PORT, 1, data_read, data_write, k };
	const struct io_region cmd_port = { I8042_CMD_PORT, 1, status_read, command_write, k };

	if (!k)
		return -1;
	k->vm = d->vm;
	reset(d);
	if (vdev_claim_ports(d, &data_port, "keyboard controller's data port"))
		return -1;
	return vdev_claim_ports(d, &cmd_port, "keyboard controller's command port");
}

static const struct vdev_model i8042_model = {
	.name = "i8042",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(i8042_model);
