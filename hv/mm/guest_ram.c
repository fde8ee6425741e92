/* Guests' RAM from the page allocator (hv/mm/guest_ram.h). */
#include "hv/mm/guest_ram.h"
#include "hv/mm/page_alloc.h"
#include "lib/string.h"

void guest_ram_free(struct guest_mem *gm)
{
	for (u32 i = 0; i < gm->n; i++)
		page_free(gm->r[i].hpa, gm->r[i].size / PAGE_SIZE);
	gm->n = 0;
	gm->size = 0;
}

/* Guest RAM in as few host-contiguous pieces as the allocator allows,
 * 2 MiB-aligned where possible so the nested tables can use large pages. */
int guest_ram_alloc(struct guest_mem *gm, u64 size)
{
	u64 gpa = 0;

	while (gpa < size) {
		u64 want = size - gpa, pa = 0;

		while (want >= PAGE_SIZE) {
			u64 align = (want >= MiB(2) && IS_ALIGNED(gpa, MiB(2))) ? MiB(2) : PAGE_SIZE;
			pa = page_alloc(want / PAGE_SIZE, align, PA_NO_LIMIT);
			if (pa)
				break;
			want = want > MiB(2) ? ALIGN_DOWN(want / 2, MiB(2)) : ALIGN_DOWN(want / 2, PAGE_SIZE);
		}
		if (!pa || gm->n == GMEM_MAX_REGIONS) {
			if (pa)
				page_free(pa, want / PAGE_SIZE);
			guest_ram_free(gm);
			return -1;
		}
		gm->r[gm->n++] = (struct gmem_region){ gpa, pa, want };
		gm->size += want;
		gpa += want;
	}
	return 0;
}

void guest_ram_zero(const struct guest_mem *gm)
{
	for (u32 i = 0; i < gm->n; i++)
		memset((void *)(uintptr_t)gm->r[i].hpa, 0, gm->r[i].size);
}
