/* Host tests for guest RAM access (hv/emul/guest_mem.c). Each region is backed
 * by its own heap buffer of exactly the region's size, so a copy that
 * strays past a region shows up as an ASan report, and a copy that should
 * have crossed into the next region but did not shows up in the data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/emul/guest_mem.h"

#define P PAGE_SIZE
#define TOP (~0ull)

static struct guest_mem gm;

static u8 *host(u32 i)
{
	return (u8 *)(uintptr_t)gm.r[i].hpa;
}

/* Appends a region of size bytes at gpa, filled with its index + 1. */
static void add(u64 gpa, u64 size)
{
	u8 *buf = aligned_alloc(P, size);

	assert_non_null(buf);
	memset(buf, (int)gm.n + 1, size);
	gm.r[gm.n++] = (struct gmem_region){ gpa, (u64)(uintptr_t)buf, size };
	gm.size += size;
}

/* Three regions: [0, 2P) and [2P, 3P) touch, then a hole, then
 * [16P, 17P). */
static int setup(void **state)
{
	(void)state;
	memset(&gm, 0, sizeof(gm));
	add(0, 2 * P);
	add(2 * P, P);
	add(16 * P, P);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (u32 i = 0; i < gm.n; i++)
		free(host(i));
	return 0;
}

static void test_ptr_inside_and_at_edges(void **state)
{
	(void)state;
	assert_ptr_equal(gmem_ptr(&gm, 0, 1), host(0));
	assert_ptr_equal(gmem_ptr(&gm, 0, 2 * P), host(0));
	assert_ptr_equal(gmem_ptr(&gm, 2 * P - 1, 1), host(0) + 2 * P - 1);
	assert_ptr_equal(gmem_ptr(&gm, 2 * P, P), host(1));
	assert_ptr_equal(gmem_ptr(&gm, 17 * P - 8, 8), host(2) + P - 8);
}

static void test_ptr_refuses(void **state)
{
	(void)state;
	assert_null(gmem_ptr(&gm, 0, 0));		/* len 0 */
	assert_null(gmem_ptr(&gm, 0, 2 * P + 1));	/* crosses into region 1 */
	assert_null(gmem_ptr(&gm, 2 * P - 1, 2));	/* also crosses */
	assert_null(gmem_ptr(&gm, 3 * P, 1));		/* in the hole */
	assert_null(gmem_ptr(&gm, 3 * P - 1, 2));	/* runs into the hole */
	assert_null(gmem_ptr(&gm, 17 * P - 8, 9));	/* past the last region */
	assert_null(gmem_ptr(&gm, 17 * P, 1));
	assert_null(gmem_ptr(&gm, 8, TOP));		/* wraps */
	assert_null(gmem_ptr(&gm, TOP, 2));
}

static void test_is_ram(void **state)
{
	(void)state;
	assert_true(gmem_is_ram(&gm, 0, 3 * P));		/* two regions that touch */
	assert_true(gmem_is_ram(&gm, P, 2 * P));
	assert_true(gmem_is_ram(&gm, 16 * P, P));
	assert_true(gmem_is_ram(&gm, 5 * P, 0));		/* len 0: anywhere */
	assert_true(gmem_is_ram(&gm, TOP, 0));
	assert_false(gmem_is_ram(&gm, 0, 3 * P + 1));	/* one byte into the hole */
	assert_false(gmem_is_ram(&gm, 0, 17 * P));		/* spans the hole */
	assert_false(gmem_is_ram(&gm, 17 * P - 1, 2));
	assert_false(gmem_is_ram(&gm, 4 * P, 1));
	assert_false(gmem_is_ram(&gm, 16 * P, TOP));		/* wraps */
	assert_false(gmem_is_ram(&gm, TOP, 1));
}

static void test_write_read_across_regions(void **state)
{
	u8 in[64], out[64];

	(void)state;
	for (u32 i = 0; i < sizeof(in); i++)
		in[i] = (u8)(0x80 + i);
	assert_int_equal(gmem_write(&gm, 2 * P - 20, in, sizeof(in)), 0);
	assert_memory_equal(host(0) + 2 * P - 20, in, 20);
	assert_memory_equal(host(1), in + 20, 44);
	assert_int_equal(host(0)[2 * P - 21], 1);
	assert_int_equal(host(1)[44], 2);

	memset(out, 0, sizeof(out));
	assert_int_equal(gmem_read(&gm, 2 * P - 20, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
}

static void test_failed_copy_changes_nothing(void **state)
{
	u8 in[32], out[32];

	(void)state;
	memset(in, 0xee, sizeof(in));
	memset(out, 0x55, sizeof(out));
	/* The first 16 bytes are RAM, the rest the hole: nothing is copied. */
	assert_int_equal(gmem_write(&gm, 3 * P - 16, in, sizeof(in)), -1);
	assert_int_equal(host(1)[P - 16], 2);
	assert_int_equal(host(1)[P - 1], 2);
	assert_int_equal(gmem_read(&gm, 3 * P - 16, out, sizeof(out)), -1);
	assert_int_equal(out[0], 0x55);
	assert_int_equal(gmem_zero(&gm, 3 * P - 16, sizeof(out)), -1);
	assert_int_equal(host(1)[P - 1], 2);
	assert_int_equal(gmem_write(&gm, TOP - 3, in, 8), -1);
}

static void test_len_zero(void **state)
{
	(void)state;
	assert_int_equal(gmem_write(&gm, 5 * P, NULL, 0), 0);
	assert_int_equal(gmem_read(&gm, 5 * P, NULL, 0), 0);
	assert_int_equal(gmem_zero(&gm, TOP, 0), 0);
}

static void test_zero(void **state)
{
	(void)state;
	assert_int_equal(gmem_zero(&gm, P, 2 * P), 0);
	assert_int_equal(host(0)[P - 1], 1);
	for (u64 i = P; i < 2 * P; i++)
		assert_int_equal(host(0)[i], 0);
	for (u64 i = 0; i < P; i++)
		assert_int_equal(host(1)[i], 0);
	assert_int_equal(host(2)[0], 3);
}

/* A region ending at the top of the address space: its end does not fit
 * in 64 bits, which must not confuse the range checks. */
static void test_region_at_top(void **state)
{
	(void)state;
	add(TOP - P + 1, P);
	assert_ptr_equal(gmem_ptr(&gm, TOP - 15, 16), host(3) + P - 16);
	assert_ptr_equal(gmem_ptr(&gm, TOP, 1), host(3) + P - 1);
	assert_null(gmem_ptr(&gm, TOP, 2));
	assert_true(gmem_is_ram(&gm, TOP - P + 1, P));
	assert_false(gmem_is_ram(&gm, TOP - P + 1, P + 1));
	assert_int_equal(gmem_zero(&gm, TOP - 7, 8), 0);
	assert_int_equal(host(3)[P - 1], 0);
}

static void test_empty(void **state)
{
	struct guest_mem none = { .n = 0 };

	(void)state;
	assert_null(gmem_ptr(&none, 0, 1));
	assert_false(gmem_is_ram(&none, 0, 1));
	assert_true(gmem_is_ram(&none, 0, 0));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ptr_inside_and_at_edges),
		T(test_ptr_refuses),
		T(test_is_ram),
		T(test_write_read_across_regions),
		T(test_failed_copy_changes_nothing),
		T(test_len_zero),
		T(test_zero),
		T(test_region_at_top),
		T(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
