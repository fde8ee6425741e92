#include "hv/vdev/bus.h"

static bool beyond_end(const struct io_bus *bus, u64 base, u64 size)
{
	return bus->end && (base >= bus->end || size > bus->end - base);
}

int io_bus_register(struct io_bus *bus, const struct io_region *r)
{
	if (bus->n == IO_BUS_MAX_REGIONS || !r->size || r->base + r->size - 1 < r->base ||
	    beyond_end(bus, r->base, r->size))
		return -1;
	for (u32 i = 0; i < bus->n; i++) {
		const struct io_region *o = &bus->r[i];

		if (r->base <= o->base + (o->size - 1) && o->base <= r->base + (r->size - 1))
			return -1;
	}
	bus->r[bus->n++] = *r;
	return 0;
}

void io_bus_unregister(struct io_bus *bus, const void *dev)
{
	u32 k = 0;

	for (u32 i = 0; i < bus->n; i++)
		if (bus->r[i].dev != dev)
			bus->r[k++] = bus->r[i];
	bus->n = k;
}

const struct io_region *io_bus_find(const struct io_bus *bus, u64 addr)
{
	for (u32 i = 0; i < bus->n; i++) {
		const struct io_region *r = &bus->r[i];

		if (addr - r->base < r->size)
			return r;
	}
	return NULL;
}

/* The region that holds the whole access, or NULL if none does. */
static const struct io_region *whole(const struct io_bus *bus, u64 addr, u8 size)
{
	const struct io_region *r = io_bus_find(bus, addr);

	return r && size <= r->size - (addr - r->base) ? r : NULL;
}

u64 io_bus_read(const struct io_bus *bus, u64 addr, u8 size)
{
	const struct io_region *r = whole(bus, addr, size);
	u64 val = 0;

	if (r)
		return (r->read ? r->read(r->dev, addr - r->base, size) : ~0ull) & BYTES_MASK(size);
	for (u8 i = 0; i < size; i++) {
		const struct io_region *b = io_bus_find(bus, addr + i);
		u64 byte = b && b->read ? b->read(b->dev, addr + i - b->base, 1) & 0xff : 0xff;

		val |= byte << (8 * i);
	}
	return val;
}

void io_bus_write(const struct io_bus *bus, u64 addr, u8 size, u64 val)
{
	const struct io_region *r = whole(bus, addr, size);

	val &= BYTES_MASK(size);
	if (r) {
		if (r->write)
			r->write(r->dev, addr - r->base, size, val);
		return;
	}
	for (u8 i = 0; i < size; i++) {
		const struct io_region *b = io_bus_find(bus, addr + i);

		if (b && b->write)
			b->write(b->dev, addr + i - b->base, 1, (val >> (8 * i)) & 0xff);
	}
}

int msr_bus_register(struct msr_bus *bus, const struct msr_region *r)
{
	if (bus->n == MSR_BUS_MAX_REGIONS || !r->count || r->base + r->count - 1 < r->base)
		return -1;
	for (u32 i = 0; i < bus->n; i++) {
		const struct msr_region *o = &bus->r[i];

		if (r->base <= o->base + (o->count - 1) && o->base <= r->base + (r->count - 1))
			return -1;
	}
	bus->r[bus->n++] = *r;
	return 0;
}

void msr_bus_unregister(struct msr_bus *bus, const void *dev)
{
	u32 k = 0;

	for (u32 i = 0; i < bus->n; i++)
		if (bus->r[i].dev != dev)
			bus->r[k++] = bus->r[i];
	bus->n = k;
}

const struct msr_region *msr_bus_find(const struct msr_bus *bus, u32 msr)
{
	for (u32 i = 0; i < bus->n; i++)
		if (msr - bus->r[i].base < bus->r[i].count)
			return &bus->r[i];
	return NULL;
}
