/* Host tests for the page-table code (arch/x86/pagetable.c). Table pages
 * come from a pool of heap pages; their host addresses serve as the
 * physical addresses in the entries, as they would in identity-mapped
 * lucid. The tables are checked both through pt_lookup() and by a walker
 * written here, which also says at which level the leaf sits, so the page
 * sizes chosen and the splits made are visible. Most cases run once for
 * each entry format (x86 and EPT), with the rights they ask for spelled in
 * that format; a few look at what one format alone has. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/pagetable.h"

#define P PAGE_SIZE
#define POOL_MAX 1024

/* A format as these tests see it, written out here rather than taken from
 * pagetable.c, so that a wrong bit there shows. */
struct format {
	enum pt_format id;
	u64 present;	/* an entry is present when any of these is set */
	u64 table;	/* the flags of every entry that points to a table */
	u64 implied;	/* what pt_map adds to the leaf flags it is given */
	u64 rx, ro, rw, rwx;	/* code, read-only data, data, everything */
	u64 kept;	/* caching bits and the like: kept as given */
	u64 top;	/* the last page of the address space */
};

static const struct format x86 = {
	.id = PT_FORMAT_X86, .present = PTE_P, .table = PTE_P | PTE_W | PTE_U, .implied = PTE_P,
	.rx = 0, .ro = PTE_NX, .rw = PTE_W | PTE_NX, .rwx = PTE_W,
	.kept = PTE_PCD | PTE_PWT | PTE_U | PTE_G, .top = 0xfffffffffffff000ull,
};

static const struct format ept = {
	.id = PT_FORMAT_EPT, .present = EPT_R | EPT_W | EPT_X, .table = EPT_R | EPT_W | EPT_X,
	.implied = 0, .rx = EPT_R | EPT_X, .ro = EPT_R, .rw = EPT_R | EPT_W,
	.rwx = EPT_R | EPT_W | EPT_X, .kept = EPT_MT_WB | EPT_IGNORE_PAT, .top = (1ull << 48) - P,
};

static const struct format *F;	/* the format under test */

struct pool {
	u64 *page[POOL_MAX];
	u32 used;
	u32 limit;	/* the allocator fails once `used` reaches it */
};

static struct pool pool;
static struct pagetable pt;

static u64 *pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	u64 *t;

	if (p->used >= p->limit || p->used >= POOL_MAX)
		return NULL;
	t = aligned_alloc(P, P);
	assert_non_null(t);
	memset(t, 0, P);
	p->page[p->used++] = t;
	return t;
}

static int setup(void **state)
{
	F = *state;
	memset(&pool, 0, sizeof(pool));
	pool.limit = POOL_MAX;
	memset(&pt, 0, sizeof(pt));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (u32 i = 0; i < pool.used; i++)
		free(pool.page[i]);
	return 0;
}

static void init(bool allow_1g)
{
	assert_int_equal(pt_init(&pt, F->id, allow_1g, pool_alloc, &pool), PT_OK);
}

/* The leaf flags pt_lookup gives for pages mapped with `flags`. */
static u64 leaf(u64 flags)
{
	return flags | F->implied;
}

static bool from_pool(const u64 *t)
{
	for (u32 i = 0; i < pool.used; i++)
		if (pool.page[i] == t)
			return true;
	return false;
}

/* The level of the leaf that maps va (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), its
 * raw entry in *entry; -1 when va is unmapped. Checks every table entry
 * on the way. */
static int walk(u64 va, u64 *entry)
{
	const u64 *t = pt.root;

	for (int level = 3; level >= 0; level--) {
		u64 e = t[(va >> (12 + 9 * level)) & 511];

		if (!(e & F->present))
			return -1;
		if (level == 0 || (e & PTE_PS)) {
			assert_true(level < 3);		/* no leaves in the PML4 */
			*entry = e;
			return level;
		}
		if ((e & ~PTE_ADDR) != F->table)
			fail_msg("table entry %#llx for va %#llx at level %d has flags %#llx",
				 (unsigned long long)e, (unsigned long long)va, level,
				 (unsigned long long)(e & ~PTE_ADDR));
		t = (const u64 *)(uintptr_t)(e & PTE_ADDR);
		assert_true(from_pool(t));
	}
	return -1;
}

static int level_of(u64 va)
{
	u64 e;

	return walk(va, &e);
}

/* va must translate to pa with exactly these leaf flags. */
static void expect_mapped(u64 va, u64 pa, u64 flags)
{
	u64 got_pa = 0, got_flags = 0;

	if (!pt_lookup(&pt, va, &got_pa, &got_flags))
		fail_msg("va %#llx is not mapped", (unsigned long long)va);
	if (got_pa != pa || got_flags != flags)
		fail_msg("va %#llx -> pa %#llx flags %#llx, expected pa %#llx flags %#llx",
			 (unsigned long long)va, (unsigned long long)got_pa,
			 (unsigned long long)got_flags, (unsigned long long)pa,
			 (unsigned long long)flags);
	assert_true(level_of(va) >= 0);
}

static void expect_unmapped(u64 va)
{
	u64 pa, flags;

	if (pt_lookup(&pt, va, &pa, &flags))
		fail_msg("va %#llx is mapped (to %#llx)", (unsigned long long)va,
			 (unsigned long long)pa);
	assert_int_equal(level_of(va), -1);
}

/* --- set-up ----------------------------------------------------------------- */

static void test_init(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pool.used, 1);
	assert_ptr_equal(pt.root, pool.page[0]);
	assert_int_equal(pt.format, F->id);
	assert_false(pt.allow_1g);
	expect_unmapped(0);
	expect_unmapped(F->top);
	teardown(state);
	setup(state);
	init(true);
	assert_true(pt.allow_1g);
}

static void test_init_without_memory(void **state)
{
	(void)state;
	pool.limit = 0;
	assert_int_equal(pt_init(&pt, F->id, false, pool_alloc, &pool), PT_ENOMEM);
	assert_null(pt.root);
}

/* --- page sizes ---------------------------------------------------------------- */

static void test_map_4k(void **state)
{
	const u64 va = 0x12345000, pa = 0x7654321000ull;
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, pa, P, F->rw), PT_OK);
	expect_mapped(va, pa, leaf(F->rw));
	expect_mapped(va + 0x123, pa + 0x123, leaf(F->rw));
	expect_mapped(va + P - 1, pa + P - 1, leaf(F->rw));
	expect_unmapped(va - P);
	expect_unmapped(va + P);
	assert_int_equal(walk(va, &e), 0);
	assert_int_equal(e, pa | leaf(F->rw));
	assert_int_equal(pool.used, 4);		/* PML4, PDPT, PD, PT */
}

static void test_map_2m(void **state)
{
	const u64 va = GiB(1) + MiB(2), pa = MiB(6);
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, pa, MiB(2), F->rx), PT_OK);
	assert_int_equal(walk(va, &e), 1);
	assert_int_equal(e, pa | leaf(F->rx) | PTE_PS);
	expect_mapped(va, pa, leaf(F->rx));		/* PS is not a leaf flag */
	expect_mapped(va + 0x1ff010, pa + 0x1ff010, leaf(F->rx));
	expect_unmapped(va + MiB(2));
	expect_unmapped(va - P);
	assert_int_equal(pool.used, 3);		/* no PT */
}

static void test_map_1g(void **state)
{
	u64 e;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(2), GiB(5), GiB(1), F->rw), PT_OK);
	assert_int_equal(walk(GiB(2) + MiB(300), &e), 2);
	assert_int_equal(e, GiB(5) | leaf(F->rw) | PTE_PS);
	expect_mapped(GiB(3) - 8, GiB(6) - 8, leaf(F->rw));
	expect_unmapped(GiB(3));
	assert_int_equal(pool.used, 2);
}

static void test_1g_not_used_unless_allowed(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(2), GiB(5), GiB(1), F->rwx), PT_OK);
	for (u64 off = 0; off < GiB(1); off += MiB(2))
		assert_int_equal(level_of(GiB(2) + off), 1);
	expect_mapped(GiB(2) + MiB(777) + 5, GiB(5) + MiB(777) + 5, leaf(F->rwx));
	assert_int_equal(pool.used, 3);
}

/* The largest page that va, pa and what is left all allow. */
static void test_mixed_sizes(void **state)
{
	(void)state;
	init(true);
	/* 4K, then 2M, then 4K */
	assert_int_equal(pt_map(&pt, MiB(2) - P, MiB(2) - P, MiB(2) + 2 * P, F->rwx), PT_OK);
	assert_int_equal(level_of(MiB(2) - P), 0);
	assert_int_equal(level_of(MiB(2)), 1);
	assert_int_equal(level_of(MiB(4)), 0);
	expect_unmapped(MiB(2) - 2 * P);
	expect_unmapped(MiB(4) + P);
	expect_mapped(MiB(3), MiB(3), leaf(F->rwx));

	/* 2M, 1G, 2M */
	assert_int_equal(pt_map(&pt, GiB(2) - MiB(2), GiB(8) - MiB(2), GiB(1) + MiB(4), F->rx),
			 PT_OK);
	assert_int_equal(level_of(GiB(2) - MiB(2)), 1);
	assert_int_equal(level_of(GiB(2)), 2);
	assert_int_equal(level_of(GiB(3)), 1);
	expect_mapped(GiB(3) + MiB(1), GiB(9) + MiB(1), leaf(F->rx));
	expect_unmapped(GiB(3) + MiB(2));

	/* va 2M-aligned, pa only 4K-aligned: 4K pages all the way */
	assert_int_equal(pt_map(&pt, GiB(16), MiB(8) + P, MiB(4), F->ro), PT_OK);
	for (u64 off = 0; off < MiB(4); off += MiB(1))
		assert_int_equal(level_of(GiB(16) + off), 0);
	expect_mapped(GiB(16) + MiB(4) - P, MiB(12), leaf(F->ro));

	/* a 2M-sized range not 2M-aligned: 4K pages */
	assert_int_equal(pt_map(&pt, GiB(20) + P, GiB(20) + P, MiB(2), F->rx), PT_OK);
	assert_int_equal(level_of(GiB(20) + MiB(1)), 0);
}

/* --- flags ------------------------------------------------------------------------ */

static void test_leaf_rights(void **state)
{
	const u64 va = MiB(16);

	(void)state;
	init(false);
	/* text: read-execute; rodata: read-only; data: read-write, no execute */
	assert_int_equal(pt_map(&pt, va, MiB(1), P, F->rx), PT_OK);
	assert_int_equal(pt_map(&pt, va + P, MiB(1) + P, P, F->ro), PT_OK);
	assert_int_equal(pt_map(&pt, va + 2 * P, MiB(1) + 2 * P, P, F->rw), PT_OK);
	expect_mapped(va, MiB(1), leaf(F->rx));
	expect_mapped(va + P, MiB(1) + P, leaf(F->ro));
	expect_mapped(va + 2 * P, MiB(1) + 2 * P, leaf(F->rw));
	/* MMIO: caching bits (x86: and user, global) kept as given */
	assert_int_equal(pt_map(&pt, va + 3 * P, 0xfee00000, P, F->rw | F->kept), PT_OK);
	expect_mapped(va + 3 * P, 0xfee00000, leaf(F->rw | F->kept));
	/* the tables above do not restrict (walk checks them): the leaf decides */
	u64 e;
	assert_int_equal(walk(va, &e), 0);
	assert_int_equal(e, MiB(1) | leaf(F->rx));
}

static void test_address_bits_and_ps_in_flags_ignored(void **state)
{
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(16), MiB(32), P, F->rwx | PTE_PS | 0xabcdef000ull), PT_OK);
	assert_int_equal(walk(MiB(16), &e), 0);
	assert_int_equal(e, MiB(32) | leaf(F->rwx));	/* no PS in a 4K entry (x86: it is PAT) */
	assert_int_equal(pt_map(&pt, MiB(64), MiB(64), MiB(2), F->ro | 0x1234000ull), PT_OK);
	assert_int_equal(walk(MiB(64), &e), 1);
	assert_int_equal(e, MiB(64) | PTE_PS | leaf(F->ro));
}

/* --- refusals ------------------------------------------------------------------------- */

struct range {
	u64 va, pa, size;
};

/* Each range must be refused, with nothing mapped and no table made. */
static void expect_refused(const struct range *bad, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		int rc = pt_map(&pt, bad[i].va, bad[i].pa, bad[i].size, F->rwx);
		if (rc != PT_EINVAL)
			fail_msg("case %u: pt_map gave %d, not PT_EINVAL", i, rc);
		expect_unmapped(ALIGN_DOWN(bad[i].va, P));
	}
	assert_int_equal(pool.used, 1);
}

static void test_invalid_ranges(void **state)
{
	static const struct range bad[] = {
		{ MiB(1) + 8, MiB(1), P },			/* va unaligned */
		{ MiB(1), MiB(1) + 0x800, P },			/* pa unaligned */
		{ MiB(1), MiB(1), P + 1 },			/* size unaligned */
		{ 0xffffffffffe00000ull, 0, MiB(4) },		/* wraps past 2^64 */
		{ MiB(1), 1ull << 52, P },			/* pa beyond 52 bits */
		{ MiB(1), (1ull << 52) - P, 2 * P },		/* pa runs past 2^52 */
	};

	(void)state;
	init(true);
	expect_refused(bad, ARRAY_SIZE(bad));
}

/* x86 addresses are virtual: canonical, in two halves. */
static void test_x86_canonical(void **state)
{
	static const struct range bad[] = {
		{ 1ull << 47, 0, P },				/* non-canonical */
		{ 0xffff7ffffffff000ull, 0, P },		/* non-canonical */
		{ (1ull << 47) - P, 0, 2 * P },			/* runs into the hole */
	};

	(void)state;
	init(true);
	expect_refused(bad, ARRAY_SIZE(bad));

	/* the upper half itself is fine */
	assert_int_equal(pt_map(&pt, 0xffffffff80000000ull, MiB(2), MiB(2), 0), PT_OK);
	expect_mapped(0xffffffff80001234ull, MiB(2) + 0x1234, PTE_P);
	expect_unmapped(0x7fff80000000ull);	/* same low bits, other half */
	assert_int_equal(pt_map(&pt, (1ull << 47) - P, 0, P, 0), PT_OK);

	/* nor does the non-canonical twin of a mapped page translate */
	u64 pa, flags;
	assert_false(pt_lookup(&pt, 0x0000ffff80001234ull, &pa, &flags));
	/* a range from one half into the other would cover the hole */
	const u64 low = (1ull << 47) - P, cross = 0xffffffff80000000ull + P - low;
	assert_int_equal(pt_map(&pt, low - P, 0, cross, 0), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, low, cross), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, low, cross, PTE_W), PT_EINVAL);
	expect_mapped(low, 0, PTE_P);
	expect_mapped(0xffffffff80000000ull, MiB(2), PTE_P);
}

/* EPT addresses are guest-physical: anything below 2^48, nothing above. */
static void test_ept_address_space(void **state)
{
	static const struct range bad[] = {
		{ 1ull << 48, 0, P },				/* beyond 48 bits */
		{ (1ull << 48) - P, 0, 2 * P },			/* runs past 2^48 */
		{ 0xffff800000000000ull, 0, P },		/* canonical, still beyond */
		{ 0xfffffffffffff000ull, 0, P },
	};

	(void)state;
	init(true);
	expect_refused(bad, ARRAY_SIZE(bad));

	/* no hole at 2^47 */
	assert_int_equal(pt_map(&pt, (1ull << 47) - P, MiB(1), 2 * P, EPT_R), PT_OK);
	expect_mapped(1ull << 47, MiB(1) + P, EPT_R);
	assert_int_equal(pt_map(&pt, (1ull << 48) - MiB(2), MiB(2), MiB(2), EPT_R), PT_OK);
	assert_int_equal(level_of((1ull << 48) - 1), 1);
}

static void test_size_zero(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(1), MiB(1), 0, F->rwx), PT_OK);
	expect_unmapped(MiB(1));
	assert_int_equal(pool.used, 1);
	assert_int_equal(pt_unmap(&pt, MiB(1), 0), PT_OK);
}

static void test_overlap_refused_unchanged(void **state)
{
	const u64 va = MiB(16) + 8 * P;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, va, GiB(1), 4 * P, F->rwx), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_map(&pt, va, GiB(2), 4 * P, F->rx), PT_EEXIST);
	assert_int_equal(pt_map(&pt, va - 2 * P, GiB(2), 3 * P, F->rx), PT_EEXIST);
	expect_unmapped(va - 2 * P);			/* nothing of it mapped */
	expect_unmapped(va - P);
	assert_int_equal(pt_map(&pt, va + 3 * P, GiB(2), 2 * P, F->rx), PT_EEXIST);
	expect_unmapped(va + 4 * P);
	/* a 2M page around the small ones */
	assert_int_equal(pt_map(&pt, MiB(16), GiB(2), MiB(2), F->rx), PT_EEXIST);
	expect_unmapped(MiB(16));
	/* a big range that merely ends in it */
	assert_int_equal(pt_map(&pt, 0, 0, va + P, F->rx), PT_EEXIST);
	expect_unmapped(0);
	assert_int_equal(pool.used, used);
	for (u32 i = 0; i < 4; i++)
		expect_mapped(va + i * P, GiB(1) + i * P, leaf(F->rwx));

	/* touching is not overlapping */
	assert_int_equal(pt_map(&pt, va + 4 * P, GiB(3), P, F->rx), PT_OK);
	assert_int_equal(pt_map(&pt, va - P, GiB(3) + P, P, F->rx), PT_OK);
	expect_mapped(va + 4 * P, GiB(3), leaf(F->rx));
	expect_mapped(va - P, GiB(3) + P, leaf(F->rx));
}

static void test_overlap_with_large_pages(void **state)
{
	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), F->rwx), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(4), GiB(4), GiB(1), F->rwx), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_map(&pt, MiB(33), 0, P, F->rx), PT_EEXIST);
	assert_int_equal(pt_map(&pt, MiB(34) - P, 0, 2 * P, F->rx), PT_EEXIST);
	assert_int_equal(pt_map(&pt, GiB(4) + MiB(500), 0, MiB(2), F->rx), PT_EEXIST);
	assert_int_equal(pt_map(&pt, GiB(5) - P, 0, P, F->rx), PT_EEXIST);
	assert_int_equal(pool.used, used);		/* nothing split */
	assert_int_equal(level_of(MiB(33)), 1);
	assert_int_equal(level_of(GiB(4) + MiB(500)), 2);
	expect_mapped(MiB(33), MiB(65), leaf(F->rwx));
	expect_mapped(GiB(5) - P, GiB(5) - P, leaf(F->rwx));
}

/* An address outside the space is refused, not taken for the one inside
 * with the same bits 47:12 (for both formats, 2^48 would be page 0). */
static void test_outside_not_aliased(void **state)
{
	u64 pa, flags;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, 0, MiB(1), P, F->rw), PT_OK);
	assert_int_equal(pt_map(&pt, F->top, MiB(2), P, F->rw), PT_OK);
	assert_false(pt_lookup(&pt, 1ull << 48, &pa, &flags));
	assert_int_equal(pt_unmap(&pt, 1ull << 48, P), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, 1ull << 48, P, F->ro), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, F->top, 2 * P), PT_EINVAL);	/* runs out */
	assert_int_equal(pt_protect(&pt, F->top, 2 * P, F->ro), PT_EINVAL);
	expect_mapped(0, MiB(1), leaf(F->rw));
	expect_mapped(F->top, MiB(2), leaf(F->rw));
}

/* --- unmapping --------------------------------------------------------------------------- */

static void test_unmap_4k(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(1), MiB(9), 4 * P, F->rwx), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(1) + P, 2 * P), PT_OK);
	expect_mapped(MiB(1), MiB(9), leaf(F->rwx));
	expect_unmapped(MiB(1) + P);
	expect_unmapped(MiB(1) + 2 * P);
	expect_mapped(MiB(1) + 3 * P, MiB(9) + 3 * P, leaf(F->rwx));
	/* mapped again, elsewhere */
	assert_int_equal(pt_map(&pt, MiB(1) + P, GiB(1), 2 * P, F->rx), PT_OK);
	expect_mapped(MiB(1) + 2 * P, GiB(1) + P, leaf(F->rx));
}

static void test_unmap_whole_large_pages(void **state)
{
	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), F->rwx), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(4), GiB(4), GiB(1), F->rwx), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_unmap(&pt, MiB(32), MiB(2)), PT_OK);
	assert_int_equal(pt_unmap(&pt, GiB(4), GiB(1)), PT_OK);
	assert_int_equal(pool.used, used);		/* dropped, not split */
	expect_unmapped(MiB(32));
	expect_unmapped(MiB(34) - P);
	expect_unmapped(GiB(4) + MiB(700));
}

static void test_unmap_splits_2m(void **state)
{
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), F->rw | F->kept), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_unmap(&pt, MiB(32) + 5 * P, P), PT_OK);
	assert_int_equal(pool.used, used + 1);		/* one PT */
	for (u64 i = 0; i < 512; i++) {
		u64 va = MiB(32) + i * P;
		if (i == 5) {
			expect_unmapped(va);
			continue;
		}
		assert_int_equal(walk(va, &e), 0);
		assert_int_equal(e, (MiB(64) + i * P) | leaf(F->rw | F->kept));
		expect_mapped(va + 7, MiB(64) + i * P + 7, leaf(F->rw | F->kept));
	}
}

/* A range that starts inside one large page and ends inside the next. */
static void test_unmap_across_two_2m(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(4), F->rx), PT_OK);
	assert_int_equal(level_of(MiB(34)), 1);
	assert_int_equal(pt_unmap(&pt, MiB(33), MiB(2)), PT_OK);
	expect_mapped(MiB(33) - P, MiB(65) - P, leaf(F->rx));
	expect_unmapped(MiB(33));
	expect_unmapped(MiB(34));
	expect_unmapped(MiB(35) - P);
	expect_mapped(MiB(35), MiB(67), leaf(F->rx));
	expect_mapped(MiB(36) - P, MiB(68) - P, leaf(F->rx));
}

static void test_unmap_splits_1g(void **state)
{
	u64 e;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(4), GiB(1), F->rw | F->kept), PT_OK);
	u32 used = pool.used;

	/* a 2M hole: the 1G page becomes 2M pages */
	assert_int_equal(pt_unmap(&pt, GiB(1) + MiB(2), MiB(2)), PT_OK);
	assert_int_equal(pool.used, used + 1);
	for (u64 i = 0; i < 512; i++) {
		u64 va = GiB(1) + i * MiB(2);
		if (i == 1) {
			expect_unmapped(va);
			continue;
		}
		assert_int_equal(walk(va, &e), 1);
		assert_int_equal(e, (GiB(4) + i * MiB(2)) | PTE_PS | leaf(F->rw | F->kept));
	}
	/* a 4K hole in one of those: 4K pages there only */
	assert_int_equal(pt_unmap(&pt, GiB(1) + P, P), PT_OK);
	assert_int_equal(pool.used, used + 2);
	expect_mapped(GiB(1), GiB(4), leaf(F->rw | F->kept));
	expect_unmapped(GiB(1) + P);
	expect_mapped(GiB(1) + 2 * P, GiB(4) + 2 * P, leaf(F->rw | F->kept));
	assert_int_equal(level_of(GiB(1)), 0);
	assert_int_equal(level_of(GiB(1) + MiB(4)), 1);

	/* a 4K hole straight in a 1G page: split twice */
	assert_int_equal(pt_map(&pt, GiB(8), GiB(8), GiB(1), F->rx), PT_OK);
	used = pool.used;
	assert_int_equal(pt_unmap(&pt, GiB(9) - P, P), PT_OK);
	assert_int_equal(pool.used, used + 2);
	expect_mapped(GiB(9) - 2 * P, GiB(9) - 2 * P, leaf(F->rx));
	expect_unmapped(GiB(9) - P);
	assert_int_equal(level_of(GiB(8)), 1);
}

static void test_unmap_holes_and_errors(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_unmap(&pt, GiB(1), GiB(2)), PT_OK);	/* nothing there */
	assert_int_equal(pool.used, 1);

	assert_int_equal(pt_map(&pt, GiB(1) + P, 0x100000, P, F->rx), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(1) + MiB(6), MiB(6), MiB(2), F->rx), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(2) - P, 0x200000, P, F->rx), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(1) + P, P), PT_OK);	/* a hole */
	assert_int_equal(pt_unmap(&pt, GiB(1) + 8, P), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, GiB(1), P + 8), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, 0xfffffffffff00000ull, MiB(2)), PT_EINVAL);
	expect_mapped(GiB(1) + P, 0x100000, leaf(F->rx));

	assert_int_equal(pt_unmap(&pt, GiB(1), GiB(1)), PT_OK);
	expect_unmapped(GiB(1) + P);
	expect_unmapped(GiB(1) + MiB(7));
	expect_unmapped(GiB(2) - P);
}

/* After everything in a 2 MiB block was unmapped, a 2M page can go there. */
static void test_remap_as_large_page(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64) + P, MiB(2), F->rwx), PT_OK);
	assert_int_equal(level_of(MiB(32)), 0);
	assert_int_equal(pt_unmap(&pt, MiB(32), MiB(2)), PT_OK);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(128), MiB(2), F->rx), PT_OK);
	assert_int_equal(level_of(MiB(32)), 1);
	expect_mapped(MiB(33), MiB(129), leaf(F->rx));
}

/* --- running out of table pages ---------------------------------------------------------- */

static void test_no_memory_for_tables(void **state)
{
	(void)state;
	init(false);
	pool.limit = 2;			/* the 4K page needs three tables */
	assert_int_equal(pt_map(&pt, GiB(1), MiB(1), P, F->rwx), PT_ENOMEM);
	expect_unmapped(GiB(1));
	pool.limit = POOL_MAX;
	assert_int_equal(pt_map(&pt, GiB(1), MiB(1), P, F->rwx), PT_OK);
	expect_mapped(GiB(1), MiB(1), leaf(F->rwx));
	assert_int_equal(pool.used, 4);		/* the PDPT made before is reused */
}

static void test_no_memory_for_split(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), F->rwx), PT_OK);
	pool.limit = pool.used;
	assert_int_equal(pt_unmap(&pt, MiB(33), P), PT_ENOMEM);
	/* the large page is untouched */
	assert_int_equal(level_of(MiB(33)), 1);
	expect_mapped(MiB(33), MiB(65), leaf(F->rwx));
}

/* --- limits of the address spaces --------------------------------------------------------- */

/* The physical address may not wrap past 2^64 into small numbers. */
static void test_pa_wrap_refused(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(1), 0xfffffffffffff000ull, 2 * P, F->rwx), PT_EINVAL);
	expect_unmapped(GiB(1));
	expect_unmapped(GiB(1) + P);
}

/* The last page of the address space. */
static void test_top_page(void **state)
{
	const u64 va = F->top;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, MiB(1), P, F->rwx), PT_OK);
	expect_mapped(va + 0xfff, MiB(1) + 0xfff, leaf(F->rwx));
	assert_int_equal(pt_unmap(&pt, va, P), PT_OK);
	expect_unmapped(va);
}

/* The last page a 52-bit physical address can name. */
static void test_top_physical_page(void **state)
{
	const u64 pa = 0x000ffffffffff000ull;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(1), pa, P, F->ro), PT_OK);
	expect_mapped(GiB(1) + 0xabc, pa + 0xabc, leaf(F->ro));
}

/* pt_destroy hands back each table page exactly once, the root last,
 * and keeps the pool's pages (teardown frees them) for counting. */
static u32 freed_count;
static const u64 *freed[POOL_MAX];

static void count_free(u64 *table, void *ctx)
{
	assert_ptr_equal(ctx, &pool);
	assert_true(from_pool(table));
	for (u32 i = 0; i < freed_count; i++)
		assert_ptr_not_equal(freed[i], table);
	freed[freed_count++] = table;
}

static void test_destroy_frees_every_table(void **state)
{
	(void)state;
	init(true);
	/* Tables at every level: 4K pages (a PT), a split 2M page, a 1G page
	 * elsewhere, and a second PML4 slot. */
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, 3 * P, F->rwx), PT_OK);
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2), MiB(2), F->rwx), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(2) + P, P), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(3), GiB(3), GiB(1), F->rwx), PT_OK);
	assert_int_equal(pt_map(&pt, 1ull << 40, 0x5000, P, F->rx), PT_OK);
	u64 *root = pt.root;
	freed_count = 0;
	pt_destroy(&pt, count_free);
	assert_int_equal(freed_count, pool.used);
	assert_ptr_equal(freed[freed_count - 1], root);
	assert_null(pt.root);
}

/* --- protect ---------------------------------------------------------------------------- */

/* New rights on whole pages keep the addresses and the page sizes. */
static void test_protect_whole_pages(void **state)
{
	u64 e;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(3), GiB(1) + MiB(2) + P, F->rwx), PT_OK);
	assert_int_equal(pt_protect(&pt, GiB(1), GiB(1) + MiB(2) + P, F->ro | F->kept), PT_OK);
	assert_int_equal(walk(GiB(1), &e), 2);
	assert_int_equal(e, GiB(3) | PTE_PS | leaf(F->ro | F->kept));
	assert_int_equal(walk(GiB(2), &e), 1);
	assert_int_equal(e, (GiB(4)) | PTE_PS | leaf(F->ro | F->kept));
	assert_int_equal(walk(GiB(2) + MiB(2), &e), 0);
	assert_int_equal(e, (GiB(4) + MiB(2)) | leaf(F->ro | F->kept));
	expect_mapped(GiB(1) + 123, GiB(3) + 123, leaf(F->ro | F->kept));
}

/* A range inside a large page splits it: the pages inside change, the
 * others keep their rights. */
static void test_protect_splits_2m(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(4), F->rwx | F->kept), PT_OK);
	assert_int_equal(pt_protect(&pt, MiB(33), MiB(2), F->rx), PT_OK);	/* read-only */
	expect_mapped(MiB(33) - P, MiB(65) - P, leaf(F->rwx | F->kept));
	expect_mapped(MiB(33), MiB(65), leaf(F->rx));
	expect_mapped(MiB(35) - P, MiB(67) - P, leaf(F->rx));
	expect_mapped(MiB(35), MiB(67), leaf(F->rwx | F->kept));
	assert_int_equal(level_of(MiB(33)), 0);
	assert_int_equal(level_of(MiB(35)), 0);
}

/* Holes stay holes; bad ranges change nothing; no memory to split leaves
 * the large page as it was. */
static void test_protect_holes_and_errors(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), F->rwx), PT_OK);
	assert_int_equal(pt_protect(&pt, MiB(30), MiB(6), F->ro), PT_OK);
	expect_unmapped(MiB(30));
	expect_unmapped(MiB(34));
	expect_mapped(MiB(32), MiB(64), leaf(F->ro));
	assert_int_equal(pt_protect(&pt, MiB(32) + 8, P, F->rwx), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, MiB(32), P + 8, F->rwx), PT_EINVAL);
	pool.limit = pool.used;
	assert_int_equal(pt_protect(&pt, MiB(33), P, F->rwx), PT_ENOMEM);
	assert_int_equal(level_of(MiB(33)), 1);
	expect_mapped(MiB(33), MiB(65), leaf(F->ro));
	/* Address bits and PS in the flags are not flags. */
	pool.limit = POOL_MAX;
	assert_int_equal(pt_protect(&pt, MiB(32), MiB(2), F->rwx | PTE_PS | 0xabc000ull), PT_OK);
	assert_int_equal(level_of(MiB(32)), 1);
	expect_mapped(MiB(32), MiB(64), leaf(F->rwx));
}

/* --- what EPT alone has ----------------------------------------------------------------- */

/* Any one of read, write and execute makes an EPT entry present, for each
 * step that asks: lookup, refusing an overlap, splitting, protecting.
 * Write alone is the caller's to refuse, not this code's. */
static void test_ept_one_right_is_present(void **state)
{
	static const u64 rights[] = { EPT_X, EPT_W, EPT_R };
	u64 e;

	(void)state;
	init(false);
	for (u32 i = 0; i < ARRAY_SIZE(rights); i++) {
		u64 va = MiB(32) + i * MiB(2), pa = GiB(1) + i * MiB(2), f = rights[i] | EPT_MT_WB;

		assert_int_equal(pt_map(&pt, va, pa, MiB(2), f), PT_OK);
		assert_int_equal(walk(va, &e), 1);
		assert_int_equal(e, pa | PTE_PS | f);
		expect_mapped(va + 5, pa + 5, f);
		assert_int_equal(pt_map(&pt, va + P, 0, P, EPT_R), PT_EEXIST);
		/* a hole splits it; the pages left keep the right */
		assert_int_equal(pt_unmap(&pt, va + P, P), PT_OK);
		assert_int_equal(level_of(va), 0);
		expect_mapped(va, pa, f);
		expect_unmapped(va + P);
		expect_mapped(va + MiB(2) - P, pa + MiB(2) - P, f);
		/* the right alone, no memory type, on a 4K page */
		assert_int_equal(pt_protect(&pt, va, P, rights[i]), PT_OK);
		expect_mapped(va, pa, rights[i]);
		assert_int_equal(pt_map(&pt, va, 0, P, EPT_R), PT_EEXIST);
	}
}

/* A leaf that allows nothing would not be present: mapping or protecting
 * with such flags is refused and changes nothing. */
static void test_ept_no_access_refused(void **state)
{
	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(1), GiB(1), EPT_MT_WB | EPT_IGNORE_PAT), PT_EINVAL);
	assert_int_equal(pt_map(&pt, MiB(4), MiB(4), P, 0), PT_EINVAL);
	assert_int_equal(pool.used, 1);
	expect_unmapped(GiB(1));
	expect_unmapped(MiB(4));

	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), EPT_R | EPT_MT_WB), PT_OK);
	assert_int_equal(pt_protect(&pt, MiB(32), P, EPT_MT_WB), PT_EINVAL);
	assert_int_equal(level_of(MiB(32)), 1);		/* not split */
	expect_mapped(MiB(32), MiB(64), EPT_R | EPT_MT_WB);
}

/* The memory type (bits 5:3) and ignore-PAT (bit 6) are kept as given,
 * through a split too. The numbers are the SDM's (table 29-6 and the
 * memory types of chapter 13). */
static void test_ept_memory_types(void **state)
{
	static const struct { u64 flag, type; } types[] = {
		{ EPT_MT_UC, 0 }, { EPT_MT_WC, 1 }, { EPT_MT_WT, 4 }, { EPT_MT_WP, 5 }, { EPT_MT_WB, 6 },
	};
	u64 e;

	(void)state;
	init(false);
	for (u32 i = 0; i < ARRAY_SIZE(types); i++) {
		u64 va = MiB(2) * (i + 1), pa = GiB(1) + va;
		u64 f = EPT_R | EPT_W | types[i].flag | (i & 1 ? EPT_IGNORE_PAT : 0);

		assert_int_equal(pt_map(&pt, va, pa, MiB(2), f), PT_OK);
		assert_int_equal(walk(va, &e), 1);
		assert_int_equal((e >> 3) & 7, types[i].type);
		assert_int_equal((e >> 6) & 1, i & 1);
		assert_int_equal(types[i].flag & ~EPT_MT_MASK, 0);
		assert_int_equal(pt_unmap(&pt, va + MiB(1), P), PT_OK);
		assert_int_equal(walk(va, &e), 0);
		assert_int_equal(e, pa | f);
		expect_mapped(va + MiB(2) - P, pa + MiB(2) - P, f);
	}
}

/* Each case runs with the format it is given as its state. */
#define ON(format, fn) { .name = #format "/" #fn, .test_func = fn, .setup_func = setup, \
			 .teardown_func = teardown, .initial_state = (void *)&format }
#define BOTH(fn) ON(x86, fn), ON(ept, fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_init),
		BOTH(test_protect_whole_pages),
		BOTH(test_protect_splits_2m),
		BOTH(test_protect_holes_and_errors),
		BOTH(test_init_without_memory),
		BOTH(test_map_4k),
		BOTH(test_map_2m),
		BOTH(test_map_1g),
		BOTH(test_1g_not_used_unless_allowed),
		BOTH(test_mixed_sizes),
		BOTH(test_leaf_rights),
		BOTH(test_address_bits_and_ps_in_flags_ignored),
		BOTH(test_invalid_ranges),
		ON(x86, test_x86_canonical),
		ON(ept, test_ept_address_space),
		BOTH(test_outside_not_aliased),
		BOTH(test_size_zero),
		BOTH(test_overlap_refused_unchanged),
		BOTH(test_overlap_with_large_pages),
		BOTH(test_unmap_4k),
		BOTH(test_unmap_whole_large_pages),
		BOTH(test_unmap_splits_2m),
		BOTH(test_unmap_across_two_2m),
		BOTH(test_unmap_splits_1g),
		BOTH(test_unmap_holes_and_errors),
		BOTH(test_remap_as_large_page),
		BOTH(test_no_memory_for_tables),
		BOTH(test_no_memory_for_split),
		BOTH(test_pa_wrap_refused),
		BOTH(test_top_page),
		BOTH(test_top_physical_page),
		BOTH(test_destroy_frees_every_table),
		ON(ept, test_ept_one_right_is_present),
		ON(ept, test_ept_no_access_refused),
		ON(ept, test_ept_memory_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
