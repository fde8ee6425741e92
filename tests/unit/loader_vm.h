/* What the loader tests (test_loader.c, test_bzimage.c) share: a VM whose
 * RAM is heap buffers filled with FILL, ways to read it back, and a load
 * from a heap copy of exactly the kernel's size, so that a read past the
 * file is an ASan report. A refused load must leave every byte of RAM as
 * it was: expect_refused() compares a copy taken before. Include after
 * cmocka.h. */
#ifndef TESTS_UNIT_LOADER_VM_H
#define TESTS_UNIT_LOADER_VM_H

#include "hv/loader/loader.h"

#define FILL 0xaa

static struct guest_mem gm;
static struct load_request rq;
static struct guest_entry e;
static char err[256];

static inline void vm_add(u64 gpa, u64 size)
{
	u8 *buf = aligned_alloc(PAGE_SIZE, size);

	assert_non_null(buf);
	memset(buf, FILL, size);
	gm.r[gm.n++] = (struct gmem_region){ gpa, (u64)(uintptr_t)buf, size };
	gm.size += size;
}

/* One copy of RAM, kept between loads: fresh pages for every copy would
 * cost more than the copying. */
static u8 *vm_copy;
static u64 vm_copy_size;

static inline void vm_free(void)
{
	for (u32 i = 0; i < gm.n; i++)
		free((void *)(uintptr_t)gm.r[i].hpa);
	memset(&gm, 0, sizeof(gm));
	free(vm_copy);
	vm_copy = NULL;
	vm_copy_size = 0;
}

static inline void vm_refill(void)
{
	for (u32 i = 0; i < gm.n; i++)
		memset((void *)(uintptr_t)gm.r[i].hpa, FILL, gm.r[i].size);
}

/* A copy of all RAM, to prove a refused load wrote nothing. */
static inline const u8 *vm_snapshot(void)
{
	u64 total = 0;
	u8 *p;

	for (u32 i = 0; i < gm.n; i++)
		total += gm.r[i].size;	/* not gm.size, which a test may fake */
	if (total > vm_copy_size) {
		free(vm_copy);
		vm_copy = malloc(total);
		assert_non_null(vm_copy);
		vm_copy_size = total;
	}
	p = vm_copy;
	for (u32 i = 0; i < gm.n; p += gm.r[i].size, i++)
		memcpy(p, (const void *)(uintptr_t)gm.r[i].hpa, gm.r[i].size);
	return vm_copy;
}

static inline bool vm_same(const u8 *copy)
{
	for (u32 i = 0; i < gm.n; copy += gm.r[i].size, i++)
		if (memcmp(copy, (const void *)(uintptr_t)gm.r[i].hpa, gm.r[i].size))
			return false;
	return true;
}

static inline u8 *gp(u64 gpa, u64 len)
{
	u8 *p = gmem_ptr(&gm, gpa, len);

	if (!p)
		fail_msg("0x%llx+0x%llx is not in one region", (unsigned long long)gpa,
			 (unsigned long long)len);
	return p;
}

static inline u32 rd32(u64 gpa)
{
	u32 v;

	assert_int_equal(gmem_read(&gm, gpa, &v, 4), 0);
	return v;
}

static inline u64 rd64(u64 gpa)
{
	u64 v;

	assert_int_equal(gmem_read(&gm, gpa, &v, 8), 0);
	return v;
}

static inline void assert_filled(u64 gpa, u64 len, u8 v)
{
	const u8 *p = gp(gpa, len);

	for (u64 i = 0; i < len; i++)
		if (p[i] != v)
			fail_msg("byte 0x%llx is 0x%02x, not 0x%02x", (unsigned long long)(gpa + i),
				 p[i], v);
}

/* Loads the size bytes at kernel as the file name, with rq. */
static inline int load_file(const char *name, const u8 *kernel, u64 size)
{
	u8 *copy = malloc(size ? size : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, kernel, size);
	rq.kernel = (struct load_file){ name, copy, size };
	memset(&e, 0x5a, sizeof(e));
	memset(err, 'x', sizeof(err));
	rc = loader_load(&gm, &rq, &e, err, sizeof(err));
	free(copy);
	return rc;
}

/* The load must fail with msg in one line, clear the entry and leave RAM
 * untouched. */
static inline void expect_refused(const char *name, const u8 *kernel, u64 size, const char *msg)
{
	const u8 *before = vm_snapshot();

	assert_int_equal(load_file(name, kernel, size), -1);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" is not \"%s\"", err, msg);
	assert_null(strchr(err, '\n'));
	assert_int_equal(e.ip, 0);
	assert_int_equal(e.eax, 0);
	assert_int_equal(e.rsi, 0);
	if (!vm_same(before))
		fail_msg("a refused kernel changed guest RAM");
}

#endif
