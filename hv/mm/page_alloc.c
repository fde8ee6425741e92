/* A bitmap allocator: simple, its state is easy to check, and its cost
 * only matters at VM creation. One lock serves every CPU. */
#include "hv/mm/page_alloc.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"

struct region {
	u64 base;   /* physical address of page 0 */
	u64 npages;
	u64 *bits;  /* bit i set: page i allocated */
};

static struct region regions[PA_MAX_REGIONS];
static u32 nregions;
static u64 total_pages, free_pages;
static struct spinlock lock;

static bool test_bit(const struct region *r, u64 i) { return r->bits[i / 64] >> (i % 64) & 1; }
static void set_bit(struct region *r, u64 i) { r->bits[i / 64] |= 1ull << (i % 64); }
static void clear_bit(struct region *r, u64 i) { r->bits[i / 64] &= ~(1ull << (i % 64)); }

static u64 bitmap_bytes(u64 npages) { return ALIGN_UP(npages, 64ull) / 8; }

/* Marks [base, base+size) allocated wherever it overlaps a region. */
static void take(u64 base, u64 size)
{
	u64 end = base + size < base ? ~0ull : base + size;

	for (u32 k = 0; k < nregions; k++) {
		struct region *r = &regions[k];
		u64 rend = r->base + r->npages * PAGE_SIZE;
		u64 a = MAX(ALIGN_DOWN(base, PAGE_SIZE), r->base);
		u64 b = MIN(end, rend);
		for (u64 pa = a; pa < b; pa += PAGE_SIZE) {
			u64 i = (pa - r->base) / PAGE_SIZE;
			if (!test_bit(r, i)) {
				set_bit(r, i);
				free_pages--;
			}
		}
	}
}

int page_alloc_init(const struct memmap *m, const struct pa_reserve *res, u32 nres,
		    u64 bitmap_limit, char *err, size_t errlen)
{
	u64 need = 0;

	nregions = 0;
	total_pages = free_pages = 0;
	for (u32 i = 0; i < m->n; i++) {
		if (m->r[i].type != MEM_USABLE)
			continue;
		if (nregions == PA_MAX_REGIONS) {
			snprintf(err, errlen, "more than %u usable RAM ranges", PA_MAX_REGIONS);
			return -1;
		}
		regions[nregions++] = (struct region){ m->r[i].base, m->r[i].size / PAGE_SIZE, NULL };
		need += bitmap_bytes(m->r[i].size / PAGE_SIZE);
		total_pages += m->r[i].size / PAGE_SIZE;
	}

	/* Find room for all bitmaps: a run of free pages, not overlapping any
	 * reserved range, below bitmap_limit. */
	u64 need_pages = ALIGN_UP(need, PAGE_SIZE) / PAGE_SIZE, at = 0;
	for (u32 k = 0; k < nregions && !at; k++) {
		struct region *r = &regions[k];
		for (u64 cand = MAX(r->base, PAGE_SIZE); cand + need_pages * PAGE_SIZE <= r->base + r->npages * PAGE_SIZE;) {
			u64 cend = cand + need_pages * PAGE_SIZE;
			bool clash = false;
			if (cend > bitmap_limit)
				break;
			for (u32 j = 0; j < nres; j++) {
				if (res[j].size && cand < res[j].base + res[j].size && res[j].base < cend) {
					cand = ALIGN_UP(res[j].base + res[j].size, PAGE_SIZE);
					clash = true;
					break;
				}
			}
			if (!clash) {
				at = cand;
				break;
			}
		}
	}
	if (!at) {
		snprintf(err, errlen, "no room below 0x%llx for the page bitmaps (%llu KiB)",
			 (unsigned long long)bitmap_limit, (unsigned long long)(need / 1024));
		return -1;
	}
	u8 *p = (u8 *)(uintptr_t)at;
	memset(p, 0, need_pages * PAGE_SIZE);
	for (u32 k = 0; k < nregions; k++) {
		regions[k].bits = (u64 *)p;
		p += bitmap_bytes(regions[k].npages);
	}
	free_pages = total_pages;
	take(0, PAGE_SIZE); /* 0 means "no memory": page 0 is never handed out */
	take(at, need_pages * PAGE_SIZE);
	for (u32 j = 0; j < nres; j++)
		take(res[j].base, res[j].size);
	return 0;
}

static u64 alloc_locked(u64 npages, u64 align, u64 limit)
{
	if (!npages || npages > ~0ull / PAGE_SIZE || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	for (u32 k = 0; k < nregions; k++) {
		struct region *r = &regions[k];
		u64 rend = r->base + r->npages * PAGE_SIZE;
		u64 pa = ALIGN_UP(r->base, align);

		while (pa < rend && rend - pa >= npages * PAGE_SIZE) {
			if (pa + npages * PAGE_SIZE - 1 > limit)
				break;
			u64 first = (pa - r->base) / PAGE_SIZE, i;
			for (i = 0; i < npages && !test_bit(r, first + i); i++)
				;
			if (i == npages) {
				for (i = 0; i < npages; i++)
					set_bit(r, first + i);
				free_pages -= npages;
				return pa;
			}
			/* Skip past the allocated page, keeping the alignment. */
			pa = ALIGN_UP(r->base + (first + i + 1) * PAGE_SIZE, align);
		}
	}
	return 0;
}

u64 page_alloc(u64 npages, u64 align, u64 limit)
{
	u64 flags = spin_lock_irqsave(&lock);
	u64 pa = alloc_locked(npages, align, limit);

	spin_unlock_irqrestore(&lock, flags);
	return pa;
}

static int free_locked(u64 pa, u64 npages)
{
	for (u32 k = 0; k < nregions; k++) {
		struct region *r = &regions[k];
		u64 rend = r->base + r->npages * PAGE_SIZE;
		if (pa < r->base || pa >= rend)
			continue;
		if (pa % PAGE_SIZE || npages > (rend - pa) / PAGE_SIZE)
			return -1;
		u64 first = (pa - r->base) / PAGE_SIZE;
		for (u64 i = 0; i < npages; i++)
			if (!test_bit(r, first + i))
				return -1;
		for (u64 i = 0; i < npages; i++)
			clear_bit(r, first + i);
		free_pages += npages;
		return 0;
	}
	return -1;
}

int page_free(u64 pa, u64 npages)
{
	u64 flags = spin_lock_irqsave(&lock);
	int rc = free_locked(pa, npages);

	spin_unlock_irqrestore(&lock, flags);
	return rc;
}

u64 page_alloc_free_pages(void) { return atomic_load(&free_pages); }
u64 page_alloc_total_pages(void) { return total_pages; }
