/* Host tests for guests' RAM (hv/core/guest_ram.c) against the real page
 * allocator (hv/mm/page_alloc.c). The made-up memory map has one usable
 * range, a 2 MiB-aligned heap block (the arena), so every page handed out
 * can really be written. A test first takes every free page and gives back
 * only the runs it lists: the free memory is then exactly those runs,
 * placed off or on 2 MiB boundaries as the case needs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/guest_ram.h"
#include "hv/mm/page_alloc.h"

#define ARENA_SIZE MiB(32)
#define ARENA_PAGES (ARENA_SIZE / PAGE_SIZE)
#define FILL 0x5a

/* A run of free pages, as an offset into the arena and a length. */
struct run {
	u64 off, size;
};

static u8 *arena;
static u64 A;			/* the arena's address, as a physical address */
static struct memmap map;
static struct guest_mem gm;
static char err[160];
static bool held[ARENA_PAGES];	/* pages the test itself keeps allocated */

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(MiB(2), ARENA_SIZE);
	if (!arena)
		return -1;
	memset(arena, FILL, ARENA_SIZE);
	A = (u64)(uintptr_t)arena;
	map.n = 1;
	map.r[0] = (struct mem_range){ A, ARENA_SIZE, MEM_USABLE, 0 };
	memset(&gm, 0, sizeof(gm));
	memset(held, 0, sizeof(held));
	if (page_alloc_init(&map, NULL, 0, PA_NO_LIMIT, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* Leaves exactly the listed runs free. */
static void leave_free(const struct run *runs, u32 n)
{
	u64 pa, pages = 0;

	while ((pa = page_alloc(1, PAGE_SIZE, PA_NO_LIMIT)))
		held[(pa - A) / PAGE_SIZE] = true;
	for (u32 i = 0; i < n; i++) {
		assert_int_equal(page_free(A + runs[i].off, runs[i].size / PAGE_SIZE), 0);
		for (u64 p = 0; p < runs[i].size / PAGE_SIZE; p++)
			held[runs[i].off / PAGE_SIZE + p] = false;
		pages += runs[i].size / PAGE_SIZE;
	}
	assert_int_equal(page_alloc_free_pages(), pages);
}

static bool in_runs(u64 hpa, u64 size, const struct run *runs, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (hpa >= A + runs[i].off && hpa + size <= A + runs[i].off + runs[i].size)
			return true;
	return !runs;	/* no list: anywhere in the arena */
}

static void print_gm(void)
{
	for (u32 i = 0; i < gm.n && i < GMEM_MAX_REGIONS; i++)
		print_error("  gpa %#llx size %#llx at arena + %#llx\n",
			    (unsigned long long)gm.r[i].gpa, (unsigned long long)gm.r[i].size,
			    (unsigned long long)(gm.r[i].hpa - A));
}

/* gm holds size bytes from guest-physical 0 up, in at most
 * GMEM_MAX_REGIONS pieces, each taken from the free runs (or anywhere in
 * the arena when runs is NULL), none overlapping another. */
static void check_gm(u64 size, const struct run *runs, u32 n)
{
	u64 gpa = 0;

	assert_in_range(gm.n, 1, GMEM_MAX_REGIONS);
	for (u32 i = 0; i < gm.n; i++) {
		const struct gmem_region *r = &gm.r[i];

		if (r->gpa != gpa || !r->size || r->size % PAGE_SIZE || r->hpa % PAGE_SIZE ||
		    r->hpa < A || r->hpa + r->size > A + ARENA_SIZE ||
		    !in_runs(r->hpa, r->size, runs, n)) {
			print_gm();
			fail_msg("region %u is not the next piece of free memory", i);
		}
		for (u32 j = 0; j < i; j++)
			assert_true(r->hpa >= gm.r[j].hpa + gm.r[j].size ||
				    gm.r[j].hpa >= r->hpa + r->size);
		gpa += r->size;
	}
	assert_int_equal(gpa, size);
	assert_int_equal(gm.size, size);
}

static void alloc_ok(u64 size, const struct run *runs, u32 n)
{
	u64 before = page_alloc_free_pages();

	if (guest_ram_alloc(&gm, size, err, sizeof(err)))
		fail_msg("guest_ram_alloc of %#llx bytes failed: %s", (unsigned long long)size,
			 err);
	check_gm(size, runs, n);
	assert_int_equal(page_alloc_free_pages(), before - size / PAGE_SIZE);
}

/* A clean failure: nothing in gm, every page given back, the reason. */
static void alloc_fails(u64 size, const char *why)
{
	u64 before = page_alloc_free_pages();
	struct guest_mem other = { 0 };

	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	assert_int_equal(guest_ram_alloc(&other, size, err, sizeof(err)), -1);
	assert_string_equal(err, why);
	assert_int_equal(other.n, 0);
	assert_int_equal(other.size, 0);
	assert_int_equal(page_alloc_free_pages(), before);
}

/* --- where free memory is plentiful ----------------------------------------- */

/* One piece, starting on a 2 MiB boundary for the nested tables' large
 * pages, whatever the size's tail. */
static void test_one_aligned_piece(void **state)
{
	static const u64 sizes[] = { PAGE_SIZE, MiB(2) - PAGE_SIZE, MiB(2), MiB(2) + PAGE_SIZE,
				     MiB(5) + KiB(12), MiB(16) };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(sizes); i++) {
		alloc_ok(sizes[i], NULL, 0);
		assert_int_equal(gm.n, 1);
		if (sizes[i] >= MiB(2))
			assert_true(IS_ALIGNED(gm.r[0].hpa, MiB(2)));
		guest_ram_free(&gm);
	}
}

/* --- fragmented free memory ---------------------------------------------------- */

/* Two 1.5 MiB runs off any 2 MiB boundary. */
static const struct run odd_runs[] = {
	{ MiB(2) + KiB(4), KiB(1536) },
	{ MiB(8) + KiB(12), KiB(1536) },
};

/* 3 MiB when only odd_runs are free. */
static void test_3mib_from_odd_runs(void **state)
{
	(void)state;
	leave_free(odd_runs, ARRAY_SIZE(odd_runs));
	alloc_ok(MiB(3), odd_runs, ARRAY_SIZE(odd_runs));
	assert_int_equal(gm.n, 2);
	assert_int_equal(page_alloc_free_pages(), 0);
}

/* A remainder between 2 and 4 MiB after a 2 MiB-aligned piece: the
 * aligned run still goes first (large pages), the rest from an odd run. */
static void test_remainder_between_2_and_4_mib(void **state)
{
	static const struct run runs[] = {
		{ MiB(4), MiB(4) },
		{ MiB(12) + KiB(4), MiB(3) },
	};

	(void)state;
	leave_free(runs, ARRAY_SIZE(runs));
	alloc_ok(MiB(7), runs, ARRAY_SIZE(runs));
	assert_int_equal(gm.r[0].hpa, A + MiB(4));
	assert_int_equal(gm.r[0].size, MiB(4));
}

/* Sizes that are no multiple of 2 MiB, from many small odd runs. */
static void test_odd_sizes_from_small_runs(void **state)
{
	static struct run runs[12];
	static const u64 sizes[] = { PAGE_SIZE, KiB(20), MiB(1) + KiB(4), MiB(2) + KiB(4),
				     MiB(3) + KiB(260) };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(runs); i++)	/* 12 runs of 516 KiB */
		runs[i] = (struct run){ MiB(1) + i * MiB(2) + KiB(4), KiB(516) };
	leave_free(runs, ARRAY_SIZE(runs));
	for (u32 i = 0; i < ARRAY_SIZE(sizes); i++) {
		alloc_ok(sizes[i], runs, ARRAY_SIZE(runs));
		guest_ram_free(&gm);
	}
	alloc_ok(12 * KiB(516), runs, ARRAY_SIZE(runs));	/* every free page */
	assert_int_equal(gm.n, 12);
}

/* --- failures ---------------------------------------------------------------------- */

static void test_exhausted(void **state)
{
	static const struct run runs[] = {
		{ MiB(2) + KiB(4), MiB(1) },
		{ MiB(6), MiB(2) },
	};

	(void)state;
	alloc_fails(MiB(64), "no 64 MiB of free memory (32764 KiB free)");	/* bitmap: 1 page */
	leave_free(runs, ARRAY_SIZE(runs));
	alloc_fails(MiB(3) + PAGE_SIZE, "no 3076 KiB of free memory (3 MiB free)");
	alloc_ok(MiB(3), runs, ARRAY_SIZE(runs));
	alloc_fails(PAGE_SIZE, "no 4 KiB of free memory (0 MiB free)");
}

/* Free memory in more pieces than a VM may have regions: enough pages,
 * too many pieces. */
static void test_region_limit(void **state)
{
	static struct run runs[GMEM_MAX_REGIONS + 1];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(runs); i++)
		runs[i] = (struct run){ MiB(1) + i * KiB(128), KiB(64) };
	leave_free(runs, ARRAY_SIZE(runs));
	alloc_fails((GMEM_MAX_REGIONS + 1) * KiB(64),
		    "free memory is in too many pieces: the 16 a VM may have hold only "
		    "1 MiB of 1088 KiB");
	alloc_ok(GMEM_MAX_REGIONS * KiB(64), runs, ARRAY_SIZE(runs));
	assert_int_equal(gm.n, GMEM_MAX_REGIONS);
}

/* --- freeing and clearing ---------------------------------------------------------- */

static void test_free_gives_everything_back(void **state)
{
	static const struct run runs[] = {
		{ KiB(8), MiB(1) },
		{ MiB(3) + KiB(4), MiB(5) },
	};

	(void)state;
	leave_free(runs, ARRAY_SIZE(runs));
	alloc_ok(MiB(6), runs, ARRAY_SIZE(runs));
	guest_ram_free(&gm);
	assert_int_equal(gm.n, 0);
	assert_int_equal(gm.size, 0);
	assert_int_equal(page_alloc_free_pages(), MiB(6) / PAGE_SIZE);
	alloc_ok(MiB(6), runs, ARRAY_SIZE(runs));	/* the same again */
}

/* Zeroing clears the guest's pages and nothing else. */
static void test_zero(void **state)
{
	(void)state;
	leave_free(odd_runs, ARRAY_SIZE(odd_runs));
	alloc_ok(MiB(3), odd_runs, ARRAY_SIZE(odd_runs));
	guest_ram_zero(&gm);
	/* the runs are all the guest's now; the test holds the other pages
	 * but the allocator's bitmap */
	for (u64 p = 0; p < ARENA_PAGES; p++) {
		bool guest = in_runs(A + p * PAGE_SIZE, PAGE_SIZE, odd_runs, ARRAY_SIZE(odd_runs));
		u8 want = guest ? 0 : FILL;

		if (!guest && !held[p])
			continue;
		for (u32 i = 0; i < PAGE_SIZE; i++)
			if (arena[p * PAGE_SIZE + i] != want)
				fail_msg("arena + %#llx is %#x, expected %#x",
					 (unsigned long long)(p * PAGE_SIZE + i),
					 arena[p * PAGE_SIZE + i], want);
	}
}

/* --- another CPU allocating at the same time ------------------------------------ */

/* page_alloc and page_free as the test sees them (-Wl,--wrap in unit.mk):
 * armed, the first allocation of the size the last free gave back (the
 * search's probe giving its run back, then taking it for good) finds
 * that another CPU took such a run in between. */
u64 __real_page_alloc(u64 npages, u64 align, u64 limit);
int __real_page_free(u64 pa, u64 npages);
static bool steal_armed;
static u64 last_freed, stolen, stolen_pages;

u64 __wrap_page_alloc(u64 npages, u64 align, u64 limit);
u64 __wrap_page_alloc(u64 npages, u64 align, u64 limit)
{
	if (steal_armed && npages == last_freed) {
		steal_armed = false;
		stolen = __real_page_alloc(npages, align, limit);
		stolen_pages = npages;
	}
	return __real_page_alloc(npages, align, limit);
}

int __wrap_page_free(u64 pa, u64 npages);
int __wrap_page_free(u64 pa, u64 npages)
{
	last_freed = npages;
	return __real_page_free(pa, npages);
}

/* 2.5 MiB from a 1.5 MiB run and a 1 MiB run: the search finds the 1.5
 * MiB run, another CPU takes it before the search does; the search looks
 * again and takes what is still free, and the allocation then fails for
 * want of memory, cleanly, never with a piece at address 0. */
static void test_run_taken_by_another_cpu(void **state)
{
	static const struct run runs[] = {
		{ MiB(2) + KiB(4), KiB(1536) },
		{ MiB(8) + KiB(12), MiB(1) },
	};

	(void)state;
	leave_free(runs, ARRAY_SIZE(runs));
	stolen = 0;
	steal_armed = true;
	if (!guest_ram_alloc(&gm, MiB(2) + KiB(512), err, sizeof(err))) {
		print_gm();
		fail_msg("the allocation succeeded with the run another CPU took");
	}
	assert_false(steal_armed);
	assert_int_equal(stolen, A + runs[0].off);
	assert_string_equal(err, "no 2560 KiB of free memory (1 MiB free)");
	assert_int_equal(gm.n, 0);
	assert_int_equal(page_alloc_free_pages(), MiB(1) / PAGE_SIZE);
	assert_int_equal(page_free(stolen, stolen_pages), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_one_aligned_piece),
		T(test_3mib_from_odd_runs),
		T(test_remainder_between_2_and_4_mib),
		T(test_odd_sizes_from_small_runs),
		T(test_exhausted),
		T(test_run_taken_by_another_cpu),
		T(test_region_limit),
		T(test_free_gives_everything_back),
		T(test_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
