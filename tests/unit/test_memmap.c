/* Host tests for the memory map normalisation (hv/mm/memmap.c). Each case
 * gives a raw map as a firmware might and compares the result with the
 * map worked out by hand: sorted, non-overlapping, the more restrictive
 * type kept where ranges overlap, equal neighbours merged, usable RAM
 * trimmed to whole pages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/mm/memmap.h"

#define U MEM_USABLE
#define A MEM_ACPI_RECLAIM
#define N MEM_ACPI_NVS
#define R MEM_RESERVED
#define B MEM_BAD

#define OVERLAP_WARNING "memory map has overlapping ranges; the more restrictive type is kept\n"

struct want {
	u64 base, end;
	u32 type;
};

static struct memmap *out;
static char warn[512];
static char err[160];

static int setup(void **state)
{
	(void)state;
	/* exactly one struct: any write past r[MEMMAP_MAX] is an ASan report */
	out = malloc(sizeof(*out));
	return out ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(out);
	return 0;
}

static int normalise(const struct mem_range *in, u32 n)
{
	memset(out, 0xa5, sizeof(*out));
	memset(warn, 'x', sizeof(warn) - 1);
	warn[sizeof(warn) - 1] = '\0';
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	return memmap_normalise(in, n, out, warn, sizeof(warn), err, sizeof(err));
}

static void print_map(void)
{
	for (u32 i = 0; i < out->n && i < 64; i++)
		print_error("  [%#llx, %#llx) type %u\n", (unsigned long long)out->r[i].base,
			    (unsigned long long)(out->r[i].base + out->r[i].size), out->r[i].type);
}

static void expect_map(const struct want *w, u32 n)
{
	bool same = out->n == n;

	for (u32 i = 0; same && i < n; i++)
		same = out->r[i].base == w[i].base && out->r[i].size == w[i].end - w[i].base &&
		       out->r[i].type == w[i].type;
	if (!same) {
		print_error("normalised map (%u ranges):\n", out->n);
		print_map();
		fail_msg("map differs from the %u ranges expected", n);
	}
}

static void normalise_ok(const struct mem_range *in, u32 n)
{
	if (normalise(in, n))
		fail_msg("memmap_normalise failed: %s", err);
}

/* --- ordering, overlaps, merging ------------------------------------------- */

/* What QEMU's SeaBIOS reports for -m 128, with the pieces shuffled. */
static void test_unsorted_e820(void **state)
{
	static const struct mem_range in[] = {
		{ 0xfffc0000, 0x40000, R, 0 },
		{ 0x100000, 0x7ee0000, U, 0 },
		{ 0x9fc00, 0x400, R, 0 },
		{ 0x7fe0000, 0x20000, R, 0 },
		{ 0, 0x9fc00, U, 0 },
		{ 0xf0000, 0x10000, R, 0 },
	};
	static const struct want w[] = {
		{ 0, 0x9f000, U },		/* trimmed to whole pages */
		{ 0x9fc00, 0xa0000, R },	/* other types keep their bounds */
		{ 0xf0000, 0x100000, R },
		{ 0x100000, 0x7fe0000, U },
		{ 0x7fe0000, 0x8000000, R },
		{ 0xfffc0000, 0x100000000, R },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, "");		/* nothing overlapped */
}

static void test_overlap_restrictive_type_wins(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(16), U, 0 },
		{ MiB(4), MiB(1), R, 0 },
		{ MiB(8), KiB(64), A, 0 },
		{ MiB(12), KiB(4), B, 0 },
	};
	static const struct want w[] = {
		{ 0, MiB(4), U },
		{ MiB(4), MiB(5), R },
		{ MiB(5), MiB(8), U },
		{ MiB(8), MiB(8) + KiB(64), A },
		{ MiB(8) + KiB(64), MiB(12), U },
		{ MiB(12), MiB(12) + KiB(4), B },
		{ MiB(12) + KiB(4), MiB(16), U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, OVERLAP_WARNING);	/* one line for all */
}

/* The order of the entries does not matter, only the types' ranking. */
static void test_overlap_ranking_independent_of_order(void **state)
{
	static const struct mem_range in[] = {
		{ MiB(1), MiB(1), N, 0 },	/* NVS over ACPI */
		{ MiB(1), MiB(2), A, 0 },
		{ MiB(4), MiB(1), B, 0 },	/* bad over reserved */
		{ MiB(4), MiB(2), R, 0 },
		{ MiB(8), MiB(2), U, 0 },	/* reserved over usable, listed last */
		{ MiB(8), MiB(1), R, 0 },
		{ 0, MiB(1), U, 0 },
	};
	static const struct want w[] = {
		{ 0, MiB(1), U },
		{ MiB(1), MiB(2), N },
		{ MiB(2), MiB(3), A },
		{ MiB(4), MiB(5), B },
		{ MiB(5), MiB(6), R },
		{ MiB(8), MiB(9), R },
		{ MiB(9), MiB(10), U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, OVERLAP_WARNING);
}

/* A range that only partly overlaps: both sides and the overlap survive. */
static void test_partial_overlap(void **state)
{
	static const struct mem_range in[] = {
		{ MiB(2), MiB(4), R, 0 },
		{ 0, MiB(3), U, 0 },
		{ MiB(5), MiB(3), U, 0 },
	};
	static const struct want w[] = {
		{ 0, MiB(2), U },
		{ MiB(2), MiB(6), R },
		{ MiB(6), MiB(8), U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, OVERLAP_WARNING);
}

/* Types outside enum mem_type count as reserved. */
static void test_unknown_types_are_reserved(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(8), U, 0 },
		{ MiB(1), MiB(1), 0, 0 },
		{ MiB(3), MiB(1), 6, 0 },
		{ MiB(5), MiB(1), 0xffffffff, 0 },
		{ MiB(16), MiB(1), 12, 0 },	/* on its own */
	};
	static const struct want w[] = {
		{ 0, MiB(1), U },
		{ MiB(1), MiB(2), R },
		{ MiB(2), MiB(3), U },
		{ MiB(3), MiB(4), R },
		{ MiB(4), MiB(5), U },
		{ MiB(5), MiB(6), R },
		{ MiB(6), MiB(8), U },
		{ MiB(16), MiB(17), R },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	/* a bad-RAM entry still beats an unknown one */
	static const struct mem_range in2[] = {
		{ 0, MiB(1), U, 0 },
		{ MiB(1), MiB(1), 9, 0 },
		{ MiB(1), MiB(1), B, 0 },
	};
	static const struct want w2[] = { { 0, MiB(1), U }, { MiB(1), MiB(2), B } };
	normalise_ok(in2, ARRAY_SIZE(in2));
	expect_map(w2, ARRAY_SIZE(w2));
}

static void test_adjacent_same_type_merged(void **state)
{
	static const struct mem_range in[] = {
		{ MiB(1), MiB(1), U, 0 },
		{ 0, MiB(1), U, 0 },
		{ MiB(2), MiB(1), U, 0 },
		{ MiB(3), KiB(4), R, 0 },	/* a different type: not merged */
		{ MiB(3) + KiB(4), KiB(4), R, 0 },
		{ MiB(3) + KiB(8), MiB(1), U, 0 },
	};
	static const struct want w[] = {
		{ 0, MiB(3), U },
		{ MiB(3), MiB(3) + KiB(8), R },
		{ MiB(3) + KiB(8), MiB(4) + KiB(8), U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, "");		/* touching is not overlapping */
}

static void test_duplicates_merged(void **state)
{
	static const struct mem_range in[] = {
		{ MiB(1), MiB(7), U, 0 },
		{ MiB(1), MiB(7), U, 0 },
		{ MiB(2), MiB(1), U, 0 },
	};
	static const struct want w[] = { { MiB(1), MiB(8), U } };

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, OVERLAP_WARNING);
}

/* A gap between ranges stays a gap: memory nobody listed is not invented. */
static void test_gaps_kept(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(1), U, 0 },
		{ MiB(2), MiB(1), U, 0 },
	};
	static const struct want w[] = { { 0, MiB(1), U }, { MiB(2), MiB(3), U } };

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
}

/* --- ranges that are dropped ------------------------------------------------- */

static void test_zero_size_dropped(void **state)
{
	static const struct mem_range in[] = {
		{ 0x5000, 0, U, 0 },
		{ MiB(1), MiB(2), U, 0 },
		{ MiB(2), 0, R, 0 },		/* inside usable RAM: no split */
		{ MiB(8), 0, B, 0 },
	};
	static const struct want w[] = { { MiB(1), MiB(3), U } };

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_null(strstr(warn, "overlap"));
}

/* memmap.h: empty ranges "are dropped without a word". */
static void test_zero_size_dropped_silently(void **state)
{
	static const struct mem_range in[] = {
		{ MiB(1), MiB(2), U, 0 },
		{ MiB(8), 0, R, 0 },
	};
	static const struct want w[] = {
		{ MiB(1), MiB(3), U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, "");
}

static void test_wrapping_range_ignored(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(1), U, 0 },
		{ 0xfffffffffff00000ull, 0x200000, R, 0 },
		{ 0x8000000000000000ull, 0x8000000000001000ull, U, 0 },
	};
	static const struct want w[] = { { 0, MiB(1), U } };

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn,
			    "memory range 0xfffffffffff00000+0x200000 wraps past 2^64; ignored\n"
			    "memory range 0x8000000000000000+0x8000000000001000 wraps past 2^64; ignored\n");
}

/* --- page alignment of usable RAM -------------------------------------------- */

static void test_usable_trimmed_to_pages(void **state)
{
	static const struct mem_range in[] = {
		{ 0x500, 0x3300, U, 0 },		/* [0x500, 0x3800) */
		{ 0x10100, 0x800, U, 0 },		/* inside one page: nothing left */
		{ 0x20000, 0x2000, U, 0 },		/* already whole pages */
		{ 0x30000, 0xfff, U, 0 },		/* one byte short of a page */
		{ 0x40800, 0x800, A, 0 },		/* not usable: exact bounds */
	};
	static const struct want w[] = {
		{ 0x1000, 0x3000, U },
		{ 0x20000, 0x22000, U },
		{ 0x40800, 0x41000, A },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
	for (u32 i = 0; i < out->n; i++)
		if (out->r[i].type == U)
			assert_true(out->r[i].base % PAGE_SIZE == 0 && out->r[i].size % PAGE_SIZE == 0);
}

/* No range in the output may end past 2^64, and only a range the input
 * really starts at 0 may cover page 0. */
static void expect_no_wrap(bool page0_listed)
{
	for (u32 i = 0; i < out->n; i++) {
		u64 end = out->r[i].base + out->r[i].size;
		if (!out->r[i].size || (end && end < out->r[i].base) ||
		    (!page0_listed && out->r[i].base == 0)) {
			print_map();
			fail_msg("range %u wraps or covers page 0", i);
		}
	}
}

/* A usable piece that starts inside the last page below 2^64 has no whole
 * page: rounding its start up must not wrap it to 0. */
static void test_usable_in_last_page_dropped(void **state)
{
	static const struct mem_range in[] = {
		{ 0x100000, 0x100000, U, 0 },
		{ 0xfffffffffffff001ull, 0xffe, U, 0 },	/* ends at 2^64 - 1 */
		{ 0x200000, 0x1000, R, 0 },
	};
	static const struct want w[] = {
		{ 0x100000, 0x200000, U },
		{ 0x200000, 0x201000, R },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_no_wrap(false);
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, "usable range 0xfffffffffffff001+0xffe lies in the last page "
			    "below 2^64; ignored\n");
}

/* The same fragment left over by an overlap: the reserved range ends 15
 * bytes before the usable one, in the last page. */
static void test_usable_overlap_remainder_in_last_page_dropped(void **state)
{
	static const struct mem_range in[] = {
		{ 0xffffffffffffe000ull, 0x1fff, U, 0 },
		{ 0xffffffffffffe000ull, 0x1ff0, R, 0 },
		{ MiB(1), MiB(1), U, 0 },
	};
	static const struct want w[] = {
		{ MiB(1), MiB(2), U },
		{ 0xffffffffffffe000ull, 0xfffffffffffffff0ull, R },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_no_wrap(false);
	expect_map(w, ARRAY_SIZE(w));
	assert_string_equal(warn, OVERLAP_WARNING
			    "usable range 0xfffffffffffffff0+0xf lies in the last page "
			    "below 2^64; ignored\n");
}

/* A sub-page hole of another type takes its whole page from usable RAM. */
static void test_usable_around_unaligned_hole(void **state)
{
	static const struct mem_range in[] = {
		{ 0x1000, 0xf000, U, 0 },
		{ 0x3800, 0x400, A, 0 },
		{ 0x8010, 0x10, R, 0 },
	};
	static const struct want w[] = {
		{ 0x1000, 0x3000, U },
		{ 0x3800, 0x3c00, A },
		{ 0x4000, 0x8000, U },
		{ 0x8010, 0x8020, R },
		{ 0x9000, 0x10000, U },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	expect_map(w, ARRAY_SIZE(w));
}

/* --- failures and limits ------------------------------------------------------- */

static void test_no_usable_ram(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(1), R, 0 },
		{ MiB(1), 0x800, U, 0 },		/* less than a page */
	};

	(void)state;
	assert_int_equal(normalise(in, ARRAY_SIZE(in)), -1);
	assert_string_equal(err, "memory map (2 entries) has no usable RAM");

	assert_int_equal(normalise(NULL, 0), -1);
	assert_string_equal(err, "memory map (0 entries) has no usable RAM");
	assert_int_equal(out->n, 0);
}

static void test_too_many_entries(void **state)
{
	static struct mem_range in[BOOT_MAX_MEM + 1];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(in); i++)
		in[i] = (struct mem_range){ 2 * i * PAGE_SIZE, PAGE_SIZE, U, 0 };
	assert_int_equal(normalise(in, BOOT_MAX_MEM + 1), -1);
	assert_string_equal(err, "memory map has 257 entries (at most 256)");
	assert_int_equal(out->n, 0);

	/* 256 separate ranges: all kept */
	normalise_ok(in, BOOT_MAX_MEM);
	assert_int_equal(out->n, BOOT_MAX_MEM);
	for (u32 i = 0; i < BOOT_MAX_MEM; i++) {
		assert_int_equal(out->r[i].base, 2 * i * PAGE_SIZE);
		assert_int_equal(out->r[i].size, PAGE_SIZE);
	}
}

/* One usable range with 255 bad pages punched into it, one page apart:
 * 511 pieces, the most 256 entries can give (MEMMAP_MAX is 512). */
static void test_most_pieces(void **state)
{
	static struct mem_range in[BOOT_MAX_MEM];

	(void)state;
	in[0] = (struct mem_range){ 0, 512 * PAGE_SIZE, U, 0 };
	for (u32 i = 1; i < BOOT_MAX_MEM; i++)
		in[i] = (struct mem_range){ (2 * i - 1) * PAGE_SIZE, PAGE_SIZE, B, 0 };
	normalise_ok(in, BOOT_MAX_MEM);
	assert_int_equal(out->n, 2 * BOOT_MAX_MEM - 1);
	/* U B U B ... B U, the last usable piece two pages long */
	for (u32 j = 0; j < out->n; j++) {
		u64 size = j == out->n - 1 ? 2 * PAGE_SIZE : PAGE_SIZE;
		assert_int_equal(out->r[j].base, j * PAGE_SIZE);
		assert_int_equal(out->r[j].size, size);
		assert_int_equal(out->r[j].type, j % 2 ? B : U);
	}
	assert_int_equal(memmap_total(out, B), 255 * PAGE_SIZE);
	assert_int_equal(memmap_total(out, U), 257 * PAGE_SIZE);
	assert_string_equal(warn, OVERLAP_WARNING);
}

/* --- totals and names ------------------------------------------------------------ */

static void test_totals_and_top(void **state)
{
	static const struct mem_range in[] = {
		{ 0, 0x9fc00, U, 0 },
		{ 0x9fc00, 0x400, R, 0 },
		{ MiB(1), MiB(127), U, 0 },
		{ MiB(64), MiB(1), A, 0 },
		{ MiB(200), MiB(2), N, 0 },
		{ GiB(4), GiB(1), U, 0 },
	};

	(void)state;
	normalise_ok(in, ARRAY_SIZE(in));
	assert_int_equal(memmap_total(out, U), 0x9f000 + MiB(126) + GiB(1));
	assert_int_equal(memmap_total(out, R), 0x400);
	assert_int_equal(memmap_total(out, A), MiB(1));
	assert_int_equal(memmap_total(out, N), MiB(2));
	assert_int_equal(memmap_total(out, B), 0);
	assert_int_equal(memmap_top(out, U), GiB(5));
	assert_int_equal(memmap_top(out, A), MiB(65));
	assert_int_equal(memmap_top(out, N), MiB(202));
	assert_int_equal(memmap_top(out, B), 0);
}

/* --- the warning buffer ------------------------------------------------------------ */

static void test_warn_buffer_optional_and_bounded(void **state)
{
	static const struct mem_range in[] = {
		{ 0, MiB(4), U, 0 },
		{ MiB(1), MiB(1), R, 0 },
		{ 0xfffffffffffff000ull, 0x2000, R, 0 },
	};
	static const struct want w[] = { { 0, MiB(1), U }, { MiB(1), MiB(2), R }, { MiB(2), MiB(4), U } };
	char small[12];

	(void)state;
	memset(out, 0, sizeof(*out));
	assert_int_equal(memmap_normalise(in, ARRAY_SIZE(in), out, NULL, 0, err, sizeof(err)), 0);
	expect_map(w, ARRAY_SIZE(w));

	memset(small, 'x', sizeof(small));
	assert_int_equal(memmap_normalise(in, ARRAY_SIZE(in), out, small, sizeof(small), err,
					  sizeof(err)), 0);
	assert_string_equal(small, "memory rang");
	expect_map(w, ARRAY_SIZE(w));

	memset(small, 'x', sizeof(small));
	assert_int_equal(memmap_normalise(in, ARRAY_SIZE(in), out, small, 1, err, sizeof(err)), 0);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unsorted_e820),
		T(test_overlap_restrictive_type_wins),
		T(test_overlap_ranking_independent_of_order),
		T(test_partial_overlap),
		T(test_unknown_types_are_reserved),
		T(test_adjacent_same_type_merged),
		T(test_duplicates_merged),
		T(test_gaps_kept),
		T(test_zero_size_dropped),
		T(test_zero_size_dropped_silently),
		T(test_wrapping_range_ignored),
		T(test_usable_trimmed_to_pages),
		T(test_usable_around_unaligned_hole),
		T(test_usable_in_last_page_dropped),
		T(test_usable_overlap_remainder_in_last_page_dropped),
		T(test_no_usable_ram),
		T(test_too_many_entries),
		T(test_most_pieces),
		T(test_totals_and_top),
		T(test_warn_buffer_optional_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
