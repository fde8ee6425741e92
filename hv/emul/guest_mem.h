/* A VM's RAM as lucid sees it: guest-physical ranges backed by host pages.
 * lucid identity-maps all host RAM, so a region's host address is also a
 * pointer lucid can use. Everything that copies into or out of a guest
 * (loaders, hypercalls, device models) goes through these functions, which
 * check that the whole guest range is RAM of that VM. */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include "lib/types.h"

#define GMEM_MAX_REGIONS 16

struct gmem_region {
	u64 gpa;  /* page-aligned */
	u64 hpa;  /* page-aligned host-physical (= lucid virtual) address */
	u64 size; /* a multiple of PAGE_SIZE */
};

/* Regions are sorted by gpa and do not overlap. */
struct guest_mem {
	struct gmem_region r[GMEM_MAX_REGIONS];
	u32 n;
	u64 size; /* sum of the regions' sizes */
};

/* A host pointer to [gpa, gpa+len) if it lies inside one region, else NULL
 * (also for len == 0 or a range that wraps). */
void *gmem_ptr(const struct guest_mem *gm, u64 gpa, u64 len);
/* True if every byte of [gpa, gpa+len) is guest RAM (regions may be
 * crossed). len == 0 is true for any gpa. */
bool gmem_is_ram(const struct guest_mem *gm, u64 gpa, u64 len);
/* Copy to / from / clear guest RAM, crossing regions as needed. Return 0,
 * or -1 without copying anything if any byte is not guest RAM. */
int gmem_write(const struct guest_mem *gm, u64 gpa, const void *src, u64 len);
int gmem_read(const struct guest_mem *gm, u64 gpa, void *dst, u64 len);
int gmem_zero(const struct guest_mem *gm, u64 gpa, u64 len);

#endif
