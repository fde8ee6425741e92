/* Page-table walking. Levels are numbered 3 (PML4) down to 0 (PT); a leaf
 * at level 2 is a 1 GiB page, at level 1 a 2 MiB page. Intermediate
 * entries are present|writable (|user, so the same tables can be nested
 * page tables); the leaf alone decides the rights. */
#include "arch/x86/pagetable.h"
#include "lib/string.h"

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

static unsigned idx(u64 va, int level) { return (va >> (12 + 9 * level)) & 511; }
static u64 level_size(int level) { return 1ull << (12 + 9 * level); }
static u64 *table_of(u64 e) { return (u64 *)(uintptr_t)(e & PTE_ADDR); }
static bool is_leaf(u64 e, int level) { return level == 0 || (e & PTE_PS); }

int pt_init(struct pagetable *pt, bool allow_1g, pt_alloc_fn alloc, void *ctx)
{
	pt->allow_1g = allow_1g;
	pt->alloc = alloc;
	pt->ctx = ctx;
	pt->root = alloc(ctx);
	return pt->root ? PT_OK : PT_ENOMEM;
}

static bool canonical(u64 va) { return va < (1ull << 47) || va >= 0xffff800000000000ull; }

/* Makes e (at `level` > 0) point to a table. A large page is split into a
 * table of the next size down with the same flags. */
static u64 *descend(struct pagetable *pt, u64 *e, int level)
{
	if (*e & PTE_P && !(*e & PTE_PS))
		return table_of(*e);
	u64 *t = pt->alloc(pt->ctx);
	if (!t)
		return NULL;
	if (*e & PTE_P) {
		u64 base = *e & PTE_ADDR & ~(level_size(level) - 1);
		u64 flags = *e & PTE_FLAGS;
		for (int i = 0; i < 512; i++)
			t[i] = (base + i * level_size(level - 1)) | flags | (level - 1 ? PTE_PS : 0);
	}
	*e = (u64)(uintptr_t)t | TABLE_FLAGS;
	return t;
}

static bool range_mapped(const struct pagetable *pt, u64 va, u64 size)
{
	/* Probe page by page, but skip whole unmapped tables quickly. */
	for (u64 off = 0; off < size;) {
		u64 *t = pt->root, v = va + off;
		int level = 3;
		for (;; level--) {
			u64 e = t[idx(v, level)];
			if (!(e & PTE_P))
				break;
			if (is_leaf(e, level))
				return true;
			t = table_of(e);
		}
		u64 step = level_size(level) - (v & (level_size(level) - 1));
		off += step;
	}
	return false;
}

static int map_one(struct pagetable *pt, u64 va, u64 pa, int target, u64 flags)
{
	u64 *t = pt->root;

	for (int level = 3; level > target; level--) {
		t = descend(pt, &t[idx(va, level)], level);
		if (!t)
			return PT_ENOMEM;
	}
	t[idx(va, target)] = pa | flags | PTE_P | (target ? PTE_PS : 0);
	return PT_OK;
}

int pt_map(struct pagetable *pt, u64 va, u64 pa, u64 size, u64 flags)
{
	if (!size)
		return PT_OK;
	/* Ends are compared by their last byte, so a range may end at 2^64. */
	if ((va | pa | size) & (PAGE_SIZE - 1) || !canonical(va) || !canonical(va + size - 1) ||
	    va + size - 1 < va || pa + size - 1 < pa || pa + size - 1 > (PTE_ADDR | 0xfff))
		return PT_EINVAL;
	if (range_mapped(pt, va, size))
		return PT_EEXIST;
	flags &= PTE_FLAGS;
	for (u64 off = 0; off < size;) {
		int level = pt->allow_1g ? 2 : 1;
		for (; level > 0; level--) {
			u64 s = level_size(level);
			if (!((va + off) & (s - 1)) && !((pa + off) & (s - 1)) && size - off >= s)
				break;
		}
		int rc = map_one(pt, va + off, pa + off, level, flags);
		if (rc)
			return rc;
		off += level_size(level);
	}
	return PT_OK;
}

/* Drops (protect false) or gives new leaf flags to every page mapped in
 * [va, va+size), splitting large pages that cross its edges. */
static int edit(struct pagetable *pt, u64 va, u64 size, bool protect, u64 flags)
{
	if (!size)
		return PT_OK;
	if ((va | size) & (PAGE_SIZE - 1) || va + size - 1 < va)
		return PT_EINVAL;
	for (u64 off = 0; off < size;) {
		u64 v = va + off, *t = pt->root;
		int level = 3;
		for (;; level--) {
			u64 *e = &t[idx(v, level)];
			u64 s = level_size(level);
			if (!(*e & PTE_P))
				break;
			if (is_leaf(*e, level)) {
				/* Whole leaf inside the range: change it; else split. */
				if (!(v & (s - 1)) && size - off >= s) {
					*e = protect ? (*e & (PTE_ADDR | PTE_PS)) | flags | PTE_P : 0;
					break;
				}
				if (!descend(pt, e, level))
					return PT_ENOMEM;
			}
			t = table_of(*e);
		}
		off += level_size(level) - (v & (level_size(level) - 1));
	}
	return PT_OK;
}

int pt_unmap(struct pagetable *pt, u64 va, u64 size)
{
	return edit(pt, va, size, false, 0);
}

int pt_protect(struct pagetable *pt, u64 va, u64 size, u64 flags)
{
	return edit(pt, va, size, true, flags & PTE_FLAGS);
}

bool pt_lookup(const struct pagetable *pt, u64 va, u64 *pa, u64 *flags)
{
	const u64 *t = pt->root;

	for (int level = 3;; level--) {
		u64 e = t[idx(va, level)];
		if (!(e & PTE_P))
			return false;
		if (is_leaf(e, level)) {
			u64 mask = level_size(level) - 1;
			*pa = (e & PTE_ADDR & ~mask) | (va & mask);
			*flags = e & PTE_FLAGS;
			return true;
		}
		t = table_of(e);
	}
}

static void destroy_level(u64 *table, int level, pt_free_fn free_table, void *ctx)
{
	for (int i = 0; level > 0 && i < 512; i++)
		if ((table[i] & PTE_P) && !is_leaf(table[i], level))
			destroy_level(table_of(table[i]), level - 1, free_table, ctx);
	free_table(table, ctx);
}

void pt_destroy(struct pagetable *pt, pt_free_fn free_table)
{
	if (pt->root)
		destroy_level(pt->root, 3, free_table, pt->ctx);
	pt->root = NULL;
}
