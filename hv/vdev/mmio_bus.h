/* The types of a VM's MMIO bus (hv/exits/mmio.h), apart so that hv/core/vm.h can hold
 * one. A device claims a range of guest-physical addresses that is not
 * RAM; the guest's accesses there fault in nested paging and reach the
 * device one instruction at a time. */
#ifndef HV_MMIO_BUS_H
#define HV_MMIO_BUS_H

#include "lib/types.h"

#define MMIO_MAX_HANDLERS 16

struct mmio_handler {
	u64 base, size;
	/* offset from base; size 1, 2, 4 or 8; the access lies in the range */
	u64 (*read)(void *dev, u64 offset, u8 size);
	void (*write)(void *dev, u64 offset, u8 size, u64 val);
	void *dev;
};

struct mmio_bus {
	struct mmio_handler h[MMIO_MAX_HANDLERS];
	u32 n;
};

/* Claims [base, base+size) for a device. Returns 0, or -1 if it overlaps
 * another device, wraps, or the bus is full. (RAM is the caller's check.) */
int mmio_register(struct mmio_bus *bus, const struct mmio_handler *h);
/* The device whose range holds gpa, or NULL. */
const struct mmio_handler *mmio_find(const struct mmio_bus *bus, u64 gpa);

#endif
