#include "hv/vdev/testdev.h"
#include "hv/mm/page_alloc.h"
#include "hv/core/vcpu.h"
#include "lib/log.h"
#include "lib/string.h"

struct testdev {
	u8 page[TESTDEV_MMIO_SIZE];	/* first: the page is the allocation */
	u8 reg[TESTDEV_PORTS];
	struct vm *vm;
	u64 exc_base;	/* the VM's exception exits when it last booted */
};

/* size bytes from a register of n bytes at port `base`, 0xff past its end. */
static u32 reg_bytes(const u8 *reg, u32 n, u16 base, u16 port, u8 size)
{
	u32 val = 0;

	for (u8 i = 0; i < size; i++) {
		u32 off = port - base + i;
		val |= (u32)(off < n ? reg[off] : 0xff) << (i * 8);
	}
	return val;
}

static u32 port_read(void *dev, u16 port, u8 size)
{
	const struct testdev *t = dev;

	return reg_bytes(t->reg, TESTDEV_PORTS, TESTDEV_PORT, port, size);
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
static u32 exc_read(void *dev, u16 port, u8 size)
{
	const struct testdev *t = dev;
	u32 count = (u32)(exception_exits(t->vm) - t->exc_base);

	return reg_bytes((const u8 *)&count, sizeof(count), TESTDEV_EXC_PORT, port, size);
}

static void port_write(void *dev, u16 port, u8 size, u32 val)
{
	struct testdev *t = dev;

	for (u8 i = 0; i < size; i++) {
		u32 off = port - TESTDEV_PORT + i;
		if (off < TESTDEV_PORTS)
			t->reg[off] = (u8)(val >> (i * 8));
	}
}

static u64 mmio_read(void *dev, u64 offset, u8 size)
{
	const struct testdev *t = dev;
	u64 val = 0;

	memcpy(&val, &t->page[offset], size);
	return val;
}

static void mmio_write(void *dev, u64 offset, u8 size, u64 val)
{
	struct testdev *t = dev;

	memcpy(&t->page[offset], &val, size);
}

int testdev_attach(struct vm *vm)
{
	u64 pages = ALIGN_UP(sizeof(struct testdev), PAGE_SIZE) / PAGE_SIZE;
	u64 pa = page_alloc(pages, PAGE_SIZE, PA_NO_LIMIT);
	struct testdev *t = (struct testdev *)(uintptr_t)pa;
	struct port_handler ph = { TESTDEV_PORT, TESTDEV_PORTS, port_read, port_write, t };
	struct port_handler eh = { TESTDEV_EXC_PORT, TESTDEV_EXC_PORTS, exc_read, NULL, t };
	u32 nports = vm->ports.n;
	struct mmio_handler mh = { TESTDEV_MMIO, TESTDEV_MMIO_SIZE, mmio_read, mmio_write, t };

	if (!pa) {
		printk("vm %s: no memory for the test device\n", vm->name);
		return -1;
	}
	if (gmem_is_ram(&vm->mem, TESTDEV_MMIO, 1) || gmem_is_ram(&vm->mem, TESTDEV_MMIO +
	    TESTDEV_MMIO_SIZE - 1, 1) || mmio_register(&vm->mmio, &mh)) {
		printk("vm %s: the test device's MMIO page is RAM or taken\n", vm->name);
		page_free(pa, pages);
		return -1;
	}
	if (portio_register(&vm->ports, &ph) || portio_register(&vm->ports, &eh)) {
		printk("vm %s: the test device's ports are taken\n", vm->name);
		vm->mmio.n--;	/* the handler just added */
		vm->ports.n = nports;	/* the first, if the second failed */
		page_free(pa, pages);
		return -1;
	}
	vm->testdev = t;
	testdev_reset(vm);
	return 0;
}

void testdev_reset(struct vm *vm)
{
	struct testdev *t = vm->testdev;

	if (!t)
		return;
	memset(t, 0, sizeof(*t));
	t->vm = vm;
	t->exc_base = exception_exits(vm);
}

void testdev_detach(struct vm *vm)
{
	if (vm->testdev)
		page_free((u64)(uintptr_t)vm->testdev,
			  ALIGN_UP(sizeof(struct testdev), PAGE_SIZE) / PAGE_SIZE);
	vm->testdev = NULL;
}
