/* Page-table walking. Levels are numbered 3 (PML4) down to 0 (PT); a leaf
 * at level 2 is a 1 GiB page, at level 1 a 2 MiB page. Entries that point
 * to tables allow everything, so the leaf alone decides the rights. What
 * the formats do differently is data, below; the walk is the same. */
#include "arch/x86/pagetable.h"

struct format {
	u64 present;    /* an entry is present when any of these is set */
	u64 table;      /* the flags of an entry that points to a table */
	u64 leaf;       /* set in every leaf */
	bool canonical; /* addresses sign-extend bit 47 (else: below 2^48) */
};

static const struct format formats[] = {
	/* |user in tables, so that the same tables can be nested page tables */
	[PT_FORMAT_X86] = { PTE_P, PTE_P | PTE_W | PTE_U, PTE_P, true },
	/* EPT has no present bit: read, write or execute makes an entry */
	[PT_FORMAT_EPT] = { EPT_R | EPT_W | EPT_X, EPT_R | EPT_W | EPT_X, 0, false },
};

static const struct format *fmt(const struct pagetable *pt) { return &formats[pt->format]; }
static bool present(const struct pagetable *pt, u64 e) { return e & fmt(pt)->present; }

static unsigned idx(u64 va, int level) { return (va >> (12 + 9 * level)) & 511; }
static u64 level_size(int level) { return 1ull << (12 + 9 * level); }
static u64 *table_of(u64 e) { return (u64 *)(uintptr_t)(e & PTE_ADDR); }
static bool is_leaf(u64 e, int level) { return level == 0 || (e & PTE_PS); }

int pt_init(struct pagetable *pt, enum pt_format format, bool allow_1g, pt_alloc_fn alloc,
	    void *ctx)
{
	pt->format = format;
	pt->allow_1g = allow_1g;
	pt->alloc = alloc;
	pt->ctx = ctx;
	pt->root = alloc(ctx);
	return pt->root ? PT_OK : PT_ENOMEM;
}

/* Whether [va, last] (va <= last) lies in the address space. The walk
 * reads only bits 47:12, so an address outside would stand for one inside.
 * x86 addresses are virtual: canonical (bits 63:47 all equal), and a range
 * stays in one half. EPT ones are guest-physical, and four levels reach
 * 2^48. */
static bool in_space(const struct pagetable *pt, u64 va, u64 last)
{
	u64 top = va >> 47;

	if (!fmt(pt)->canonical)
		return last < (1ull << 48);
	return (top == 0 || top == 0x1ffff) && last >> 47 == top;
}

/* A leaf's bits for the flags a caller gives: PTE_PS is the walker's to
 * set. An EPT leaf without access would not be present, so the caller
 * checks the result with present(). */
static u64 leaf_bits(const struct pagetable *pt, u64 flags)
{
	return (flags & PTE_FLAGS) | fmt(pt)->leaf;
}

/* Makes e (at `level` > 0) point to a table. A large page is split into a
 * table of the next size down with the same flags. */
static u64 *descend(struct pagetable *pt, u64 *e, int level)
{
	if (present(pt, *e) && !(*e & PTE_PS))
		return table_of(*e);
	u64 *t = pt->alloc(pt->ctx);
	if (!t)
		return NULL;
	if (present(pt, *e)) {
		u64 base = *e & PTE_ADDR & ~(level_size(level) - 1);
		u64 flags = *e & PTE_FLAGS;
		for (int i = 0; i < 512; i++)
			t[i] = (base + i * level_size(level - 1)) | flags | (level - 1 ? PTE_PS : 0);
	}
	*e = (u64)(uintptr_t)t | fmt(pt)->table;
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
			if (!present(pt, e))
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
	t[idx(va, target)] = pa | flags | (target ? PTE_PS : 0);
	return PT_OK;
}

int pt_map(struct pagetable *pt, u64 va, u64 pa, u64 size, u64 flags)
{
	if (!size)
		return PT_OK;
	flags = leaf_bits(pt, flags);
	/* Ends are compared by their last byte, so a range may end at 2^64. */
	if ((va | pa | size) & (PAGE_SIZE - 1) || va + size - 1 < va ||
	    !in_space(pt, va, va + size - 1) || pa + size - 1 < pa ||
	    pa + size - 1 > (PTE_ADDR | 0xfff) || !present(pt, flags))
		return PT_EINVAL;
	if (range_mapped(pt, va, size))
		return PT_EEXIST;
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
	if ((va | size) & (PAGE_SIZE - 1) || va + size - 1 < va || !in_space(pt, va, va + size - 1))
		return PT_EINVAL;
	for (u64 off = 0; off < size;) {
		u64 v = va + off, *t = pt->root;
		int level = 3;
		for (;; level--) {
			u64 *e = &t[idx(v, level)];
			u64 s = level_size(level);
			if (!present(pt, *e))
				break;
			if (is_leaf(*e, level)) {
				/* Whole leaf inside the range: change it; else split. */
				if (!(v & (s - 1)) && size - off >= s) {
					*e = protect ? (*e & (PTE_ADDR | PTE_PS)) | flags : 0;
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
	flags = leaf_bits(pt, flags);
	if (!present(pt, flags))
		return PT_EINVAL;
	return edit(pt, va, size, true, flags);
}

bool pt_lookup(const struct pagetable *pt, u64 va, u64 *pa, u64 *flags)
{
	const u64 *t = pt->root;

	if (!in_space(pt, va, va))
		return false;
	for (int level = 3;; level--) {
		u64 e = t[idx(va, level)];
		if (!present(pt, e))
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

static void destroy_level(const struct pagetable *pt, u64 *table, int level, pt_free_fn free_table)
{
	for (int i = 0; level > 0 && i < 512; i++)
		if (present(pt, table[i]) && !is_leaf(table[i], level))
			destroy_level(pt, table_of(table[i]), level - 1, free_table);
	free_table(table, pt->ctx);
}

void pt_destroy(struct pagetable *pt, pt_free_fn free_table)
{
	if (pt->root)
		destroy_level(pt, pt->root, 3, free_table);
	pt->root = NULL;
}
