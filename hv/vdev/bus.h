/* A VM's I/O buses: one for ports, one for MMIO, of one shape. A device
 * claims a region (base, size) with read and write callbacks that take
 * an offset into the region; an access reaches a device whole when it
 * lies inside one region, and byte by byte otherwise, so a device never
 * sees an access that leaves its region. Unclaimed bytes read as all
 * ones and take writes without effect, as on an empty ISA bus. */
#ifndef HV_VDEV_BUS_H
#define HV_VDEV_BUS_H

#include "lib/types.h"

#define IO_BUS_MAX_REGIONS 32

struct io_region {
	u64 base, size;
	/* size: 1, 2, 4 or 8; the access lies inside the region. A NULL
	 * read reads as all ones, a NULL write drops the write. */
	u64 (*read)(void *dev, u64 offset, u8 size);
	void (*write)(void *dev, u64 offset, u8 size, u64 val);
	void *dev;
};

struct io_bus {
	struct io_region r[IO_BUS_MAX_REGIONS];
	u32 n;
	u64 end;	/* addresses are below it: 0x10000 for ports, 0 for all */
};

/* Claims a region. Returns 0, or -1 if it is empty, wraps, passes the
 * bus's end, overlaps another or the bus is full. */
int io_bus_register(struct io_bus *bus, const struct io_region *r);
/* Gives back every region whose device is dev. */
void io_bus_unregister(struct io_bus *bus, const void *dev);
/* The region holding addr, or NULL. */
const struct io_region *io_bus_find(const struct io_bus *bus, u64 addr);
/* One access of size bytes (1, 2, 4 or 8) as the guest made it. */
u64 io_bus_read(const struct io_bus *bus, u64 addr, u8 size);
void io_bus_write(const struct io_bus *bus, u64 addr, u8 size, u64 val);

/* MSRs a device serves (a vCPU's local APIC: x2APIC registers, its
 * base and TSC deadline), beside the ones lucid itself handles
 * (hv/exits/msr.c). The callbacks return 0, or -1 for the #GP the CPU
 * would raise; a device of each vCPU finds which one asks with
 * vcpu_current (hv/core/vcpu.h). */
#define MSR_BUS_MAX_REGIONS 4

struct msr_region {
	u32 base, count;
	int (*read)(void *dev, u32 msr, u64 *val);
	int (*write)(void *dev, u32 msr, u64 val);
	void *dev;
};

struct msr_bus {
	struct msr_region r[MSR_BUS_MAX_REGIONS];
	u32 n;
};

/* Claims a range. Returns 0, or -1 if it is empty, wraps, overlaps
 * another or the bus is full. */
int msr_bus_register(struct msr_bus *bus, const struct msr_region *r);
void msr_bus_unregister(struct msr_bus *bus, const void *dev);
/* The range holding msr, or NULL. */
const struct msr_region *msr_bus_find(const struct msr_bus *bus, u32 msr);

#endif
