/* Long-mode page tables for guests that change their mappings. Tables
 * come from a fixed pool; a large page in the way is split into the next
 * smaller size with the same rights, so the identity map stays intact
 * around whatever a test maps. */
#include "guest.h"
#include "cpu.h"

#define POOL_PAGES 32

static u64 pool[POOL_PAGES][512] __aligned(4096);
static u32 pool_used;

static u64 *alloc_table(void)
{
	if (pool_used == POOL_PAGES)
		return NULL;
	return pool[pool_used++];
}

static u32 index_of(u64 va, int level)
{
	return (u32)(va >> (12 + 9 * (level - 1))) & 511;
}

static u64 level_size(int level)
{
	return 1ull << (12 + 9 * (level - 1));
}

void pt_flush(void)
{
	write_cr3(read_cr3());
}

/* The table at the given level (4 = the PML4) that holds va's entry,
 * creating or splitting on the way if alloc. */
static u64 *table_for(u64 va, int level, bool alloc)
{
	u64 *t = (u64 *)(uptr)(read_cr3() & PTE_ADDR);

	for (int l = 4; l > level; l--) {
		u64 *e = &t[index_of(va, l)];

		if (!(*e & PTE_P)) {
			u64 *n;

			if (!alloc || !(n = alloc_table()))
				return NULL;
			memset(n, 0, PAGE_SIZE);
			*e = (uptr)n | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			u64 *n;
			u64 base = *e & PTE_ADDR & ~(level_size(l) - 1);
			u64 flags = *e & ~PTE_ADDR;

			if (!alloc || !(n = alloc_table()))
				return NULL;
			if (l - 1 == 1)
				flags &= ~PTE_PS;
			for (u64 i = 0; i < 512; i++)
				n[i] = (base + i * level_size(l - 1)) | flags;
			*e = (uptr)n | PTE_P | PTE_W | PTE_U;
		}
		t = (u64 *)(uptr)(*e & PTE_ADDR);
	}
	return t;
}

bool pt_map(u64 va, u64 pa, u64 size, u64 page_size, u64 flags)
{
	int level = page_size == GiB(1) ? 3 : page_size == MiB(2) ? 2 : 1;

	for (u64 off = 0; off < size; off += page_size) {
		u64 *t = table_for(va + off, level, true);

		if (!t)
			return false;
		t[index_of(va + off, level)] = ((pa + off) & PTE_ADDR) | flags | PTE_P |
					       (level > 1 ? PTE_PS : 0);
	}
	pt_flush();
	return true;
}

u64 *pt_entry(u64 va, int level)
{
	u64 *t = table_for(va, level, false);

	return t ? &t[index_of(va, level)] : NULL;
}
