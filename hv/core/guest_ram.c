/* Guests' RAM from the page allocator (hv/core/guest_ram.h). A VM's RAM is
 * taken piece by piece, each the largest free run that what is left can
 * use: one starting on a 2 MiB boundary while the guest-physical address
 * is on one too, so that the nested tables can map it with large pages,
 * else any run of pages. So any remainder comes from whatever is free, in
 * as few pieces as this greedy choice gives, and at most GMEM_MAX_REGIONS. */
#include "hv/core/guest_ram.h"
#include "hv/mm/page_alloc.h"
#include "lib/fmt.h"
#include "lib/string.h"

void guest_ram_free(struct guest_mem *gm)
{
	for (u32 i = 0; i < gm->n; i++)
		page_free(gm->r[i].hpa, gm->r[i].size / PAGE_SIZE);
	gm->n = 0;
	gm->size = 0;
}

/* Allocates the largest run of k <= max units of `unit` pages, starting
 * `align`-aligned, at *pa; returns k (0: not even one unit is free). A run
 * of k units exists whenever one of k + 1 does, so a binary search with
 * page_alloc finds k; a probe that succeeds is given back at once. Another
 * CPU may take the run before the search takes it for good: then the
 * search starts again, over what is left. */
static u64 largest_run(u64 max, u64 unit, u64 align, u64 *pa)
{
	for (;;) {
		u64 lo = 0, hi = max;	/* a run of lo units exists, one of hi does not */

		if ((*pa = page_alloc(max * unit, align, PA_NO_LIMIT)))
			return max;
		while (hi - lo > 1) {
			u64 mid = lo + (hi - lo) / 2;
			u64 got = page_alloc(mid * unit, align, PA_NO_LIMIT);

			if (got) {
				page_free(got, mid * unit);
				lo = mid;
			} else {
				hi = mid;
			}
		}
		if (!lo)
			return 0;
		if ((*pa = page_alloc(lo * unit, align, PA_NO_LIMIT)))
			return lo;
	}
}

/* The next piece for guest-physical gpa with left bytes still to place:
 * its size (0 when no page is free) and its host address in *pa. */
static u64 next_piece(u64 gpa, u64 left, u64 *pa)
{
	const u64 large = MiB(2) / PAGE_SIZE;

	if (IS_ALIGNED(gpa, MiB(2)) && left >= MiB(2)) {
		/* All that is left, or whole 2 MiB units, so that the next
		 * piece starts on a 2 MiB boundary too. */
		if ((*pa = page_alloc(left / PAGE_SIZE, MiB(2), PA_NO_LIMIT)))
			return left;
		u64 units = largest_run(left / MiB(2), large, MiB(2), pa);
		if (units)
			return units * MiB(2);
	}
	return largest_run(left / PAGE_SIZE, 1, PAGE_SIZE, pa) * PAGE_SIZE;
}

/* "%llu MiB", or KiB where that is not exact. */
static const char *size_text(char *buf, size_t n, u64 bytes)
{
	if (IS_ALIGNED(bytes, MiB(1)))
		snprintf(buf, n, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, n, "%llu KiB", (unsigned long long)(bytes >> 10));
	return buf;
}

static void no_memory(u64 size, char *err, size_t errlen)
{
	char a[24], b[24];

	snprintf(err, errlen, "no %s of free memory (%s free)", size_text(a, sizeof(a), size),
		 size_text(b, sizeof(b), page_alloc_free_pages() * PAGE_SIZE));
}

int guest_ram_alloc(struct guest_mem *gm, u64 size, char *err, size_t errlen)
{
	char a[24], b[24];

	if (size / PAGE_SIZE > page_alloc_free_pages()) {
		no_memory(size, err, errlen);
		return -1;
	}
	while (gm->size < size) {
		u64 pa, piece;

		if (gm->n == GMEM_MAX_REGIONS) {
			snprintf(err, errlen, "free memory is in too many pieces: the %d a VM may "
				 "have hold only %s of %s", GMEM_MAX_REGIONS,
				 size_text(a, sizeof(a), gm->size), size_text(b, sizeof(b), size));
			guest_ram_free(gm);
			return -1;
		}
		piece = next_piece(gm->size, size - gm->size, &pa);
		if (!piece) {
			guest_ram_free(gm);
			no_memory(size, err, errlen);
			return -1;
		}
		gm->r[gm->n++] = (struct gmem_region){ gm->size, pa, piece };
		gm->size += piece;
	}
	return 0;
}

void guest_ram_zero(const struct guest_mem *gm)
{
	for (u32 i = 0; i < gm->n; i++)
		memset((void *)(uintptr_t)gm->r[i].hpa, 0, gm->r[i].size);
}
