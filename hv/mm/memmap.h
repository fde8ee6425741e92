/* The physical memory map, normalised: sorted, non-overlapping, adjacent
 * ranges of one type merged, usable RAM trimmed to whole pages. Firmware
 * maps can be unsorted and overlapping; where ranges overlap the more
 * restrictive type wins (enum mem_type is ordered that way), so lucid
 * never hands out memory that any entry calls reserved. */
#ifndef HV_MEMMAP_H
#define HV_MEMMAP_H

#include "boot/boot_info.h"

#define MEMMAP_MAX (2 * BOOT_MAX_MEM)

struct memmap {
	u32 n;
	struct mem_range r[MEMMAP_MAX];
};

/* Builds *out from n raw ranges. Problems that are repaired (overlaps,
 * ranges wrapping past 2^64, usable RAM inside the last page below 2^64)
 * are described in warn, one line each; empty ranges, which firmware emits
 * harmlessly, are dropped without a word. Returns 0, or -1 with a reason
 * in err when no usable memory is left. */
int memmap_normalise(const struct mem_range *in, u32 n, struct memmap *out,
		     char *warn, size_t warnlen, char *err, size_t errlen);

u64 memmap_total(const struct memmap *m, u32 type);
/* End of the highest range of the given type (0 when there is none). */
u64 memmap_top(const struct memmap *m, u32 type);

#endif
