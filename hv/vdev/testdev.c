#include "hv/vdev/testdev.h"
#include "hv/mm/page_alloc.h"
#include "hv/core/vm.h"
#include "lib/log.h"
#include "lib/string.h"

struct testdev {
	u8 page[TESTDEV_MMIO_SIZE];	/* first: the page is the allocation */
	u8 reg[TESTDEV_PORTS];
};

static u32 port_read(void *dev, u16 port, u8 size)
{
	const struct testdev *t = dev;
	u32 val = 0;

	for (u8 i = 0; i < size; i++) {
		u32 off = port - TESTDEV_PORT + i;
		val |= (u32)(off < TESTDEV_PORTS ? t->reg[off] : 0xff) << (i * 8);
	}
	return val;
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
	if (portio_register(&vm->ports, &ph)) {
		printk("vm %s: the test device's ports are taken\n", vm->name);
		vm->mmio.n--;	/* the handler just added */
		page_free(pa, pages);
		return -1;
	}
	vm->testdev = t;
	testdev_reset(vm);
	return 0;
}

void testdev_reset(struct vm *vm)
{
	if (vm->testdev)
		memset(vm->testdev, 0, sizeof(struct testdev));
}

void testdev_detach(struct vm *vm)
{
	if (vm->testdev)
		page_free((u64)(uintptr_t)vm->testdev,
			  ALIGN_UP(sizeof(struct testdev), PAGE_SIZE) / PAGE_SIZE);
	vm->testdev = NULL;
}
