/* The physical page allocator. One bitmap per usable RAM range of the
 * normalised memory map (a set bit is an allocated page); the bitmaps
 * themselves live in RAM taken from the first range that can hold them.
 * Allocation is first-fit over runs of pages with a requested alignment and
 * an upper address limit (early page tables must lie below 4 GiB, AP
 * start-up code below 1 MiB). */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include "hv/mm/memmap.h"

#define PA_MAX_REGIONS 64

struct pa_reserve {
	u64 base;
	u64 size;
	const char *what;
};

/* Sets up the allocator over the usable ranges of m, with the given ranges
 * (lucid's image, boot modules, ...) already taken. The bitmaps are placed
 * below `bitmap_limit`. Returns 0, or -1 with a reason in err. */
int page_alloc_init(const struct memmap *m, const struct pa_reserve *res, u32 nres,
		    u64 bitmap_limit, char *err, size_t errlen);

/* Returns the physical address of npages contiguous free pages aligned to
 * `align` bytes (a power of two, at least PAGE_SIZE) and ending at or below
 * `limit`, or 0 when there is no such run. The pages are not cleared. */
u64 page_alloc(u64 npages, u64 align, u64 limit);
/* Frees what page_alloc returned. Returns 0, or -1 if any page in the range
 * is not allocated memory of this allocator (a double free). */
int page_free(u64 pa, u64 npages);

u64 page_alloc_free_pages(void);
u64 page_alloc_total_pages(void);

#define PA_NO_LIMIT (~0ull)

#endif
