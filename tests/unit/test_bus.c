/* The I/O buses (hv/vdev/bus.c): regions claimed and refused, and the
 * clipping rules that ports and MMIO share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "hv/vdev/bus.h"

/* A device with 8 bytes of registers that records every access. */
struct dev {
	u8 reg[8];
	u32 calls;
	u64 last_offset;
	u8 last_size;
};

static u64 dev_read(void *d, u64 offset, u8 size)
{
	struct dev *dv = d;
	u64 v = 0;

	assert_true(offset + size <= sizeof(dv->reg));	/* never past its region */
	dv->calls++;
	dv->last_offset = offset;
	dv->last_size = size;
	memcpy(&v, &dv->reg[offset], size);
	return v | (0xdeadbeefdeadbeefull & ~BYTES_MASK(size)); /* the bus masks it */
}

static void dev_write(void *d, u64 offset, u8 size, u64 val)
{
	struct dev *dv = d;

	assert_true(offset + size <= sizeof(dv->reg));
	assert_int_equal(val & ~BYTES_MASK(size), 0);
	dv->calls++;
	dv->last_offset = offset;
	dv->last_size = size;
	memcpy(&dv->reg[offset], &val, size);
}

static struct io_bus bus;
static struct dev a, b;

static int setup(void **state)
{
	(void)state;
	memset(&bus, 0, sizeof(bus));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	return 0;
}

static struct io_region region(u64 base, u64 size, struct dev *d)
{
	return (struct io_region){ base, size, dev_read, dev_write, d };
}

static void register_and_refuse(void **state)
{
	(void)state;
	struct io_region r = region(0x100, 8, &a);

	bus.end = 0x10000;
	assert_int_equal(io_bus_register(&bus, &r), 0);
	static const struct { u64 base, size; } bad[] = {
		{ 0x100, 8 }, { 0xfc, 8 }, { 0x107, 1 }, { 0xff, 2 },	/* overlaps */
		{ 0x200, 0 },						/* empty */
		{ 0xfffc, 8 }, { 0x10000, 1 },				/* past the end */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct io_region x = region(bad[i].base, bad[i].size, &b);
		assert_int_equal(io_bus_register(&bus, &x), -1);
	}
	assert_int_equal(bus.n, 1);
	struct io_region next = region(0x108, 8, &b), last = region(0xfff8, 8, &b);
	assert_int_equal(io_bus_register(&bus, &next), 0);	/* adjacent is fine */
	assert_int_equal(io_bus_register(&bus, &last), 0);
}

static void wrap_refused_without_end(void **state)
{
	(void)state;
	struct io_region wraps = region(~0ull - 3, 8, &a), top = region(~0ull - 7, 8, &a);

	assert_int_equal(io_bus_register(&bus, &wraps), -1);
	assert_int_equal(io_bus_register(&bus, &top), 0);
	assert_ptr_equal(io_bus_find(&bus, ~0ull)->dev, &a);
}

static void bus_full(void **state)
{
	(void)state;
	for (u32 i = 0; i < IO_BUS_MAX_REGIONS; i++) {
		struct io_region r = region(i * 16, 8, &a);
		assert_int_equal(io_bus_register(&bus, &r), 0);
	}
	struct io_region r = region(0x1000, 8, &a);
	assert_int_equal(io_bus_register(&bus, &r), -1);
}

static void whole_access_reaches_the_device_once(void **state)
{
	(void)state;
	struct io_region r = region(0x100, 8, &a);

	assert_int_equal(io_bus_register(&bus, &r), 0);
	io_bus_write(&bus, 0x102, 4, 0xffffffff11223344ull);	/* masked to 4 bytes */
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.last_offset, 2);
	assert_int_equal(a.last_size, 4);
	assert_int_equal(io_bus_read(&bus, 0x102, 4), 0x11223344);
	assert_int_equal(io_bus_read(&bus, 0x100, 8), 0x0000112233440000ull);
	assert_int_equal(a.calls, 3);
}

static void unclaimed_reads_ones_and_drops_writes(void **state)
{
	(void)state;
	struct io_region r = region(0x100, 8, &a);

	assert_int_equal(io_bus_register(&bus, &r), 0);
	assert_int_equal(io_bus_read(&bus, 0x80, 1), 0xff);
	assert_int_equal(io_bus_read(&bus, 0x80, 2), 0xffff);
	assert_int_equal(io_bus_read(&bus, 0x80, 4), 0xffffffff);
	assert_int_equal(io_bus_read(&bus, 0x80, 8), ~0ull);
	io_bus_write(&bus, 0x80, 4, 0x12345678);
	assert_int_equal(a.calls, 0);
}

static void straddling_access_is_split_at_the_edge(void **state)
{
	(void)state;
	struct io_region r = region(0x100, 8, &a), s = region(0x108, 8, &b);

	assert_int_equal(io_bus_register(&bus, &r), 0);
	memcpy(a.reg, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	/* From the last two bytes of a into unclaimed space. */
	assert_int_equal(io_bus_read(&bus, 0x106, 4), 0xffff0807);
	io_bus_write(&bus, 0x106, 4, 0xaabbccdd);
	assert_int_equal(a.reg[6], 0xdd);
	assert_int_equal(a.reg[7], 0xcc);
	/* From a into b: each gets its own bytes. */
	assert_int_equal(io_bus_register(&bus, &s), 0);
	io_bus_write(&bus, 0x107, 2, 0x9988);
	assert_int_equal(a.reg[7], 0x88);
	assert_int_equal(b.reg[0], 0x99);
	assert_int_equal(io_bus_read(&bus, 0x107, 2), 0x9988);
}

static void null_callbacks(void **state)
{
	(void)state;
	struct io_region ro = { 0x100, 4, dev_read, NULL, &a };
	struct io_region wo = { 0x104, 4, NULL, dev_write, &b };

	assert_int_equal(io_bus_register(&bus, &ro), 0);
	assert_int_equal(io_bus_register(&bus, &wo), 0);
	io_bus_write(&bus, 0x100, 4, 0x1234);		/* dropped */
	assert_int_equal(a.calls, 0);
	assert_int_equal(io_bus_read(&bus, 0x104, 2), 0xffff);
	io_bus_write(&bus, 0x104, 2, 0x4321);
	assert_int_equal(b.reg[0], 0x21);
}

static void unregister_by_device(void **state)
{
	(void)state;
	struct io_region r1 = region(0x100, 4, &a), r2 = region(0x200, 4, &b);
	struct io_region r3 = region(0x300, 4, &a);

	assert_int_equal(io_bus_register(&bus, &r1), 0);
	assert_int_equal(io_bus_register(&bus, &r2), 0);
	assert_int_equal(io_bus_register(&bus, &r3), 0);
	io_bus_unregister(&bus, &a);
	assert_int_equal(bus.n, 1);
	assert_null(io_bus_find(&bus, 0x100));
	assert_null(io_bus_find(&bus, 0x300));
	assert_ptr_equal(io_bus_find(&bus, 0x203)->dev, &b);
	assert_int_equal(io_bus_register(&bus, &r1), 0);	/* free again */
}

static void msr_ranges(void **state)
{
	struct msr_bus mb = { 0 };
	int a, b;
	const struct msr_region lapic = { 0x800, 0x100, NULL, NULL, &a };

	(void)state;
	assert_int_equal(msr_bus_register(&mb, &lapic), 0);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x8ff, 1, NULL, NULL, &b }), -1);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x700, 0x101, NULL, NULL, &b }), -1);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x900, 0, NULL, NULL, &b }), -1);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0xffffffff, 2, NULL, NULL, &b }), -1);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x6e0, 1, NULL, NULL, &b }), 0);
	assert_ptr_equal(msr_bus_find(&mb, 0x800)->dev, &a);
	assert_ptr_equal(msr_bus_find(&mb, 0x8ff)->dev, &a);
	assert_ptr_equal(msr_bus_find(&mb, 0x6e0)->dev, &b);
	assert_null(msr_bus_find(&mb, 0x900));
	assert_null(msr_bus_find(&mb, 0x7ff));
	for (u32 i = 0; i < MSR_BUS_MAX_REGIONS - 2; i++)
		assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x1000 + i, 1, NULL, NULL, &b }), 0);
	assert_int_equal(msr_bus_register(&mb, &(struct msr_region){ 0x2000, 1, NULL, NULL, &b }), -1);
	msr_bus_unregister(&mb, &b);
	assert_int_equal(mb.n, 1);
	assert_null(msr_bus_find(&mb, 0x6e0));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(register_and_refuse),
		T(wrap_refused_without_end),
		T(bus_full),
		T(whole_access_reaches_the_device_once),
		T(unclaimed_reads_ones_and_drops_writes),
		T(straddling_access_is_split_at_the_edge),
		T(null_callbacks),
		T(unregister_by_device),
		T(msr_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
