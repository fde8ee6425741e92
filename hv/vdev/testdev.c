/* The test device (testdev.h), on the device framework (vdev.h). */
#include "hv/vdev/testdev.h"
#include "hv/config/config.h"
#include "hv/core/vcpu.h"
#include "lib/log.h"
#include "lib/string.h"

struct testdev {
	u8 page[TESTDEV_MMIO_SIZE];	/* first: the page is the allocation */
	u8 reg[TESTDEV_PORTS];
	struct vm *vm;
	u64 exc_base;	/* the VM's exception exits when it last booted */
	u32 lines;	/* the interrupt lines it holds high */
};

/* The bus hands over only accesses inside a region (hv/vdev/bus.h). */
static u64 reg_read(void *dev, u64 offset, u8 size)
{
	const struct testdev *t = dev;
	u32 val = 0;

	memcpy(&val, &t->reg[offset], size);
	return val;
}

static void reg_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct testdev *t = dev;

	memcpy(&t->reg[offset], &val, size);
}

static u64 exception_exits(const struct vm *vm)
{
	u64 n = 0;

	for (u32 i = 0; i < vm->nvcpus; i++)
		n += vm->vcpu[i]->exits[EXIT_EXCEPTION];
	return n;
}

/* Read-only: the exceptions intercepted since the VM booted, so that a
 * guest can tell an intercepted exception from one the CPU delivered. */
static u64 exc_read(void *dev, u64 offset, u8 size)
{
	const struct testdev *t = dev;
	u32 count = (u32)(exception_exits(t->vm) - t->exc_base), val = 0;

	memcpy(&val, (const u8 *)&count + offset, size);
	return val;
}

static u64 irq_read(void *dev, u64 offset, u8 size)
{
	const struct testdev *t = dev;
	u32 val = 0;

	memcpy(&val, (const u8 *)&t->lines + offset, size);
	return val;
}

static void irq_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct testdev *t = dev;
	u32 line = val & 0x7f;
	bool high = val & TESTDEV_IRQ_HIGH;

	(void)size;
	if (offset != 0 || line >= VM_IRQ_LINES)
		return;
	t->lines = high ? t->lines | 1u << line : t->lines & ~(1u << line);
	irq_set(t->vm, line, high);
}

static u64 page_read(void *dev, u64 offset, u8 size)
{
	const struct testdev *t = dev;
	u64 val = 0;

	memcpy(&val, &t->page[offset], size);
	return val;
}

static void page_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct testdev *t = dev;

	memcpy(&t->page[offset], &val, size);
}

static bool wanted(const struct config_vm *c)
{
	return c->testdev;
}

static void reset(struct vdev *d)
{
	struct testdev *t = d->state;

	for (u32 line = 0; line < VM_IRQ_LINES; line++)
		if (t->lines & (1u << line))
			irq_set(d->vm, line, false);
	memset(t, 0, sizeof(*t));
	t->vm = d->vm;
	t->exc_base = exception_exits(d->vm);
}

static int attach(struct vdev *d)
{
	struct vm *vm = d->vm;
	struct testdev *t = vdev_state_alloc(d, sizeof(*t));
	const struct io_region ports[] = {
		{ TESTDEV_PORT, TESTDEV_PORTS, reg_read, reg_write, t },
		{ TESTDEV_EXC_PORT, TESTDEV_EXC_PORTS, exc_read, NULL, t },
		{ TESTDEV_IRQ_PORT, TESTDEV_IRQ_PORTS, irq_read, irq_write, t },
	};
	const struct io_region page = { TESTDEV_MMIO, TESTDEV_MMIO_SIZE, page_read, page_write, t };

	if (!t)
		return -1;
	if (gmem_is_ram(&vm->mem, TESTDEV_MMIO, 1) ||
	    gmem_is_ram(&vm->mem, TESTDEV_MMIO + TESTDEV_MMIO_SIZE - 1, 1) ||
	    io_bus_register(&vm->mmio, &page)) {
		printk("vm %s: the test device's MMIO page is RAM or taken\n", vm->name);
		return -1;
	}
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++)
		if (vdev_claim_ports(d, &ports[i], "test device's ports"))
			return -1;
	reset(d);
	return 0;
}

const struct vdev_model testdev_model = {
	.name = "testdev",
	.wanted = wanted,
	.attach = attach,
	.reset = reset,
};
VDEV_MODEL(testdev_model);
