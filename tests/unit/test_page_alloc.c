/* Host tests for the page allocator (hv/mm/page_alloc.c). The allocator
 * writes only its bitmaps, which it places in the first usable range, at
 * that range's physical address. So the first usable range of each test
 * map is a real heap block (the arena, 2 MiB aligned, 8 MiB long); further
 * ranges may lie at made-up addresses that are never dereferenced. Where
 * the bitmaps went is not part of the interface: the tests only check that
 * whatever the allocator hands out is never its own bitmap (pages handed
 * out are scribbled over, then freed again) and never reserved. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/mm/page_alloc.h"

#define ARENA_SIZE MiB(8)
#define ARENA_PAGES (ARENA_SIZE / PAGE_SIZE)
#define P PAGE_SIZE

static u8 *arena;
static u64 A;			/* the arena's address, as a physical address */
static struct memmap map;
static char err[160];

/* Pages handed out by alloc_all(). */
static u64 got[ARENA_PAGES + 64];
static u32 ngot;

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(MiB(2), ARENA_SIZE);
	if (!arena)
		return -1;
	memset(arena, 0, ARENA_SIZE);
	A = (u64)(uintptr_t)arena;
	memset(&map, 0, sizeof(map));
	ngot = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void add(u64 base, u64 size, u32 type)
{
	assert_true(map.n < MEMMAP_MAX);
	map.r[map.n++] = (struct mem_range){ base, size, type, 0 };
}

static void init_ok(const struct pa_reserve *res, u32 nres)
{
	if (page_alloc_init(&map, res, nres, PA_NO_LIMIT, err, sizeof(err)))
		fail_msg("page_alloc_init failed: %s", err);
}

static bool in_usable(u64 pa, u64 size)
{
	for (u32 i = 0; i < map.n; i++)
		if (map.r[i].type == MEM_USABLE && pa >= map.r[i].base &&
		    pa + size <= map.r[i].base + map.r[i].size)
			return true;
	return false;
}

static bool in_arena(u64 pa)
{
	return pa >= A && pa < A + ARENA_SIZE;
}

/* Takes single pages until there are none, checking each. */
static void alloc_all(void)
{
	u64 pa;

	ngot = 0;
	while ((pa = page_alloc(1, P, PA_NO_LIMIT))) {
		assert_true(ngot < ARRAY_SIZE(got));
		assert_true(pa % P == 0);
		if (!in_usable(pa, P))
			fail_msg("page 0x%llx is not in usable RAM", (unsigned long long)pa);
		for (u32 i = 0; i < ngot; i++)
			if (got[i] == pa)
				fail_msg("page 0x%llx handed out twice", (unsigned long long)pa);
		got[ngot++] = pa;
	}
	assert_int_equal(page_alloc_free_pages(), 0);
}

static bool was_got(u64 pa)
{
	for (u32 i = 0; i < ngot; i++)
		if (got[i] == pa)
			return true;
	return false;
}

/* Scribbles over every page handed out (a bitmap among them would be
 * destroyed), then frees them all and checks the count comes back. */
static void scribble_and_free_all(u64 expect_free)
{
	for (u32 i = 0; i < ngot; i++)
		if (in_arena(got[i]))
			memset((void *)(uintptr_t)got[i], 0xff, P);
	for (u32 i = 0; i < ngot; i++)
		if (page_free(got[i], 1))
			fail_msg("freeing page 0x%llx failed", (unsigned long long)got[i]);
	assert_int_equal(page_alloc_free_pages(), expect_free);
}

/* The lowest free page: first fit hands it out first. */
static u64 lowest_free(void)
{
	u64 pa = page_alloc(1, P, PA_NO_LIMIT);

	assert_true(pa != 0);
	assert_int_equal(page_free(pa, 1), 0);
	return pa;
}

/* --- initialisation and counts ---------------------------------------------- */

static void test_counts_and_bitmap_kept(void **state)
{
	u64 free0;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	assert_int_equal(page_alloc_total_pages(), 256);
	free0 = page_alloc_free_pages();
	/* 256 bits of bitmap fit in one page */
	assert_int_equal(free0, 255);

	alloc_all();
	assert_int_equal(ngot, free0);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), 0);
	scribble_and_free_all(free0);
	/* still intact: the same pages come out again */
	alloc_all();
	assert_int_equal(ngot, free0);
	scribble_and_free_all(free0);
	assert_int_equal(page_alloc_total_pages(), 256);
}

static void test_non_usable_ranges_ignored(void **state)
{
	(void)state;
	add(A, KiB(64), MEM_USABLE);
	add(A + KiB(64), KiB(64), MEM_RESERVED);
	add(A + KiB(128), KiB(64), MEM_USABLE);
	add(A + KiB(192), KiB(64), MEM_ACPI_RECLAIM);
	add(A + KiB(256), KiB(64), MEM_ACPI_NVS);
	add(A + KiB(320), KiB(64), MEM_BAD);
	add(A + KiB(384), KiB(64), MEM_USABLE);
	init_ok(NULL, 0);
	assert_int_equal(page_alloc_total_pages(), 48);
	assert_int_equal(page_alloc_free_pages(), 47);
	alloc_all();		/* checks every page is in a usable range */
	assert_int_equal(ngot, 47);
	/* no 17-page run anywhere: the ranges are 16 pages each */
	scribble_and_free_all(47);
	assert_int_equal(page_alloc(17, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc_free_pages(), 47);
}

/* Built by memmap_normalise from a ragged raw map. */
static void test_from_normalised_map(void **state)
{
	struct mem_range raw[] = {
		{ A + 0x300, MiB(1), MEM_USABLE, 0 },		/* trimmed at both ends */
		{ A + KiB(256) + 0x10, 0x20, MEM_ACPI_RECLAIM, 0 },
		{ A + MiB(2), MiB(1), MEM_USABLE, 0 },
		{ A + MiB(2) + KiB(512), KiB(4), MEM_RESERVED, 0 },
	};
	char warn[256];

	(void)state;
	assert_int_equal(memmap_normalise(raw, ARRAY_SIZE(raw), &map, warn, sizeof(warn), err,
					  sizeof(err)), 0);
	init_ok(NULL, 0);
	/* [A+4K, A+1M) less the page holding the ACPI bytes, then 2 MiB less
	 * one page */
	assert_int_equal(page_alloc_total_pages(), 255 - 1 + 256 - 1);
	alloc_all();
	assert_int_equal(ngot, page_alloc_total_pages() - 1);
	assert_false(was_got(A + KiB(256)));
	assert_false(was_got(A + MiB(2) + KiB(512)));
	assert_false(was_got(A));
	assert_false(was_got(A + MiB(1)));
}

static void test_reinit_starts_over(void **state)
{
	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	assert_true(page_alloc(10, P, PA_NO_LIMIT) != 0);
	map.r[0].size = KiB(64);
	init_ok(NULL, 0);
	assert_int_equal(page_alloc_total_pages(), 16);
	assert_int_equal(page_alloc_free_pages(), 15);
}

/* --- allocation -------------------------------------------------------------- */

static void test_first_fit(void **state)
{
	u64 p[4];

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	for (int i = 0; i < 4; i++)
		p[i] = page_alloc(1, P, PA_NO_LIMIT);
	for (int i = 1; i < 4; i++)
		assert_int_equal(p[i], p[0] + i * P);	/* lowest first */
	assert_int_equal(page_alloc_free_pages(), 255 - 4);

	/* a one-page hole: taken by a single page, skipped by a pair */
	assert_int_equal(page_free(p[1], 1), 0);
	assert_int_equal(page_alloc(2, P, PA_NO_LIMIT), p[3] + P);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), p[1]);
	assert_int_equal(page_alloc_free_pages(), 255 - 6);
}

static void test_runs_are_contiguous_and_free(void **state)
{
	u64 run, before;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	before = page_alloc_free_pages();
	run = page_alloc(16, P, PA_NO_LIMIT);
	assert_true(run != 0);
	assert_true(in_usable(run, 16 * P));
	assert_int_equal(page_alloc_free_pages(), before - 16);
	/* no other page handed out may fall inside the run */
	alloc_all();
	assert_int_equal(ngot, before - 16);
	for (u32 i = 0; i < ngot; i++)
		assert_false(got[i] >= run && got[i] < run + 16 * P);
	assert_int_equal(page_free(run, 16), 0);
	assert_int_equal(page_alloc_free_pages(), 16);
	/* the whole free space, as one run: too big by the bitmap */
	scribble_and_free_all(before);
	assert_int_equal(page_alloc(before + 1, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc_free_pages(), before);
}

static void test_alignment(void **state)
{
	u64 a, b, c;

	(void)state;
	add(A, ARENA_SIZE, MEM_USABLE);
	init_ok(NULL, 0);
	a = page_alloc(1, MiB(2), PA_NO_LIMIT);
	b = page_alloc(1, MiB(2), PA_NO_LIMIT);
	assert_true(a && b && a != b);
	assert_true(a % MiB(2) == 0 && b % MiB(2) == 0);
	c = page_alloc(3, KiB(64), PA_NO_LIMIT);
	assert_true(c && c % KiB(64) == 0);
	assert_true(in_usable(c, 3 * P));
	/* runs of 512 at 2 MiB: four would fit the arena, but a, b and the
	 * bitmap each spoil one 2 MiB block */
	u64 big = page_alloc(512, MiB(2), PA_NO_LIMIT);
	assert_true(big && big % MiB(2) == 0);
	assert_false(a >= big && a < big + MiB(2));
	assert_false(b >= big && b < big + MiB(2));
	assert_int_equal(page_alloc(512, MiB(2), PA_NO_LIMIT), 0);
}

static void test_bad_arguments(void **state)
{
	u64 before;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	before = page_alloc_free_pages();
	assert_int_equal(page_alloc(0, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1, 0, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1, P / 2, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1, 3 * P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1, P + 1, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc_free_pages(), before);
}

static void test_limit(void **state)
{
	u64 low;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	low = lowest_free();
	/* the run must end at or below the limit */
	assert_int_equal(page_alloc(1, P, low + P - 2), 0);
	assert_int_equal(page_alloc(1, P, low + P - 1), low);
	assert_int_equal(page_alloc(1, P, low + 2 * P - 1), low + P);
	assert_int_equal(page_alloc(1, P, low + 2 * P - 1), 0);
	assert_int_equal(page_alloc(2, P, low + 3 * P - 1), 0);
	assert_int_equal(page_alloc(2, P, low + 4 * P - 1), low + 2 * P);
	assert_int_equal(page_alloc(1, P, A - 1), 0);
}

static void test_exhaustion(void **state)
{
	(void)state;
	add(A, KiB(64), MEM_USABLE);
	init_ok(NULL, 0);
	alloc_all();
	assert_int_equal(ngot, 15);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(2, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_free(got[7], 1), 0);
	assert_int_equal(page_alloc_free_pages(), 1);
	assert_int_equal(page_alloc(2, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), got[7]);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), 0);
}

/* --- freeing ----------------------------------------------------------------- */

static void test_double_free_and_stray_free(void **state)
{
	u64 p, low, before;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	low = lowest_free();
	before = page_alloc_free_pages();

	assert_int_equal(page_free(low, 1), -1);		/* never allocated */
	p = page_alloc(1, P, PA_NO_LIMIT);
	assert_int_equal(page_free(p + 8, 1), -1);		/* not page aligned */
	assert_int_equal(page_free(p, 1), 0);
	assert_int_equal(page_free(p, 1), -1);			/* double free */
	assert_int_equal(page_free(A + MiB(1), 1), -1);	/* past the range */
	assert_int_equal(page_free(A - P, 1), -1);
	assert_int_equal(page_free(0, 1), -1);
	assert_int_equal(page_alloc_free_pages(), before);
}

static void test_partial_free_refused_whole(void **state)
{
	u64 run, before;

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	before = page_alloc_free_pages();
	run = page_alloc(4, P, PA_NO_LIMIT);
	assert_int_equal(page_free(run + 2 * P, 1), 0);
	/* page 2 of the run is free now: nothing of the run may be freed */
	assert_int_equal(page_free(run, 4), -1);
	assert_int_equal(page_alloc_free_pages(), before - 3);
	assert_int_equal(page_free(run, 2), 0);
	assert_int_equal(page_free(run + 3 * P, 1), 0);
	assert_int_equal(page_alloc_free_pages(), before);
}

/* A run that starts in a range but ends past it. The first range has 64
 * pages, so its bitmap is one whole word and the next range's bitmap
 * follows straight after it: bits past the end are live, not padding. */
static void test_free_past_range_end(void **state)
{
	u64 last = 0;

	(void)state;
	add(A, KiB(256), MEM_USABLE);
	add(A + KiB(256), KiB(64), MEM_RESERVED);
	add(A + KiB(320), KiB(64), MEM_USABLE);
	init_ok(NULL, 0);
	alloc_all();
	assert_int_equal(ngot, 64 + 16 - 1);
	for (u32 i = 0; i < ngot; i++)
		if (got[i] < A + KiB(256))
			last = MAX(last, got[i]);
	assert_int_equal(last, A + KiB(256) - P);
	assert_int_equal(page_free(last - P, 3), -1);
	assert_int_equal(page_free(last, 64 + 16), -1);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_int_equal(page_alloc(1, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_free(last - P, 2), 0);
	assert_int_equal(page_alloc_free_pages(), 2);
}

/* --- reservations and the bitmaps --------------------------------------------- */

static void test_reservations_never_handed_out(void **state)
{
	const struct pa_reserve res[] = {
		{ A + KiB(64), KiB(64), "lucid" },		/* pages 16..31 */
		{ A + KiB(200) + 100, 5000, "lucid.cfg" },	/* pages 50 and 51 */
		{ A - KiB(8), KiB(16), "straddles the start" },	/* pages 0, 1 */
		{ A + KiB(300), 0, "empty module" },		/* nothing */
		{ A + MiB(4), MiB(1), "ACPI, elsewhere" },	/* outside: nothing */
	};

	(void)state;
	add(A, MiB(1), MEM_USABLE);
	init_ok(res, ARRAY_SIZE(res));
	assert_int_equal(page_alloc_total_pages(), 256);
	/* less 16 + 2 + 2 reserved pages and one of bitmap */
	assert_int_equal(page_alloc_free_pages(), 256 - 20 - 1);
	alloc_all();
	assert_int_equal(ngot, 256 - 21);
	for (u32 i = 0; i < ngot; i++)
		for (u32 j = 0; j < ARRAY_SIZE(res); j++)
			if (got[i] + P > res[j].base && got[i] < res[j].base + res[j].size)
				fail_msg("page 0x%llx handed out, but reserved for %s",
					 (unsigned long long)got[i], res[j].what);
	assert_true(was_got(A + KiB(196)));	/* page 49 */
	assert_true(was_got(A + KiB(208)));	/* page 52 */
	assert_true(was_got(A + KiB(300)));	/* page 75 */
	scribble_and_free_all(235);
}

static void test_bitmap_moves_past_reservations(void **state)
{
	const struct pa_reserve res[] = { { A, KiB(64), "all of the first range" } };
	u32 in_second = 0;

	(void)state;
	add(A, KiB(64), MEM_USABLE);
	add(A + MiB(1), MiB(1), MEM_USABLE);
	init_ok(res, ARRAY_SIZE(res));
	assert_int_equal(page_alloc_total_pages(), 16 + 256);
	assert_int_equal(page_alloc_free_pages(), 256 - 1);
	alloc_all();
	for (u32 i = 0; i < ngot; i++)
		in_second += got[i] >= A + MiB(1);
	assert_int_equal(in_second, 255);
	scribble_and_free_all(255);
}

static void test_bitmap_limit(void **state)
{
	const struct pa_reserve res[] = { { A, KiB(64), "all of the first range" } };
	char expect[160];

	(void)state;
	add(A, KiB(64), MEM_USABLE);
	add(A + MiB(1), MiB(1), MEM_USABLE);
	/* the only place left is A + 1 MiB, one page */
	assert_int_equal(page_alloc_init(&map, res, 1, A + MiB(1) + P, err, sizeof(err)), 0);
	assert_int_equal(page_alloc_free_pages(), 255);

	memset(err, 0, sizeof(err));
	assert_int_equal(page_alloc_init(&map, res, 1, A + MiB(1) + P - 1, err, sizeof(err)), -1);
	/* 16 + 256 bits: 8 + 32 bytes */
	snprintf(expect, sizeof(expect), "no room below 0x%llx for the page bitmaps (0 KiB)",
		 (unsigned long long)(A + MiB(1) + P - 1));
	assert_string_equal(err, expect);
}

/* Bitmaps for 1 GiB more than one page: they span pages, and the range
 * they describe can be far away (it is never touched). */
static void test_large_bitmap(void **state)
{
	u64 far = ALIGN_UP(A + GiB(64), GiB(1)), run;
	u64 need = ARENA_PAGES / 8 + GiB(1) / P / 8;	/* bytes of bitmap */
	u64 need_pages = (need + P - 1) / P;
	/* The arena (the heap's) crosses a 1 GiB boundary in about one run in
	 * 128; that page, past the bitmaps, is taken first, so that only the
	 * far range has such pages. */
	u64 inside = ALIGN_UP(A + need_pages * P, GiB(1));
	u64 crosses = inside < A + ARENA_SIZE;

	(void)state;
	add(A, ARENA_SIZE, MEM_USABLE);
	add(far, GiB(1), MEM_USABLE);
	init_ok(NULL, 0);
	assert_true(need_pages > 1);
	assert_int_equal(page_alloc_total_pages(), ARENA_PAGES + GiB(1) / P);
	assert_int_equal(page_alloc_free_pages(), ARENA_PAGES + GiB(1) / P - need_pages);
	if (crosses)
		assert_int_equal(page_alloc(1, GiB(1), PA_NO_LIMIT), inside);
	/* a run bigger than the arena comes from the far range */
	run = page_alloc(ARENA_PAGES + 1, P, PA_NO_LIMIT);
	assert_int_equal(run, far);
	assert_int_equal(page_alloc(1, GiB(1), PA_NO_LIMIT), 0);
	assert_int_equal(page_free(run, ARENA_PAGES + 1), 0);
	assert_int_equal(page_alloc(1, GiB(1), PA_NO_LIMIT), far);
	/* the arena's pages: all but the bitmaps' */
	u64 n = 0, pa;
	while ((pa = page_alloc(1, P, far - 1))) {
		memset((void *)(uintptr_t)pa, 0xff, P);
		n++;
	}
	assert_int_equal(n, ARENA_PAGES - need_pages - crosses);
	assert_int_equal(page_free(far, 1), 0);
	assert_int_equal(page_alloc_free_pages(), GiB(1) / P);
}

static void test_page_zero_never_handed_out(void **state)
{
	(void)state;
	add(0, P, MEM_USABLE);
	add(A, KiB(64), MEM_USABLE);
	init_ok(NULL, 0);
	assert_int_equal(page_alloc_total_pages(), 17);
	assert_int_equal(page_alloc_free_pages(), 15);
	assert_int_equal(page_alloc(1, P, P - 1), 0);
	alloc_all();
	assert_int_equal(ngot, 15);
	for (u32 i = 0; i < ngot; i++)
		assert_true(in_arena(got[i]));
}

static void test_too_many_ranges(void **state)
{
	(void)state;
	add(A, KiB(64), MEM_USABLE);
	for (u32 i = 1; i < PA_MAX_REGIONS; i++)
		add(A + GiB(1) * i, MiB(1), MEM_USABLE);	/* never touched */
	init_ok(NULL, 0);
	assert_int_equal(page_alloc_total_pages(), 16 + 63 * 256);

	add(A + GiB(1) * PA_MAX_REGIONS, MiB(1), MEM_USABLE);
	assert_int_equal(page_alloc_init(&map, NULL, 0, PA_NO_LIMIT, err, sizeof(err)), -1);
	assert_string_equal(err, "more than 64 usable RAM ranges");
}

/* --- must stay last: exposes a bug by an ASan report --------------------------- */

/* A request so large that npages * PAGE_SIZE wraps to one page must fail,
 * not scan the bitmap for 2^52 pages and run off its end. */
static void test_huge_request_fails(void **state)
{
	(void)state;
	add(A, ARENA_SIZE, MEM_USABLE);
	init_ok(NULL, 0);
	assert_int_equal(page_alloc((1ull << 52) + 1, P, PA_NO_LIMIT), 0);
	assert_int_equal(page_alloc(1ull << 52, P, PA_NO_LIMIT), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_counts_and_bitmap_kept),
		T(test_non_usable_ranges_ignored),
		T(test_from_normalised_map),
		T(test_reinit_starts_over),
		T(test_first_fit),
		T(test_runs_are_contiguous_and_free),
		T(test_alignment),
		T(test_bad_arguments),
		T(test_limit),
		T(test_exhaustion),
		T(test_double_free_and_stray_free),
		T(test_partial_free_refused_whole),
		T(test_free_past_range_end),
		T(test_reservations_never_handed_out),
		T(test_bitmap_moves_past_reservations),
		T(test_bitmap_limit),
		T(test_large_bitmap),
		T(test_page_zero_never_handed_out),
		T(test_too_many_ranges),
		T(test_huge_request_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
