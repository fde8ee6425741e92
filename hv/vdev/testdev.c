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
	if (io_bus_register(&vm->ports, &ports[0]) || io_bus_register(&vm->ports, &ports[1])) {
		printk("vm %s: the test device's ports are taken\n", vm->name);
		return -1;
	}
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
