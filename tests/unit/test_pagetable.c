/* Host tests for the x86-64 page-table code (arch/x86/pagetable.c). Table
 * pages come from a pool of heap pages; their host addresses serve as the
 * physical addresses in the entries, as they would in identity-mapped
 * lucid. The tables are checked both through pt_lookup() and by a walker
 * written here, which also says at which level the leaf sits, so the page
 * sizes chosen and the splits made are visible. */
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
#define TABLE_ENTRY_FLAGS (PTE_P | PTE_W | PTE_U)

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
	(void)state;
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
	assert_int_equal(pt_init(&pt, allow_1g, pool_alloc, &pool), PT_OK);
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

		if (!(e & PTE_P))
			return -1;
		if (level == 0 || (e & PTE_PS)) {
			assert_true(level < 3);		/* no leaves in the PML4 */
			*entry = e;
			return level;
		}
		if ((e & ~PTE_ADDR) != TABLE_ENTRY_FLAGS)
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
	assert_false(pt.allow_1g);
	expect_unmapped(0);
	expect_unmapped(0xffff800000000000ull);
	teardown(state);
	setup(state);
	init(true);
	assert_true(pt.allow_1g);
}

static void test_init_without_memory(void **state)
{
	(void)state;
	pool.limit = 0;
	assert_int_equal(pt_init(&pt, false, pool_alloc, &pool), PT_ENOMEM);
	assert_null(pt.root);
}

/* --- page sizes ---------------------------------------------------------------- */

static void test_map_4k(void **state)
{
	const u64 va = 0x12345000, pa = 0x7654321000ull;
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, pa, P, PTE_W | PTE_NX), PT_OK);
	expect_mapped(va, pa, PTE_P | PTE_W | PTE_NX);
	expect_mapped(va + 0x123, pa + 0x123, PTE_P | PTE_W | PTE_NX);
	expect_mapped(va + P - 1, pa + P - 1, PTE_P | PTE_W | PTE_NX);
	expect_unmapped(va - P);
	expect_unmapped(va + P);
	assert_int_equal(walk(va, &e), 0);
	assert_int_equal(e, pa | PTE_P | PTE_W | PTE_NX);
	assert_int_equal(pool.used, 4);		/* PML4, PDPT, PD, PT */
}

static void test_map_2m(void **state)
{
	const u64 va = GiB(1) + MiB(2), pa = MiB(6);
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, pa, MiB(2), 0), PT_OK);
	assert_int_equal(walk(va, &e), 1);
	assert_int_equal(e, pa | PTE_P | PTE_PS);
	expect_mapped(va, pa, PTE_P);			/* PS is not a leaf flag */
	expect_mapped(va + 0x1ff010, pa + 0x1ff010, PTE_P);
	expect_unmapped(va + MiB(2));
	expect_unmapped(va - P);
	assert_int_equal(pool.used, 3);		/* no PT */
}

static void test_map_1g(void **state)
{
	u64 e;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(2), GiB(5), GiB(1), PTE_W | PTE_NX), PT_OK);
	assert_int_equal(walk(GiB(2) + MiB(300), &e), 2);
	assert_int_equal(e, GiB(5) | PTE_P | PTE_PS | PTE_W | PTE_NX);
	expect_mapped(GiB(3) - 8, GiB(6) - 8, PTE_P | PTE_W | PTE_NX);
	expect_unmapped(GiB(3));
	assert_int_equal(pool.used, 2);
}

static void test_1g_not_used_unless_allowed(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(2), GiB(5), GiB(1), PTE_W), PT_OK);
	for (u64 off = 0; off < GiB(1); off += MiB(2))
		assert_int_equal(level_of(GiB(2) + off), 1);
	expect_mapped(GiB(2) + MiB(777) + 5, GiB(5) + MiB(777) + 5, PTE_P | PTE_W);
	assert_int_equal(pool.used, 3);
}

/* The largest page that va, pa and what is left all allow. */
static void test_mixed_sizes(void **state)
{
	(void)state;
	init(true);
	/* 4K, then 2M, then 4K */
	assert_int_equal(pt_map(&pt, MiB(2) - P, MiB(2) - P, MiB(2) + 2 * P, PTE_W), PT_OK);
	assert_int_equal(level_of(MiB(2) - P), 0);
	assert_int_equal(level_of(MiB(2)), 1);
	assert_int_equal(level_of(MiB(4)), 0);
	expect_unmapped(MiB(2) - 2 * P);
	expect_unmapped(MiB(4) + P);
	expect_mapped(MiB(3), MiB(3), PTE_P | PTE_W);

	/* 2M, 1G, 2M */
	assert_int_equal(pt_map(&pt, GiB(2) - MiB(2), GiB(8) - MiB(2), GiB(1) + MiB(4), 0), PT_OK);
	assert_int_equal(level_of(GiB(2) - MiB(2)), 1);
	assert_int_equal(level_of(GiB(2)), 2);
	assert_int_equal(level_of(GiB(3)), 1);
	expect_mapped(GiB(3) + MiB(1), GiB(9) + MiB(1), PTE_P);
	expect_unmapped(GiB(3) + MiB(2));

	/* va 2M-aligned, pa only 4K-aligned: 4K pages all the way */
	assert_int_equal(pt_map(&pt, GiB(16), MiB(8) + P, MiB(4), PTE_NX), PT_OK);
	for (u64 off = 0; off < MiB(4); off += MiB(1))
		assert_int_equal(level_of(GiB(16) + off), 0);
	expect_mapped(GiB(16) + MiB(4) - P, MiB(12), PTE_P | PTE_NX);

	/* a 2M-sized range not 2M-aligned: 4K pages */
	assert_int_equal(pt_map(&pt, GiB(20) + P, GiB(20) + P, MiB(2), 0), PT_OK);
	assert_int_equal(level_of(GiB(20) + MiB(1)), 0);
}

/* --- flags ------------------------------------------------------------------------ */

static void test_leaf_rights(void **state)
{
	const u64 va = MiB(16);

	(void)state;
	init(false);
	/* text: read-execute; rodata: read-only; data: read-write, no execute */
	assert_int_equal(pt_map(&pt, va, MiB(1), P, 0), PT_OK);
	assert_int_equal(pt_map(&pt, va + P, MiB(1) + P, P, PTE_NX), PT_OK);
	assert_int_equal(pt_map(&pt, va + 2 * P, MiB(1) + 2 * P, P, PTE_W | PTE_NX), PT_OK);
	expect_mapped(va, MiB(1), PTE_P);
	expect_mapped(va + P, MiB(1) + P, PTE_P | PTE_NX);
	expect_mapped(va + 2 * P, MiB(1) + 2 * P, PTE_P | PTE_W | PTE_NX);
	/* MMIO: uncached; user, global kept as given */
	assert_int_equal(pt_map(&pt, va + 3 * P, 0xfee00000, P,
				PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_U | PTE_G), PT_OK);
	expect_mapped(va + 3 * P, 0xfee00000,
		      PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_U | PTE_G);
	/* the tables above do not restrict: only the leaf decides */
	u64 e;
	assert_int_equal(walk(va, &e), 0);
	assert_int_equal(e & (PTE_W | PTE_NX), 0);
}

static void test_address_bits_and_ps_in_flags_ignored(void **state)
{
	u64 e;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(16), MiB(32), P, PTE_W | PTE_PS | 0xabcdef000ull), PT_OK);
	assert_int_equal(walk(MiB(16), &e), 0);
	assert_int_equal(e, MiB(32) | PTE_P | PTE_W);	/* no PS in a 4K entry (it is PAT) */
	assert_int_equal(pt_map(&pt, MiB(64), MiB(64), MiB(2), PTE_NX | 0x1234000ull), PT_OK);
	assert_int_equal(walk(MiB(64), &e), 1);
	assert_int_equal(e, MiB(64) | PTE_P | PTE_PS | PTE_NX);
}

/* --- refusals ------------------------------------------------------------------------- */

static void test_invalid_ranges(void **state)
{
	static const struct { u64 va, pa, size; } bad[] = {
		{ MiB(1) + 8, MiB(1), P },			/* va unaligned */
		{ MiB(1), MiB(1) + 0x800, P },			/* pa unaligned */
		{ MiB(1), MiB(1), P + 1 },			/* size unaligned */
		{ 1ull << 47, 0, P },				/* non-canonical */
		{ 0xffff7ffffffff000ull, 0, P },		/* non-canonical */
		{ (1ull << 47) - P, 0, 2 * P },			/* runs into the hole */
		{ 0xffffffffffe00000ull, 0, MiB(4) },		/* wraps past 2^64 */
		{ MiB(1), 1ull << 52, P },			/* pa beyond 52 bits */
		{ MiB(1), (1ull << 52) - P, 2 * P },		/* pa runs past 2^52 */
	};

	(void)state;
	init(true);
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = pt_map(&pt, bad[i].va, bad[i].pa, bad[i].size, PTE_W);
		if (rc != PT_EINVAL)
			fail_msg("case %u: pt_map gave %d, not PT_EINVAL", i, rc);
		expect_unmapped(ALIGN_DOWN(bad[i].va, P));
	}
	assert_int_equal(pool.used, 1);

	/* the upper half itself is fine */
	assert_int_equal(pt_map(&pt, 0xffffffff80000000ull, MiB(2), MiB(2), 0), PT_OK);
	expect_mapped(0xffffffff80001234ull, MiB(2) + 0x1234, PTE_P);
	expect_unmapped(0x7fff80000000ull);	/* same low bits, other half */
	assert_int_equal(pt_map(&pt, (1ull << 47) - P, 0, P, 0), PT_OK);
}

static void test_size_zero(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(1), MiB(1), 0, PTE_W), PT_OK);
	expect_unmapped(MiB(1));
	assert_int_equal(pool.used, 1);
	assert_int_equal(pt_unmap(&pt, MiB(1), 0), PT_OK);
}

static void test_overlap_refused_unchanged(void **state)
{
	const u64 va = MiB(16) + 8 * P;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, va, GiB(1), 4 * P, PTE_W), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_map(&pt, va, GiB(2), 4 * P, 0), PT_EEXIST);
	assert_int_equal(pt_map(&pt, va - 2 * P, GiB(2), 3 * P, 0), PT_EEXIST);
	expect_unmapped(va - 2 * P);			/* nothing of it mapped */
	expect_unmapped(va - P);
	assert_int_equal(pt_map(&pt, va + 3 * P, GiB(2), 2 * P, 0), PT_EEXIST);
	expect_unmapped(va + 4 * P);
	/* a 2M page around the small ones */
	assert_int_equal(pt_map(&pt, MiB(16), GiB(2), MiB(2), 0), PT_EEXIST);
	expect_unmapped(MiB(16));
	/* a big range that merely ends in it */
	assert_int_equal(pt_map(&pt, 0, 0, va + P, 0), PT_EEXIST);
	expect_unmapped(0);
	assert_int_equal(pool.used, used);
	for (u32 i = 0; i < 4; i++)
		expect_mapped(va + i * P, GiB(1) + i * P, PTE_P | PTE_W);

	/* touching is not overlapping */
	assert_int_equal(pt_map(&pt, va + 4 * P, GiB(3), P, 0), PT_OK);
	assert_int_equal(pt_map(&pt, va - P, GiB(3) + P, P, 0), PT_OK);
	expect_mapped(va + 4 * P, GiB(3), PTE_P);
	expect_mapped(va - P, GiB(3) + P, PTE_P);
}

static void test_overlap_with_large_pages(void **state)
{
	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), PTE_W), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(4), GiB(4), GiB(1), PTE_W), PT_OK);
	u32 used = pool.used;

	assert_int_equal(pt_map(&pt, MiB(33), 0, P, 0), PT_EEXIST);
	assert_int_equal(pt_map(&pt, MiB(34) - P, 0, 2 * P, 0), PT_EEXIST);
	assert_int_equal(pt_map(&pt, GiB(4) + MiB(500), 0, MiB(2), 0), PT_EEXIST);
	assert_int_equal(pt_map(&pt, GiB(5) - P, 0, P, 0), PT_EEXIST);
	assert_int_equal(pool.used, used);		/* nothing split */
	assert_int_equal(level_of(MiB(33)), 1);
	assert_int_equal(level_of(GiB(4) + MiB(500)), 2);
	expect_mapped(MiB(33), MiB(65), PTE_P | PTE_W);
	expect_mapped(GiB(5) - P, GiB(5) - P, PTE_P | PTE_W);
}

/* --- unmapping --------------------------------------------------------------------------- */

static void test_unmap_4k(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(1), MiB(9), 4 * P, PTE_W), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(1) + P, 2 * P), PT_OK);
	expect_mapped(MiB(1), MiB(9), PTE_P | PTE_W);
	expect_unmapped(MiB(1) + P);
	expect_unmapped(MiB(1) + 2 * P);
	expect_mapped(MiB(1) + 3 * P, MiB(9) + 3 * P, PTE_P | PTE_W);
	/* mapped again, elsewhere */
	assert_int_equal(pt_map(&pt, MiB(1) + P, GiB(1), 2 * P, 0), PT_OK);
	expect_mapped(MiB(1) + 2 * P, GiB(1) + P, PTE_P);
}

static void test_unmap_whole_large_pages(void **state)
{
	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), PTE_W), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(4), GiB(4), GiB(1), PTE_W), PT_OK);
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
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), PTE_W | PTE_NX | PTE_G), PT_OK);
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
		assert_int_equal(e, (MiB(64) + i * P) | PTE_P | PTE_W | PTE_NX | PTE_G);
		expect_mapped(va + 7, MiB(64) + i * P + 7, PTE_P | PTE_W | PTE_NX | PTE_G);
	}
}

/* A range that starts inside one large page and ends inside the next. */
static void test_unmap_across_two_2m(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(4), 0), PT_OK);
	assert_int_equal(level_of(MiB(34)), 1);
	assert_int_equal(pt_unmap(&pt, MiB(33), MiB(2)), PT_OK);
	expect_mapped(MiB(33) - P, MiB(65) - P, PTE_P);
	expect_unmapped(MiB(33));
	expect_unmapped(MiB(34));
	expect_unmapped(MiB(35) - P);
	expect_mapped(MiB(35), MiB(67), PTE_P);
	expect_mapped(MiB(36) - P, MiB(68) - P, PTE_P);
}

static void test_unmap_splits_1g(void **state)
{
	u64 e;

	(void)state;
	init(true);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(4), GiB(1), PTE_W | PTE_NX), PT_OK);
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
		assert_int_equal(e, (GiB(4) + i * MiB(2)) | PTE_P | PTE_PS | PTE_W | PTE_NX);
	}
	/* a 4K hole in one of those: 4K pages there only */
	assert_int_equal(pt_unmap(&pt, GiB(1) + P, P), PT_OK);
	assert_int_equal(pool.used, used + 2);
	expect_mapped(GiB(1), GiB(4), PTE_P | PTE_W | PTE_NX);
	expect_unmapped(GiB(1) + P);
	expect_mapped(GiB(1) + 2 * P, GiB(4) + 2 * P, PTE_P | PTE_W | PTE_NX);
	assert_int_equal(level_of(GiB(1)), 0);
	assert_int_equal(level_of(GiB(1) + MiB(4)), 1);

	/* a 4K hole straight in a 1G page: split twice */
	assert_int_equal(pt_map(&pt, GiB(8), GiB(8), GiB(1), 0), PT_OK);
	used = pool.used;
	assert_int_equal(pt_unmap(&pt, GiB(9) - P, P), PT_OK);
	assert_int_equal(pool.used, used + 2);
	expect_mapped(GiB(9) - 2 * P, GiB(9) - 2 * P, PTE_P);
	expect_unmapped(GiB(9) - P);
	assert_int_equal(level_of(GiB(8)), 1);
}

static void test_unmap_holes_and_errors(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_unmap(&pt, GiB(1), GiB(2)), PT_OK);	/* nothing there */
	assert_int_equal(pool.used, 1);

	assert_int_equal(pt_map(&pt, GiB(1) + P, 0x100000, P, 0), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(1) + MiB(6), MiB(6), MiB(2), 0), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(2) - P, 0x200000, P, 0), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(1) + P, P), PT_OK);	/* a hole */
	assert_int_equal(pt_unmap(&pt, GiB(1) + 8, P), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, GiB(1), P + 8), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, 0xfffffffffff00000ull, MiB(2)), PT_EINVAL);
	expect_mapped(GiB(1) + P, 0x100000, PTE_P);

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
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64) + P, MiB(2), PTE_W), PT_OK);
	assert_int_equal(level_of(MiB(32)), 0);
	assert_int_equal(pt_unmap(&pt, MiB(32), MiB(2)), PT_OK);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(128), MiB(2), 0), PT_OK);
	assert_int_equal(level_of(MiB(32)), 1);
	expect_mapped(MiB(33), MiB(129), PTE_P);
}

/* --- running out of table pages ---------------------------------------------------------- */

static void test_no_memory_for_tables(void **state)
{
	(void)state;
	init(false);
	pool.limit = 2;			/* the 4K page needs three tables */
	assert_int_equal(pt_map(&pt, GiB(1), MiB(1), P, PTE_W), PT_ENOMEM);
	expect_unmapped(GiB(1));
	pool.limit = POOL_MAX;
	assert_int_equal(pt_map(&pt, GiB(1), MiB(1), P, PTE_W), PT_OK);
	expect_mapped(GiB(1), MiB(1), PTE_P | PTE_W);
	assert_int_equal(pool.used, 4);		/* the PDPT made before is reused */
}

static void test_no_memory_for_split(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), PTE_W), PT_OK);
	pool.limit = pool.used;
	assert_int_equal(pt_unmap(&pt, MiB(33), P), PT_ENOMEM);
	/* the large page is untouched */
	assert_int_equal(level_of(MiB(33)), 1);
	expect_mapped(MiB(33), MiB(65), PTE_P | PTE_W);
}

/* --- limits of the address spaces --------------------------------------------------------- */

/* The physical address may not wrap past 2^64 into small numbers. */
static void test_pa_wrap_refused(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(1), 0xfffffffffffff000ull, 2 * P, PTE_W), PT_EINVAL);
	expect_unmapped(GiB(1));
	expect_unmapped(GiB(1) + P);
}

/* The last page of the (canonical, aligned) virtual address space. */
static void test_top_virtual_page(void **state)
{
	const u64 va = 0xfffffffffffff000ull;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, va, MiB(1), P, PTE_W), PT_OK);
	expect_mapped(va + 0xfff, MiB(1) + 0xfff, PTE_P | PTE_W);
	assert_int_equal(pt_unmap(&pt, va, P), PT_OK);
	expect_unmapped(va);
}

/* The last page a 52-bit physical address can name. */
static void test_top_physical_page(void **state)
{
	const u64 pa = 0x000ffffffffff000ull;

	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, GiB(1), pa, P, PTE_NX), PT_OK);
	expect_mapped(GiB(1) + 0xabc, pa + 0xabc, PTE_P | PTE_NX);
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
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, 3 * P, PTE_W), PT_OK);
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2), MiB(2), PTE_W), PT_OK);
	assert_int_equal(pt_unmap(&pt, MiB(2) + P, P), PT_OK);
	assert_int_equal(pt_map(&pt, GiB(3), GiB(3), GiB(1), PTE_W), PT_OK);
	assert_int_equal(pt_map(&pt, 1ull << 40, 0x5000, P, 0), PT_OK);
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
	assert_int_equal(pt_map(&pt, GiB(1), GiB(3), GiB(1) + MiB(2) + P, PTE_W), PT_OK);
	assert_int_equal(pt_protect(&pt, GiB(1), GiB(1) + MiB(2) + P, PTE_NX | PTE_PCD), PT_OK);
	assert_int_equal(walk(GiB(1), &e), 2);
	assert_int_equal(e, GiB(3) | PTE_P | PTE_PS | PTE_NX | PTE_PCD);
	assert_int_equal(walk(GiB(2), &e), 1);
	assert_int_equal(e, (GiB(4)) | PTE_P | PTE_PS | PTE_NX | PTE_PCD);
	assert_int_equal(walk(GiB(2) + MiB(2), &e), 0);
	assert_int_equal(e, (GiB(4) + MiB(2)) | PTE_P | PTE_NX | PTE_PCD);
	expect_mapped(GiB(1) + 123, GiB(3) + 123, PTE_P | PTE_NX | PTE_PCD);
}

/* A range inside a large page splits it: the pages inside change, the
 * others keep their rights. */
static void test_protect_splits_2m(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(4), PTE_W), PT_OK);
	assert_int_equal(pt_protect(&pt, MiB(33), MiB(2), 0), PT_OK);	/* read-only */
	expect_mapped(MiB(33) - P, MiB(65) - P, PTE_P | PTE_W);
	expect_mapped(MiB(33), MiB(65), PTE_P);
	expect_mapped(MiB(35) - P, MiB(67) - P, PTE_P);
	expect_mapped(MiB(35), MiB(67), PTE_P | PTE_W);
	assert_int_equal(level_of(MiB(33)), 0);
	assert_int_equal(level_of(MiB(35)), 0);
}

/* Holes stay holes; bad ranges change nothing; no memory to split leaves
 * the large page as it was. */
static void test_protect_holes_and_errors(void **state)
{
	(void)state;
	init(false);
	assert_int_equal(pt_map(&pt, MiB(32), MiB(64), MiB(2), PTE_W), PT_OK);
	assert_int_equal(pt_protect(&pt, MiB(30), MiB(6), PTE_NX), PT_OK);
	expect_unmapped(MiB(30));
	expect_unmapped(MiB(34));
	expect_mapped(MiB(32), MiB(64), PTE_P | PTE_NX);
	assert_int_equal(pt_protect(&pt, MiB(32) + 8, P, PTE_W), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, MiB(32), P + 8, PTE_W), PT_EINVAL);
	pool.limit = pool.used;
	assert_int_equal(pt_protect(&pt, MiB(33), P, PTE_W), PT_ENOMEM);
	assert_int_equal(level_of(MiB(33)), 1);
	expect_mapped(MiB(33), MiB(65), PTE_P | PTE_NX);
	/* Address bits and PS in the flags are not flags. */
	pool.limit = POOL_MAX;
	assert_int_equal(pt_protect(&pt, MiB(32), MiB(2), PTE_W | PTE_PS | 0xabc000ull), PT_OK);
	assert_int_equal(level_of(MiB(32)), 1);
	expect_mapped(MiB(32), MiB(64), PTE_P | PTE_W);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_protect_whole_pages),
		T(test_protect_splits_2m),
		T(test_protect_holes_and_errors),
		T(test_init_without_memory),
		T(test_map_4k),
		T(test_map_2m),
		T(test_map_1g),
		T(test_1g_not_used_unless_allowed),
		T(test_mixed_sizes),
		T(test_leaf_rights),
		T(test_address_bits_and_ps_in_flags_ignored),
		T(test_invalid_ranges),
		T(test_size_zero),
		T(test_overlap_refused_unchanged),
		T(test_overlap_with_large_pages),
		T(test_unmap_4k),
		T(test_unmap_whole_large_pages),
		T(test_unmap_splits_2m),
		T(test_unmap_across_two_2m),
		T(test_unmap_splits_1g),
		T(test_unmap_holes_and_errors),
		T(test_remap_as_large_page),
		T(test_no_memory_for_tables),
		T(test_no_memory_for_split),
		T(test_pa_wrap_refused),
		T(test_top_virtual_page),
		T(test_top_physical_page),
		T(test_destroy_frees_every_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
