/* Host tests for the multiboot2 parser (boot/multiboot2.c) and for the
 * check of the boot_info that lucid.efi hands over (boot/boot_info.c).
 * Each multiboot2 information structure is built here tag by tag, then
 * copied into a heap block of exactly the size the parser is allowed to
 * read, so any read past the end is an ASan report. Expected messages are
 * written out by hand from the format strings in the sources. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot_info.h"
#include "boot/multiboot2.h"

/* Tag types, from the multiboot2 specification. */
enum {
	TAG_END = 0,
	TAG_CMDLINE = 1,
	TAG_LOADER_NAME = 2,
	TAG_MODULE = 3,
	TAG_BASIC_MEMINFO = 4,
	TAG_MMAP = 6,
	TAG_EFI64 = 12,
	TAG_ACPI_OLD = 14,
	TAG_ACPI_NEW = 15,
	TAG_LOAD_BASE = 21,
};

/* multiboot2 memory types */
enum { MB_RAM = 1, MB_RESERVED = 2, MB_ACPI = 3, MB_NVS = 4, MB_BAD = 5 };

struct mb_entry {
	u64 base;
	u64 len;
	u32 type;
	u32 zero;
};

/* --- building an information structure ------------------------------------ */

#define BUILD_MAX 16384

static u8 build[BUILD_MAX];
static u32 build_len;
static u8 *blob;		/* the exactly-sized copy handed to the parser */
static struct boot_info bi;
static char err[160];

static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }

static void mb_begin(void)
{
	memset(build, 0, sizeof(build));
	build_len = 8;			/* total_size, reserved */
}

/* Appends a tag whose size field says `size` (which may lie) followed by
 * plen payload bytes, then pads to 8 bytes as the specification asks.
 * Returns the tag's offset. */
static u32 mb_tag_raw(u32 type, u32 size, const void *payload, u32 plen)
{
	u32 off = build_len;

	assert_true(off + 8 + plen + 7 <= BUILD_MAX);
	put32(build + off, type);
	put32(build + off + 4, size);
	if (plen)
		memcpy(build + off + 8, payload, plen);
	build_len = ALIGN_UP(off + 8 + plen, 8u);
	return off;
}

static u32 mb_tag(u32 type, const void *payload, u32 plen)
{
	return mb_tag_raw(type, 8 + plen, payload, plen);
}

static u32 mb_string(u32 type, const char *s)
{
	return mb_tag(type, s, (u32)strlen(s) + 1);
}

static void mb_end(void)
{
	mb_tag(TAG_END, NULL, 0);
}

/* A memory map tag: entry_size field `esize`, entries `stride` bytes apart,
 * and `extra` bytes of zeros after the last one. */
static void mb_mmap_raw(u32 esize, u32 stride, const struct mb_entry *e, u32 n, u32 extra)
{
	static u8 p[BUILD_MAX];
	u32 len = 8 + n * stride + extra;

	assert_true(len <= sizeof(p));
	memset(p, 0, len);
	put32(p, esize);
	put32(p + 4, 0);		/* entry_version */
	for (u32 i = 0; i < n; i++)
		memcpy(p + 8 + i * stride, &e[i], MIN(stride, (u32)sizeof(e[i])));
	mb_tag(TAG_MMAP, p, len);
}

static void mb_mmap(const struct mb_entry *e, u32 n)
{
	mb_mmap_raw(sizeof(*e), sizeof(*e), e, n, 0);
}

static void mb_module(u32 start, u32 end, const char *name)
{
	u8 p[256];
	u32 n = (u32)strlen(name) + 1;

	assert_true(8 + n <= sizeof(p));
	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, name, n);
	mb_tag(TAG_MODULE, p, 8 + n);
}

static const struct mb_entry one_ram[] = { { 0x100000, 0x7f00000, MB_RAM, 0 } };

/* Copies `alloc` bytes of what was built into a fresh heap block and
 * writes `total` into its total_size field. */
static const void *mb_finish_as(u32 total, u32 alloc)
{
	assert_true(alloc <= BUILD_MAX);
	free(blob);
	blob = malloc(alloc ? alloc : 1);
	assert_non_null(blob);
	memcpy(blob, build, alloc);
	if (alloc >= 4)
		put32(blob, total);
	return blob;
}

/* The usual case: total_size is exactly what was built. */
static const void *mb_finish(void)
{
	return mb_finish_as(build_len, build_len);
}

static int parse_len(const void *info, u64 max_len)
{
	memset(&bi, 0xa5, sizeof(bi));	/* the parser must clear it */
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	return mb2_parse(info, max_len, &bi, err, sizeof(err));
}

/* Parses what was built, with max_len = its size. */
static int parse(void)
{
	const void *info = mb_finish();

	return parse_len(info, build_len);
}

static void parse_ok(void)
{
	if (parse() != 0)
		fail_msg("mb2_parse failed: %s", err);
}

static void expect_error_len(const void *info, u64 max_len, const char *msg)
{
	assert_true(parse_len(info, max_len) < 0);
	if (strcmp(err, msg))
		fail_msg("error \"%s\" is not \"%s\"", err, msg);
}

static void expect_error(const char *msg)
{
	const void *info = mb_finish();

	expect_error_len(info, build_len, msg);
}

static int teardown(void **state)
{
	(void)state;
	free(blob);
	blob = NULL;
	return 0;
}

/* --- a complete structure, as GRUB would give it ----------------------------- */

static const struct mb_entry good_map[] = {
	{ 0x0, 0x9fc00, MB_RAM, 0 },
	{ 0x9fc00, 0x400, MB_RESERVED, 0 },
	{ 0xf0000, 0x10000, MB_RESERVED, 0 },
	{ 0x100000, 0x7fee0000, MB_RAM, 0 },
	{ 0x7ffe0000, 0x10000, MB_ACPI, 0 },
	{ 0x7fff0000, 0x10000, MB_NVS, 0 },
	{ 0x80000000, 0x100000, MB_BAD, 0 },
	{ 0xfeffc000, 0x4000, 7, 0 },		/* persistent memory: unknown */
};
/* What each entry above must become */
static const u32 good_map_types[] = {
	MEM_USABLE, MEM_RESERVED, MEM_RESERVED, MEM_USABLE,
	MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_BAD, MEM_RESERVED,
};

static u8 rsdp_old[20], rsdp_new[36];

static void fill_rsdps(void)
{
	memcpy(rsdp_old, "RSD PTR ", 8);
	memcpy(rsdp_new, "RSD PTR ", 8);
	for (int i = 8; i < 20; i++)
		rsdp_old[i] = (u8)(0x10 + i);
	for (int i = 8; i < 36; i++)
		rsdp_new[i] = (u8)(0x80 + i);
}

static void build_good(void)
{
	u32 load_base = 0x200000;

	fill_rsdps();
	mb_begin();
	mb_string(TAG_CMDLINE, "lucid.selftest=smp console=com1");
	mb_string(TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	mb_module(0x200000, 0x200123, "lucid.cfg");
	mb_module(0x300000, 0x400000, "guest.bin");
	mb_tag(TAG_LOAD_BASE, &load_base, 4);	/* not used by lucid */
	mb_tag(TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	mb_tag(TAG_ACPI_NEW, rsdp_new, sizeof(rsdp_new));
	mb_mmap(good_map, ARRAY_SIZE(good_map));
	mb_end();
}

static void test_good_structure(void **state)
{
	char err2[160];

	(void)state;
	build_good();
	parse_ok();
	assert_true(bi.magic == BOOT_INFO_MAGIC);
	assert_int_equal(bi.version, BOOT_INFO_VERSION);
	assert_string_equal(bi.cmdline, "lucid.selftest=smp console=com1");
	assert_string_equal(bi.loader, "GRUB (BIOS)");
	assert_int_equal(bi.nmem, ARRAY_SIZE(good_map));
	for (u32 i = 0; i < ARRAY_SIZE(good_map); i++) {
		assert_int_equal(bi.mem[i].base, good_map[i].base);
		assert_int_equal(bi.mem[i].size, good_map[i].len);
		assert_int_equal(bi.mem[i].type, good_map_types[i]);
		assert_int_equal(bi.mem[i].reserved, 0);
	}
	assert_int_equal(bi.nmod, 2);
	assert_string_equal(bi.mod[0].name, "lucid.cfg");
	assert_int_equal(bi.mod[0].base, 0x200000);
	assert_int_equal(bi.mod[0].size, 0x123);
	assert_string_equal(bi.mod[1].name, "guest.bin");
	assert_int_equal(bi.mod[1].base, 0x300000);
	assert_int_equal(bi.mod[1].size, 0x100000);
	/* GRUB gives copies of the RSDP: the ACPI 2.0 one is kept. */
	assert_int_equal(bi.rsdp, 0);
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, rsdp_new, 36);
	assert_int_equal(bi.efi_systab, 0);
	assert_int_equal(bi.reserved, 0);
	/* what the parser produces passes the hand-over check */
	assert_int_equal(boot_info_check(&bi, err2, sizeof(err2)), 0);
}

static void test_minimal_structure(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 1);
	assert_int_equal(bi.nmod, 0);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "multiboot2 (BIOS)");
	/* no RSDP tag: nothing made up */
	assert_int_equal(bi.rsdp, 0);
	assert_int_equal(bi.rsdp_copy_len, 0);
	for (u32 i = 0; i < sizeof(bi.rsdp_copy); i++)
		assert_int_equal(bi.rsdp_copy[i], 0);
	assert_int_equal(bi.efi_systab, 0);
}

static void test_efi64_tag_means_uefi(void **state)
{
	u64 systab = 0x7f9e018ull;

	(void)state;
	mb_begin();
	mb_string(TAG_LOADER_NAME, "GRUB 2.12");
	mb_tag(TAG_EFI64, &systab, 8);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_string_equal(bi.loader, "GRUB (UEFI)");
	assert_int_equal(bi.efi_systab, systab);
}

static void test_loader_names(void **state)
{
	char longname[80], expect[BOOT_LOADER_LEN];

	(void)state;
	mb_begin();
	mb_string(TAG_LOADER_NAME, "lucid-test-loader 1.0");
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_string_equal(bi.loader, "lucid-test-loader 1.0 (BIOS)");

	/* A long name is cut so that " (BIOS)" still fits. */
	memset(longname, 'L', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	mb_begin();
	mb_string(TAG_LOADER_NAME, longname);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_true(strlen(bi.loader) < BOOT_LOADER_LEN);
	memset(expect, 0, sizeof(expect));
	memset(expect, 'L', BOOT_LOADER_LEN - 8 - 1);
	strcat(expect, " (BIOS)");
	assert_string_equal(bi.loader, expect);

	/* A name without its NUL is ignored, not read past. */
	mb_begin();
	mb_tag(TAG_LOADER_NAME, "GRUB", 4);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_string_equal(bi.loader, "multiboot2 (BIOS)");
}

/* --- ACPI tags --------------------------------------------------------------- */

static void test_acpi_new_before_old_keeps_new(void **state)
{
	(void)state;
	fill_rsdps();
	mb_begin();
	mb_tag(TAG_ACPI_NEW, rsdp_new, sizeof(rsdp_new));
	mb_tag(TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, rsdp_new, 36);
}

static void test_acpi_old_only(void **state)
{
	(void)state;
	fill_rsdps();
	mb_begin();
	mb_tag(TAG_ACPI_OLD, rsdp_old, sizeof(rsdp_old));
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.rsdp_copy_len, 20);
	assert_memory_equal(bi.rsdp_copy, rsdp_old, 20);
	for (u32 i = 20; i < sizeof(bi.rsdp_copy); i++)
		assert_int_equal(bi.rsdp_copy[i], 0);
	assert_int_equal(bi.rsdp, 0);
}

static void test_acpi_short_tag_ignored_long_tag_cut(void **state)
{
	u8 big[40];

	(void)state;
	fill_rsdps();
	/* 19 bytes cannot be an RSDP */
	mb_begin();
	mb_tag(TAG_ACPI_OLD, rsdp_old, 19);
	mb_tag(TAG_ACPI_NEW, rsdp_new, 19);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.rsdp_copy_len, 0);

	/* a longer tag: only the 36 bytes of an RSDP are kept */
	for (u32 i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i + 1);
	mb_begin();
	mb_tag(TAG_ACPI_NEW, big, sizeof(big));
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, big, 36);
}

/* --- the header ---------------------------------------------------------------- */

static void test_null_or_misaligned_pointer(void **state)
{
	char expect[160];
	u8 *p;

	(void)state;
	expect_error_len(NULL, 4096, "multiboot2 information pointer 0 is null or misaligned");

	mb_begin();
	mb_mmap(one_ram, 1);
	mb_end();
	/* the same bytes, 4 bytes into the block */
	free(blob);
	blob = calloc(1, build_len + 4);
	assert_non_null(blob);
	p = blob + 4;
	memcpy(p, build, build_len);
	put32(p, build_len);
	snprintf(expect, sizeof(expect), "multiboot2 information pointer %#lx is null or misaligned",
		 (unsigned long)(uintptr_t)p);
	expect_error_len(p, build_len, expect);
}

static void test_total_size_too_small(void **state)
{
	(void)state;
	mb_begin();
	mb_end();			/* 16 bytes: the smallest possible */
	assert_int_equal(build_len, 16);
	expect_error("boot loader gave no memory map");

	expect_error_len(mb_finish_as(8, 16), 16, "multiboot2 information size 8 is implausible");
	expect_error_len(mb_finish_as(15, 16), 16, "multiboot2 information size 15 is implausible");
	expect_error_len(mb_finish_as(0, 16), 16, "multiboot2 information size 0 is implausible");
}

static void test_total_size_beyond_max_len(void **state)
{
	char expect[80];

	(void)state;
	build_good();
	snprintf(expect, sizeof(expect), "multiboot2 information size %u is implausible", build_len);
	/* the caller can vouch for 8 bytes fewer than the structure claims */
	expect_error_len(mb_finish_as(build_len, build_len - 8), build_len - 8, expect);
	/* max_len only bounds: more room than needed is fine */
	assert_int_equal(parse_len(mb_finish(), 1ull << 32), 0);
}

static void test_total_size_beyond_sanity(void **state)
{
	(void)state;
	mb_begin();
	mb_end();
	/* claims 2 MiB, caller allows 4 GiB: only the size may be read */
	expect_error_len(mb_finish_as(2u << 20, 16), 1ull << 32,
			 "multiboot2 information size 2097152 is implausible");
	/* 1 MiB + 8 is also refused */
	expect_error_len(mb_finish_as((1u << 20) + 8, 16), 1ull << 32,
			 "multiboot2 information size 1048584 is implausible");
}

/* total_size not a multiple of 8: what counts is whether the tags fit. */
static void test_total_size_misaligned(void **state)
{
	char expect[80];
	u32 end_off;

	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	end_off = build_len;
	mb_end();
	/* cuts the end tag to 4 bytes */
	snprintf(expect, sizeof(expect), "multiboot2 tag at offset %u is truncated", end_off);
	expect_error_len(mb_finish_as(build_len - 4, build_len - 4), build_len - 4, expect);
	/* 4 bytes after a complete end tag are never looked at */
	mb_tag_raw(0xdead, 0, NULL, 0);	/* half of it lies inside total_size */
	assert_int_equal(parse_len(mb_finish_as(end_off + 12, end_off + 12), end_off + 12), 0);
	assert_int_equal(bi.nmem, 1);
}

/* --- tags ---------------------------------------------------------------------- */

static void test_tag_past_end(void **state)
{
	char expect[80];
	u32 off;

	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	off = mb_tag_raw(TAG_CMDLINE, 64, "abc", 4);	/* says 64, has 12 */
	mb_end();
	/* 64 bytes from off run past the end (off + 16 + 8 == total) */
	assert_true(off + 64 > build_len);
	snprintf(expect, sizeof(expect), "multiboot2 tag 1 at offset %u has bad size 64", off);
	expect_error(expect);
}

static void test_zero_and_tiny_tag_size(void **state)
{
	char expect[80];
	u32 off;

	(void)state;
	mb_begin();
	mb_tag_raw(TAG_CMDLINE, 0, NULL, 0);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 tag 1 at offset 8 has bad size 0");

	mb_begin();
	mb_tag_raw(TAG_LOAD_BASE, 7, NULL, 0);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 tag 21 at offset 8 has bad size 7");

	/* an end tag with size 0 is no end tag either */
	mb_begin();
	mb_mmap(one_ram, 1);
	off = mb_tag_raw(TAG_END, 0, NULL, 0);
	snprintf(expect, sizeof(expect), "multiboot2 tag 0 at offset %u has bad size 0", off);
	expect_error(expect);
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	mb_string(TAG_CMDLINE, "1234567");	/* 16 bytes, ends at total_size */
	expect_error("multiboot2 information has no end tag");
}

/* A tag that ends at total_size but is not padded to 8 bytes. */
static void test_unpadded_last_tag(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	mb_string(TAG_CMDLINE, "abcd");	/* 13 bytes */
	expect_error_len(mb_finish_as(build_len - 3, build_len - 3), build_len - 3,
			 "multiboot2 information has no end tag");
}

static void test_tags_after_end_ignored(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(one_ram, 1);
	mb_end();
	mb_string(TAG_CMDLINE, "after the end");
	mb_tag_raw(TAG_MODULE, 0, NULL, 0);
	parse_ok();
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmod, 0);
}

static void test_unknown_tags_ignored(void **state)
{
	u8 junk[37];

	(void)state;
	memset(junk, 0xff, sizeof(junk));
	mb_begin();
	mb_tag(TAG_BASIC_MEMINFO, junk, 8);
	mb_tag(99, junk, sizeof(junk));
	mb_tag(0xffffffff, NULL, 0);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 1);
}

/* --- command line ----------------------------------------------------------- */

static void test_cmdline_limits(void **state)
{
	char line[BOOT_CMDLINE_LEN + 1];

	(void)state;
	memset(line, 'c', sizeof(line));
	line[BOOT_CMDLINE_LEN - 1] = '\0';	/* 255 characters: fits */
	mb_begin();
	mb_string(TAG_CMDLINE, line);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_string_equal(bi.cmdline, line);

	line[BOOT_CMDLINE_LEN - 1] = 'c';
	line[BOOT_CMDLINE_LEN] = '\0';		/* 256: refused, not cut */
	mb_begin();
	mb_string(TAG_CMDLINE, line);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("command line is 256 bytes; lucid accepts at most 255");
}

static void test_cmdline_not_terminated(void **state)
{
	(void)state;
	mb_begin();
	mb_tag(TAG_CMDLINE, "console=com1", 12);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 command line is not terminated");

	/* an empty payload has no NUL either */
	mb_begin();
	mb_tag(TAG_CMDLINE, NULL, 0);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 command line is not terminated");
}

/* --- modules ------------------------------------------------------------------ */

static void test_module_limits(void **state)
{
	char name[16];

	(void)state;
	mb_begin();
	for (u32 i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		mb_module(0x1000000 + i * 0x10000, 0x1000000 + i * 0x10000 + i, name);
	}
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmod, BOOT_MAX_MODULES);
	for (u32 i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		assert_string_equal(bi.mod[i].name, name);
		assert_int_equal(bi.mod[i].base, 0x1000000 + i * 0x10000);
		assert_int_equal(bi.mod[i].size, i);	/* mod0 is empty: allowed */
	}

	mb_begin();
	for (u32 i = 0; i <= BOOT_MAX_MODULES; i++)
		mb_module(0x1000000, 0x1001000, "m");
	mb_mmap(one_ram, 1);
	mb_end();
	{
		char want[64];

		snprintf(want, sizeof(want), "more than %u modules; lucid accepts at most %u",
			 BOOT_MAX_MODULES, BOOT_MAX_MODULES);
		expect_error(want);
	}
}

static void test_module_ends_before_start(void **state)
{
	(void)state;
	mb_begin();
	mb_module(0x2000, 0x1000, "backwards");
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("module 'backwards' ends (0x1000) before it starts (0x2000)");
}

static void test_module_name_length(void **state)
{
	char name[BOOT_NAME_LEN + 1];

	(void)state;
	memset(name, 'n', sizeof(name));
	name[BOOT_NAME_LEN - 1] = '\0';		/* 63 characters: fits */
	mb_begin();
	mb_module(0x1000, 0x2000, name);
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_string_equal(bi.mod[0].name, name);

	name[BOOT_NAME_LEN - 1] = 'n';
	name[BOOT_NAME_LEN] = '\0';		/* 64 */
	mb_begin();
	mb_module(0x1000, 0x2000, name);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("module name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is longer than 63 bytes");
}

static void test_module_malformed(void **state)
{
	u8 p[12] = { 0 };

	(void)state;
	/* start and end, no name at all */
	mb_begin();
	mb_tag(TAG_MODULE, p, 8);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 module tag is malformed");

	/* a name without its NUL */
	memcpy(p + 8, "abcd", 4);
	mb_begin();
	mb_tag(TAG_MODULE, p, 12);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 module tag is malformed");

	/* too short even for start and end */
	mb_begin();
	mb_tag(TAG_MODULE, p, 4);
	mb_mmap(one_ram, 1);
	mb_end();
	expect_error("multiboot2 module tag is malformed");
}

/* --- memory map --------------------------------------------------------------- */

static void test_mmap_entry_size_invalid(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap_raw(0, 24, one_ram, 1, 0);
	mb_end();
	expect_error("multiboot2 memory map entry size 0 is invalid");

	mb_begin();
	mb_mmap_raw(16, 16, one_ram, 1, 0);	/* too small for base, length, type */
	mb_end();
	expect_error("multiboot2 memory map entry size 16 is invalid");

	mb_begin();
	mb_mmap_raw(28, 28, one_ram, 1, 0);	/* not a multiple of 8 */
	mb_end();
	expect_error("multiboot2 memory map entry size 28 is invalid");
}

static void test_mmap_larger_entries(void **state)
{
	(void)state;
	/* a future loader with 32-byte entries: read at that stride */
	mb_begin();
	mb_mmap_raw(32, 32, good_map, 3, 0);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 3);
	for (u32 i = 0; i < 3; i++) {
		assert_int_equal(bi.mem[i].base, good_map[i].base);
		assert_int_equal(bi.mem[i].size, good_map[i].len);
		assert_int_equal(bi.mem[i].type, good_map_types[i]);
	}
}

static void test_mmap_truncated(void **state)
{
	u32 esize = 24;

	(void)state;
	mb_begin();
	mb_tag(TAG_MMAP, &esize, 4);		/* no entry_version */
	mb_end();
	expect_error("multiboot2 memory map tag is truncated");
}

static void test_mmap_partial_entry_ignored(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap_raw(24, 24, good_map, 2, 16);	/* 2 entries and 16 stray bytes */
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 2);
	assert_int_equal(bi.mem[1].base, good_map[1].base);
}

static void test_mmap_empty_or_missing(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(NULL, 0);
	mb_end();
	expect_error("boot loader gave no memory map");

	mb_begin();
	mb_string(TAG_CMDLINE, "no map");
	mb_end();
	expect_error("boot loader gave no memory map");
}

/* Overlaps are hv/mm/memmap.c's business: the parser passes them on as given. */
static void test_mmap_overlap_passed_through(void **state)
{
	static const struct mb_entry map[] = {
		{ 0x100000, 0x1000000, MB_RAM, 0 },
		{ 0x800000, 0x100000, MB_RESERVED, 0 },
		{ 0x100000, 0x1000000, MB_RAM, 0 },
	};

	(void)state;
	mb_begin();
	mb_mmap(map, ARRAY_SIZE(map));
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 3);
	for (u32 i = 0; i < 3; i++) {
		assert_int_equal(bi.mem[i].base, map[i].base);
		assert_int_equal(bi.mem[i].size, map[i].len);
	}
	assert_int_equal(bi.mem[1].type, MEM_RESERVED);
}

static void test_mmap_entry_limit(void **state)
{
	static struct mb_entry map[BOOT_MAX_MEM + 1];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb_entry){ (u64)i << 20, 1u << 20, MB_RAM, 0 };
	mb_begin();
	mb_mmap(map, BOOT_MAX_MEM);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	assert_int_equal(bi.mem[BOOT_MAX_MEM - 1].base, (u64)(BOOT_MAX_MEM - 1) << 20);

	mb_begin();
	mb_mmap(map, BOOT_MAX_MEM + 1);
	mb_end();
	expect_error("memory map has 257 entries; lucid accepts at most 256");
}

/* A second map replaces the first rather than adding to it. */
static void test_mmap_second_tag_replaces(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(good_map, ARRAY_SIZE(good_map));
	mb_mmap(one_ram, 1);
	mb_end();
	parse_ok();
	assert_int_equal(bi.nmem, 1);
	assert_int_equal(bi.mem[0].base, one_ram[0].base);
}

/* --- boot_info_check --------------------------------------------------------- */

static void good_boot_info(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
	bi.nmem = 1;
	bi.mem[0] = (struct mem_range){ 0x100000, 0x7f00000, MEM_USABLE, 0 };
	strcpy(bi.loader, "lucid.efi (UEFI)");
	strcpy(bi.cmdline, "console=com1");
	bi.nmod = 1;
	bi.mod[0] = (struct boot_module){ 0x400000, 0x1000, "lucid.cfg" };
}

static void check_ok(void)
{
	if (boot_info_check(&bi, err, sizeof(err)))
		fail_msg("boot_info_check failed: %s", err);
}

static void check_fails(const char *msg)
{
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	assert_true(boot_info_check(&bi, err, sizeof(err)) < 0);
	if (strcmp(err, msg))
		fail_msg("error \"%s\" is not \"%s\"", err, msg);
}

static void test_check_good(void **state)
{
	(void)state;
	good_boot_info();
	check_ok();
	/* the limits themselves are allowed */
	bi.nmem = BOOT_MAX_MEM;
	bi.nmod = BOOT_MAX_MODULES;
	bi.rsdp_copy_len = sizeof(bi.rsdp_copy);
	memset(bi.loader, 'l', sizeof(bi.loader) - 1);
	memset(bi.cmdline, 'c', sizeof(bi.cmdline) - 1);
	memset(bi.mod[5].name, 'm', sizeof(bi.mod[5].name) - 1);
	bi.mod[7] = (struct boot_module){ 0xffffffffffffe000ull, 0x1000, "high" };
	check_ok();
}

static void test_check_bad_magic_and_version(void **state)
{
	(void)state;
	good_boot_info();
	bi.magic = MB2_BOOTLOADER_MAGIC;
	check_fails("boot information has bad magic 0x36d76289");

	good_boot_info();
	bi.version = BOOT_INFO_VERSION + 1;
	check_fails("boot information version 2, lucid expects 1 (rebuild lucid.efi)");
}

static void test_check_counts(void **state)
{
	(void)state;
	good_boot_info();
	bi.nmem = 0;
	check_fails("boot information lists 0 memory ranges (1..256 allowed)");
	bi.nmem = BOOT_MAX_MEM + 1;
	check_fails("boot information lists 257 memory ranges (1..256 allowed)");
	bi.nmem = 0xffffffff;
	check_fails("boot information lists 4294967295 memory ranges (1..256 allowed)");

	good_boot_info();
	bi.nmod = BOOT_MAX_MODULES + 1;
	{
		char want[64];

		snprintf(want, sizeof(want), "boot information lists %u modules (at most %u)",
			 BOOT_MAX_MODULES + 1, BOOT_MAX_MODULES);
		check_fails(want);
	}

	good_boot_info();
	bi.rsdp_copy_len = sizeof(bi.rsdp_copy) + 1;
	check_fails("boot information RSDP copy length 37 is invalid");
}

static void test_check_unterminated_strings(void **state)
{
	(void)state;
	good_boot_info();
	memset(bi.loader, 'l', sizeof(bi.loader));
	check_fails("boot information strings are not terminated");

	good_boot_info();
	memset(bi.cmdline, 'c', sizeof(bi.cmdline));
	check_fails("boot information strings are not terminated");

	good_boot_info();
	bi.nmod = 3;
	strcpy(bi.mod[1].name, "b");
	memset(bi.mod[2].name, 'm', sizeof(bi.mod[2].name));
	check_fails("module 2 name is not terminated");
	/* names past nmod are not looked at */
	bi.nmod = 2;
	check_ok();
}

static void test_check_module_wraps(void **state)
{
	(void)state;
	good_boot_info();
	bi.mod[0] = (struct boot_module){ 0xfffffffffffff000ull, 0x2000, "wrap" };
	check_fails("module 'wrap' wraps around the address space");
}

/* --- must stay last: exposes a bug by an ASan report ------------------------- */

/* A caller that can vouch for fewer bytes than the 8-byte header: the
 * parser must refuse without reading total_size past max_len. */
static void test_max_len_smaller_than_header(void **state)
{
	(void)state;
	free(blob);
	blob = calloc(1, 2);
	assert_non_null(blob);
	assert_true(parse_len(blob, 2) < 0);
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_structure),
		T(test_minimal_structure),
		T(test_efi64_tag_means_uefi),
		T(test_loader_names),
		T(test_acpi_new_before_old_keeps_new),
		T(test_acpi_old_only),
		T(test_acpi_short_tag_ignored_long_tag_cut),
		T(test_null_or_misaligned_pointer),
		T(test_total_size_too_small),
		T(test_total_size_beyond_max_len),
		T(test_total_size_beyond_sanity),
		T(test_total_size_misaligned),
		T(test_tag_past_end),
		T(test_zero_and_tiny_tag_size),
		T(test_missing_end_tag),
		T(test_unpadded_last_tag),
		T(test_tags_after_end_ignored),
		T(test_unknown_tags_ignored),
		T(test_cmdline_limits),
		T(test_cmdline_not_terminated),
		T(test_module_limits),
		T(test_module_ends_before_start),
		T(test_module_name_length),
		T(test_module_malformed),
		T(test_mmap_entry_size_invalid),
		T(test_mmap_larger_entries),
		T(test_mmap_truncated),
		T(test_mmap_partial_entry_ignored),
		T(test_mmap_empty_or_missing),
		T(test_mmap_overlap_passed_through),
		T(test_mmap_entry_limit),
		T(test_mmap_second_tag_replaces),
		T(test_check_good),
		T(test_check_bad_magic_and_version),
		T(test_check_counts),
		T(test_check_unterminated_strings),
		T(test_check_module_wraps),
		T(test_max_len_smaller_than_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
