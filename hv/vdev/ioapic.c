/* The I/O APIC (ioapic.h), after the Intel 82093AA datasheet.
 *
 * An edge-triggered input sends its message when its line rises (after
 * the polarity bit); a rise while the entry is masked is lost, as the
 * datasheet says. A level-triggered input sends while its line is
 * asserted, the entry unmasked and remote IRR clear; remote IRR is set
 * when a local APIC takes the message, and cleared by the EOI of its
 * vector (irq_eoi), after which a line still asserted sends again. An
 * entry switched to edge-triggered clears remote IRR, which Linux uses
 * on this version, which has no EOI register.
 *
 * Messages go out under the I/O APIC's lock, so they leave in the order
 * the lines moved; the local APICs never call back here with their own
 * lock held (lapic.c), so the two locks nest one way only. Fixed, lowest
 * priority and NMI reach the local APICs; SMI, INIT and ExtINT go
 * nowhere (lapic_deliver). */
#include "hv/vdev/ioapic.h"
#include "hv/emul/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/lapic.h"
#include "hv/vdev/vdev.h"
#include "lib/log.h"
#include "lib/spinlock.h"

#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REG_TABLE 0x10
#define ID_MASK 0x0f000000u

#define RTE_VECTOR 0xffull
#define RTE_DM(e) ((u8)((e) >> 8 & 7))
#define RTE_LOGICAL (1ull << 11)
#define RTE_ACTIVE_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_DEST(e) ((u32)((e) >> 56))
/* What the guest can write: all but delivery status and remote IRR. */
#define RTE_WRITABLE (0x1afffull | 0xffull << 56)

/* The input a line reaches: the PIT's line 0 is wired to input 2, where
 * a PC without the override would have the 8259's cascade. */
#define PIT_LINE 0
#define PIT_PIN 2

struct ioapic {
	struct spinlock lock;
	struct vm *vm;
	u32 sel;		/* IOREGSEL */
	u32 id;			/* bits 27:24 */
	u32 wire;		/* the inputs' levels as driven; kept across reset */
	u64 rte[IOAPIC_PINS];
};

static bool asserted(const struct ioapic *a, u32 pin)
{
	return ((a->wire >> pin & 1) != 0) != ((a->rte[pin] & RTE_ACTIVE_LOW) != 0);
}

/* Sends entry pin's message. Under lock. */
static void send(struct ioapic *a, u32 pin)
{
	u64 e = a->rte[pin];
	bool level = e & RTE_LEVEL;
	int took = lapic_deliver(a->vm, RTE_DEST(e), e & RTE_LOGICAL, RTE_DM(e),
				 (u8)(e & RTE_VECTOR), level);

	if (level && took > 0)
		a->rte[pin] |= RTE_REMOTE_IRR;
}

/* A level-triggered entry that can send now. Under lock. */
static bool level_due(const struct ioapic *a, u32 pin)
{
	u64 e = a->rte[pin];

	return (e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && asserted(a, pin);
}

static void set_line(void *ctl, u32 line, bool level)
{
	struct ioapic *a = ctl;
	u32 pin = line == PIT_LINE ? PIT_PIN : line;
	bool was;

	if (line == PIT_PIN || pin >= IOAPIC_PINS)
		return;
	spin_lock(&a->lock);
	was = asserted(a, pin);
	a->wire = level ? a->wire | 1u << pin : a->wire & ~(1u << pin);
	if (a->rte[pin] & RTE_LEVEL) {
		if (level_due(a, pin))
			send(a, pin);
	} else if (!was && asserted(a, pin) && !(a->rte[pin] & RTE_MASKED)) {
		send(a, pin);
	}
	spin_unlock(&a->lock);
}

static void eoi(void *ctl, u8 vector)
{
	struct ioapic *a = ctl;

	spin_lock(&a->lock);
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = a->rte[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		a->rte[pin] &= ~RTE_REMOTE_IRR;
		if (level_due(a, pin))
			send(a, pin);
	}
	spin_unlock(&a->lock);
}

/* --- the registers ------------------------------------------------------ */

static u32 reg_read(const struct ioapic *a, u32 reg)
{
	u32 pin = (reg - REG_TABLE) / 2;

	switch (reg) {
	case REG_ID:
	case REG_ARB:
		return a->id;
	case REG_VERSION:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (reg < REG_TABLE || pin >= IOAPIC_PINS)
		return 0;
	return (u32)(a->rte[pin] >> (reg & 1 ? 32 : 0));
}

static void reg_write(struct ioapic *a, u32 reg, u32 val)
{
	u32 pin = (reg - REG_TABLE) / 2, shift = reg & 1 ? 32 : 0;	/* the entry's half */
	u64 e;

	if (reg == REG_ID) {
		a->id = val & ID_MASK;
		return;
	}
	if (reg < REG_TABLE || pin >= IOAPIC_PINS)
		return;		/* the version and arbitration ID are read-only */
	e = (a->rte[pin] & ~(0xffffffffull << shift)) | (u64)val << shift;
	e = (a->rte[pin] & ~RTE_WRITABLE) | (e & RTE_WRITABLE);
	if (!(e & RTE_LEVEL))
		e &= ~RTE_REMOTE_IRR;
	a->rte[pin] = e;
	if (level_due(a, pin))	/* unmasked, or made level, while asserted */
		send(a, pin);
}

/* Two registers, each the first 4 bytes of a 16-byte slot, as on the
 * local APIC; IOWIN takes only whole 32-bit writes. */
static u64 mmio_read(void *dev, u64 offset, u8 size)
{
	struct ioapic *a = dev;
	u32 at = (u32)offset & 0xf, val = 0;
	u64 out = 0;

	spin_lock(&a->lock);
	if (offset < 0x10)
		val = a->sel;
	else if (offset < 0x20)
		val = reg_read(a, a->sel);
	spin_unlock(&a->lock);
	for (u32 i = 0; i < size && at + i < 4; i++)
		out |= (u64)(val >> (8 * (at + i)) & 0xff) << (8 * i);
	return out;
}

static void mmio_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct ioapic *a = dev;

	spin_lock(&a->lock);
	if (offset == 0)
		a->sel = (u8)val;
	else if (offset == 0x10 && size == 4)
		reg_write(a, a->sel, (u32)val);
	spin_unlock(&a->lock);
}

/* --- the device ---------------------------------------------------------- */

/* Power-on, as firmware leaves it: every entry masked, the ID the MADT
 * gives (one past the local APICs'). */
static void reset(struct vdev *d)
{
	struct ioapic *a = d->state;

	spin_lock(&a->lock);
	a->sel = 0;
	a->id = d->vm->nvcpus << 24 & ID_MASK;
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++)
		a->rte[pin] = RTE_MASKED;
	spin_unlock(&a->lock);
}

static int attach(struct vdev *d)
{
	struct vm *vm = d->vm;
	struct ioapic *a = vdev_state_alloc(d, sizeof(*a));
	const struct io_region regs = { IOAPIC_BASE, IOAPIC_SIZE, mmio_read, mmio_write, a };
	const struct irq_controller ctl = { set_line, a, VM_IRQ_LINES, eoi };

	if (!a)
		return -1;
	a->vm = vm;
	reset(d);
	if (gmem_is_ram(&vm->mem, IOAPIC_BASE, IOAPIC_SIZE) || io_bus_register(&vm->mmio, &regs)) {
		printk("vm %s: the I/O APIC's registers are RAM or taken\n", vm->name);
		return -1;
	}
	return irq_controller_add(vm, &ctl);
}

const struct vdev_model ioapic_model = {
	.name = "ioapic",
	.wanted = vdev_platform_pc,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(ioapic_model);
