/* Host tests for the guest loaders (hv/loader/). Kernels are built here
 * byte by byte (ELF32, ELF64, a.out kludge, multiboot2 tags) and handed to
 * the loader in heap copies of exactly their size, so any read past the
 * file is an ASan report. The VM's RAM is heap buffers filled with 0xaa:
 * the tests read back what was loaded, parse the boot information the way
 * a kernel would and compare it with what went in, and check that a
 * refused kernel left every byte of RAM as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loader_vm.h"

#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MB1_MAGIC 0x1badb002u
#define MB2_MAGIC 0xe85250d6u

/* A guest string, kept in one of a few rotating buffers. */
static const char *rdstr(u64 gpa)
{
	static char buf[16][256];
	static unsigned next;
	char *b = buf[next++ % 16];

	for (u32 i = 0; i < sizeof(buf[0]); i++) {
		assert_int_equal(gmem_read(&gm, gpa + i, &b[i], 1), 0);
		if (!b[i])
			return b;
	}
	fail_msg("no NUL within %zu bytes at 0x%llx", sizeof(buf[0]), (unsigned long long)gpa);
	return NULL;
}

/* --- building kernels ---------------------------------------------------- */

static u8 img[0x12000];
static u64 img_size;

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }
static u32 get32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }

static void elf32_hdr(u32 entry, u16 nph)
{
	memset(img, 0, 52);
	memcpy(img, "\177ELF", 4);
	img[4] = 1;		/* ELFCLASS32 */
	img[5] = 1;		/* little-endian */
	img[6] = 1;
	put16(img + 16, 2);	/* ET_EXEC */
	put16(img + 18, 3);	/* EM_386 */
	put32(img + 20, 1);
	put32(img + 24, entry);
	put32(img + 28, 52);	/* e_phoff */
	put16(img + 40, 52);
	put16(img + 42, 32);	/* e_phentsize */
	put16(img + 44, nph);
}

static void elf32_ph(u16 i, u32 type, u32 off, u32 vaddr, u32 paddr, u32 filesz, u32 memsz,
		     u32 flags)
{
	u8 *p = img + 52 + i * 32;

	put32(p, type);
	put32(p + 4, off);
	put32(p + 8, vaddr);
	put32(p + 12, paddr);
	put32(p + 16, filesz);
	put32(p + 20, memsz);
	put32(p + 24, flags);
	put32(p + 28, 0x1000);
}

static void elf64_hdr(u64 entry, u16 nph)
{
	memset(img, 0, 64);
	memcpy(img, "\177ELF", 4);
	img[4] = 2;		/* ELFCLASS64 */
	img[5] = 1;
	img[6] = 1;
	put16(img + 16, 2);
	put16(img + 18, 62);	/* EM_X86_64 */
	put32(img + 20, 1);
	put64(img + 24, entry);
	put64(img + 32, 64);	/* e_phoff */
	put16(img + 52, 64);
	put16(img + 54, 56);	/* e_phentsize */
	put16(img + 56, nph);
}

static void elf64_ph(u16 i, u32 type, u64 off, u64 vaddr, u64 paddr, u64 filesz, u64 memsz,
		     u32 flags)
{
	u8 *p = img + 64 + i * 56;

	put32(p, type);
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, vaddr);
	put64(p + 24, paddr);
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, 0x1000);
}

static void mb1_hdr(u32 off, u32 flags)
{
	put32(img + off, MB1_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, -(MB1_MAGIC + flags));
}

static void mb1_kludge(u32 off, u32 header_addr, u32 load, u32 load_end, u32 bss_end, u32 entry)
{
	put32(img + off + 12, header_addr);
	put32(img + off + 16, load);
	put32(img + off + 20, load_end);
	put32(img + off + 24, bss_end);
	put32(img + off + 28, entry);
}

/* A multiboot2 header under construction: begin, tags, end. */
static u32 mb2_at, mb2_pos;

static void mb2_seal(u32 len)
{
	u32 arch = get32(img + mb2_at + 4);

	put32(img + mb2_at + 8, len);
	put32(img + mb2_at + 12, -(MB2_MAGIC + arch + len));
}

static void mb2_begin(u32 off)
{
	mb2_at = off;
	mb2_pos = off + 16;
	put32(img + off, MB2_MAGIC);
	put32(img + off + 4, 0);
}

static u8 *mb2_tag(u16 type, u16 flags, u32 size)
{
	u8 *t = img + mb2_pos;

	memset(t, 0, ALIGN_UP(size, 8));
	put16(t, type);
	put16(t + 2, flags);
	put32(t + 4, size);
	mb2_pos += ALIGN_UP(size, 8);
	return t;
}

static void mb2_end(void)
{
	mb2_tag(0, 0, 8);
	mb2_seal(mb2_pos - mb2_at);
}

static void mb2_address(u32 header_addr, u32 load, u32 load_end, u32 bss_end)
{
	u8 *t = mb2_tag(2, 0, 24);

	put32(t + 8, header_addr);
	put32(t + 12, load);
	put32(t + 16, load_end);
	put32(t + 20, bss_end);
}

static void mb2_entry(u32 entry)
{
	put32(mb2_tag(3, 0, 12) + 8, entry);
}

/* The standard kernel: text [1 MiB, +0x100), data 0x80 bytes at 1 MiB +
 * 4 KiB with bss up to K_END. */
#define K_TEXT 0x100000u
#define K_DATA 0x101000u
#define K_END 0x103000u
#define K_ENTRY 0x100010u
#define K_MB 0x80u		/* multiboot1 header offset (ELF32) */
#define K_MB2 0x100u		/* multiboot2 header offset */

static void std_contents(void)
{
	memset(img + 0x1000, 0x11, 0x100);
	memset(img + 0x1100, 0x22, 0x80);
	img_size = 0x1180;
}

static void std_elf32(void)
{
	memset(img, 0, sizeof(img));
	elf32_hdr(K_ENTRY, 2);
	elf32_ph(0, PT_LOAD, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100, PF_R | PF_X);
	elf32_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x80, K_END - K_DATA, PF_R | PF_W);
	std_contents();
}

static void std_elf64(void)
{
	memset(img, 0, sizeof(img));
	elf64_hdr(K_ENTRY, 2);
	elf64_ph(0, PT_LOAD, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100, PF_R | PF_X);
	elf64_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x80, K_END - K_DATA, PF_R | PF_W);
	std_contents();
}

static void std_mb1(u32 flags)
{
	std_elf32();
	mb1_hdr(K_MB, flags);
}

static void std_mb2(void)
{
	std_elf64();
	mb2_begin(K_MB2);
	mb2_end();
}

/* An a.out-kludge kernel, loaded from its first byte at 1 MiB: text
 * [0, 0x100) with the header at KL_HDR inside it, data at 0x1000, bss up to
 * K_END. */
#define KL_HDR 0x40u
#define KL_SIZE 0x1080u

static void kludge_contents(void)
{
	memset(img, 0, sizeof(img));
	memset(img, 0x11, 0x100);
	memset(img + 0x1000, 0x22, 0x80);
	img_size = KL_SIZE;
}

static void std_kludge(void)
{
	kludge_contents();
	mb1_hdr(KL_HDR, 1u << 16);
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, K_TEXT + KL_SIZE, K_END, K_ENTRY);
}

/* --- running the loader --------------------------------------------------- */

static int load(void)
{
	return load_file("k", img, img_size);
}

static void load_ok(void)
{
	if (load() != 0)
		fail_msg("loader_load failed: %s", err);
	assert_string_equal(err, "");
}

/* The load must fail with msg in one line and leave RAM untouched. */
static void expect_error(const char *msg)
{
	expect_refused("k", img, img_size, msg);
}

static int setup(void **state)
{
	(void)state;
	memset(&rq, 0, sizeof(rq));
	memset(img, 0, sizeof(img));
	img_size = 0;
	vm_add(0, MiB(16));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vm_free();
	return 0;
}

/* --- parsing the boot information back ------------------------------------ */

struct mape {
	u64 base, len;
	u32 type;
};

/* The memory map of a 16 MiB VM. */
static const struct mape map16[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xe0000, 0x20000, 2 },
	{ 0x100000, MiB(15), 1 },
};

struct bootinfo {
	const char *cmdline, *loader;
	u32 mem_lower, mem_upper;
	u32 nmods;
	u32 mod_start[8], mod_end[8];
	const char *mod_str[8];
	u32 nmap;
	struct mape map[40];
	u64 size;
};

static void parse_mb1(u64 at, struct bootinfo *b)
{
	u32 flags = rd32(at);

	memset(b, 0, sizeof(*b));
	assert_int_equal(flags, 0x24d);	/* MEMORY CMDLINE MODS MEM_MAP LOADER_NAME */
	b->mem_lower = rd32(at + 4);
	b->mem_upper = rd32(at + 8);
	b->cmdline = rdstr(rd32(at + 16));
	b->nmods = rd32(at + 20);
	assert_true(b->nmods <= 8);
	for (u32 i = 0; i < b->nmods; i++) {
		u64 m = rd32(at + 24) + i * 16;

		b->mod_start[i] = rd32(m);
		b->mod_end[i] = rd32(m + 4);
		b->mod_str[i] = rdstr(rd32(m + 8));
		assert_int_equal(rd32(m + 12), 0);
	}
	/* Entries are walked by their size field, as a kernel must. */
	u64 mm = rd32(at + 48), mend = mm + rd32(at + 44);
	while (mm < mend) {
		struct mape *m = &b->map[b->nmap++];

		assert_int_equal(rd32(mm), 20);
		m->base = rd64(mm + 4);
		m->len = rd64(mm + 12);
		m->type = rd32(mm + 20);
		mm += rd32(mm) + 4;
	}
	assert_int_equal(mm, mend);
	b->loader = rdstr(rd32(at + 64));
}

/* Walks the tags, checking their alignment, order and sizes. */
static void parse_mb2(u64 at, struct bootinfo *b)
{
	static const u32 order[] = { 1, 2, 3, 4, 6, 0 };
	u32 total = rd32(at), step = 0;
	u64 off = 8;

	memset(b, 0, sizeof(*b));
	assert_int_equal(rd32(at + 4), 0);
	b->size = total;
	for (;;) {
		u32 type, size;

		assert_true(off % 8 == 0 && off + 8 <= total);
		type = rd32(at + off);
		size = rd32(at + off + 4);
		assert_true(size >= 8 && off + size <= total);
		while (step < ARRAY_SIZE(order) && order[step] != type)
			step++;
		if (step == ARRAY_SIZE(order))
			fail_msg("tag %u out of order", type);
		switch (type) {
		case 0:
			assert_int_equal(size, 8);
			assert_int_equal(off + 8, total);
			return;
		case 1:
			b->cmdline = rdstr(at + off + 8);
			assert_int_equal(size, 8 + strlen(b->cmdline) + 1);
			break;
		case 2:
			b->loader = rdstr(at + off + 8);
			assert_int_equal(size, 8 + strlen(b->loader) + 1);
			break;
		case 3:
			assert_true(b->nmods < 8);
			b->mod_start[b->nmods] = rd32(at + off + 8);
			b->mod_end[b->nmods] = rd32(at + off + 12);
			b->mod_str[b->nmods] = rdstr(at + off + 16);
			assert_int_equal(size, 16 + strlen(b->mod_str[b->nmods]) + 1);
			b->nmods++;
			break;
		case 4:
			assert_int_equal(size, 16);
			b->mem_lower = rd32(at + off + 8);
			b->mem_upper = rd32(at + off + 12);
			break;
		case 6:
			assert_int_equal(rd32(at + off + 8), 24);	/* entry_size */
			assert_int_equal(rd32(at + off + 12), 0);	/* entry_version */
			assert_int_equal((size - 16) % 24, 0);
			for (u64 p = at + off + 16; p < at + off + size; p += 24) {
				b->map[b->nmap++] = (struct mape){ rd64(p), rd64(p + 8), rd32(p + 16) };
				assert_int_equal(rd32(p + 20), 0);
			}
			break;
		}
		off += ALIGN_UP(size, 8);
	}
}

static void check_map(const struct bootinfo *b, const struct mape *want, u32 n)
{
	assert_int_equal(b->nmap, n);
	for (u32 i = 0; i < n; i++) {
		if (b->map[i].base != want[i].base || b->map[i].len != want[i].len ||
		    b->map[i].type != want[i].type)
			fail_msg("map entry %u is [0x%llx +0x%llx type %u], not [0x%llx +0x%llx type %u]",
				 i, (unsigned long long)b->map[i].base,
				 (unsigned long long)b->map[i].len, b->map[i].type,
				 (unsigned long long)want[i].base, (unsigned long long)want[i].len,
				 want[i].type);
	}
}

/* What a kludge kernel looks like in RAM: its header ends by 0x80. */
static void check_kludge_kernel(void)
{
	assert_filled(K_TEXT, KL_HDR, 0x11);
	assert_filled(K_TEXT + 0x80, 0x80, 0x11);
	assert_filled(K_TEXT + 0x100, K_DATA - K_TEXT - 0x100, 0);	/* from the file */
	assert_filled(K_DATA, 0x80, 0x22);
	assert_filled(K_DATA + 0x80, K_END - K_DATA - 0x80, 0);		/* bss */
	assert_filled(0, PAGE_SIZE, FILL);
}

/* What the standard kernel must look like in RAM. */
static void check_std_kernel(void)
{
	assert_filled(K_TEXT, 0x100, 0x11);
	assert_filled(K_TEXT + 0x100, K_DATA - K_TEXT - 0x100, FILL);	/* the gap is not written */
	assert_filled(K_DATA, 0x80, 0x22);
	assert_filled(K_DATA + 0x80, K_END - K_DATA - 0x80, 0);		/* bss */
	assert_filled(0, PAGE_SIZE, FILL);				/* page 0 */
}

/* --- multiboot1 -------------------------------------------------------------- */

static void test_mb1_elf32(void **state)
{
	struct bootinfo b;

	(void)state;
	std_mb1(0);
	rq.cmdline = "console=ttyS0 quiet";
	load_ok();
	check_std_kernel();
	assert_int_equal(e.format, LOAD_MULTIBOOT1);
	assert_int_equal(e.mode, GUEST_PROTECTED);
	assert_int_equal(e.ip, K_ENTRY);
	assert_int_equal(e.eax, 0x2badb002);
	assert_int_equal(e.ebx, K_END);		/* no modules: right after the kernel */
	assert_int_equal(e.sp, 0);
	parse_mb1(e.ebx, &b);
	assert_string_equal(b.cmdline, "console=ttyS0 quiet");
	assert_string_equal(b.loader, "lucid");
	assert_int_equal(b.mem_lower, 639);
	assert_int_equal(b.mem_upper, 15 * 1024);
	assert_int_equal(b.nmods, 0);
	check_map(&b, map16, ARRAY_SIZE(map16));
	assert_true(e.end > e.ebx && e.end < e.ebx + PAGE_SIZE);
	assert_filled(e.end, PAGE_SIZE, FILL);	/* nothing written past end */
}

static void test_mb1_elf64(void **state)
{
	struct bootinfo b;

	(void)state;
	std_elf64();
	mb1_hdr(0xc0, 3);	/* page-aligned modules, memory information */
	load_ok();
	check_std_kernel();
	assert_int_equal(e.ip, K_ENTRY);
	assert_int_equal(e.eax, 0x2badb002);
	parse_mb1(e.ebx, &b);
	assert_string_equal(b.cmdline, "");
	assert_int_equal(b.mem_upper, 15 * 1024);
}

/* A higher-half kernel: the entry is virtual, found through the
 * executable segment's physical address. */
static void test_mb1_elf_higher_half_entry(void **state)
{
	(void)state;
	std_elf32();
	elf32_hdr(0xc010000c, 2);
	elf32_ph(0, PT_LOAD, 0x1000, 0xc0100000, K_TEXT, 0x100, 0x100, PF_R | PF_X);
	elf32_ph(1, PT_LOAD, 0x1100, 0xc0101000, K_DATA, 0x80, K_END - K_DATA, PF_R | PF_W);
	mb1_hdr(K_MB, 0);
	load_ok();
	check_std_kernel();
	assert_int_equal(e.ip, K_TEXT + 0xc);

	std_elf64();
	elf64_hdr(0xffffffff8010000cull, 2);
	elf64_ph(0, PT_LOAD, 0x1000, 0xffffffff80100000ull, K_TEXT, 0x100, 0x100, PF_R | PF_X);
	elf64_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x80, 0x80, PF_R | PF_W);
	mb1_hdr(0xc0, 0);
	load_ok();
	assert_int_equal(e.ip, K_TEXT + 0xc);
}

/* e_phentsize larger than the structure: entries are found by stride. */
static void test_mb1_elf_wide_phdrs(void **state)
{
	u8 ph[2][32];

	(void)state;
	std_elf32();
	memcpy(ph, img + 52, sizeof(ph));
	memset(img + 52, 0xee, 80);
	memcpy(img + 52, ph[0], 32);
	memcpy(img + 52 + 40, ph[1], 32);
	put16(img + 42, 40);
	mb1_hdr(0x88, 0);
	load_ok();
	check_std_kernel();
}

static void test_mb1_kludge(void **state)
{
	struct bootinfo b;

	(void)state;
	std_kludge();
	load_ok();
	/* The whole file is loaded, header included. */
	assert_int_equal(rd32(K_TEXT + KL_HDR), MB1_MAGIC);
	check_kludge_kernel();
	assert_int_equal(e.ip, K_ENTRY);
	assert_int_equal(e.ebx, K_END);
	parse_mb1(e.ebx, &b);
	check_map(&b, map16, ARRAY_SIZE(map16));
}

/* The kludge wins over ELF headers, as the spec says. */
static void test_mb1_kludge_on_elf(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	elf32_hdr(K_ENTRY, 1);
	elf32_ph(0, PT_LOAD, 0, 0x800000, 0x800000, 0x100, 0x100, PF_R | PF_X);
	mb1_hdr(0x60, 1u << 16);
	mb1_kludge(0x60, K_TEXT + 0x60, K_TEXT, 0, 0, K_ENTRY);
	img_size = 0x1000;
	load_ok();
	assert_memory_equal(gp(K_TEXT, 4), "\177ELF", 4);
	assert_filled(0x800000, 0x100, FILL);
}

/* load_end_addr 0 loads to the end of the file; bss_end_addr 0 means no
 * bss. The file starts before the load address here: loading starts at
 * the offset that puts the header at header_addr. */
static void test_mb1_kludge_defaults(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	std_contents();
	mb1_hdr(0xfc0, 1u << 16);	/* 0x40 bytes before the text */
	mb1_kludge(0xfc0, K_TEXT, K_TEXT, 0, 0, K_TEXT + 0x50);
	load_ok();
	assert_int_equal(rd32(K_TEXT), MB1_MAGIC);
	assert_filled(K_TEXT + 0x40, 0x100, 0x11);
	assert_filled(K_TEXT + 0x140, 0x80, 0x22);
	/* Loaded up to the file's end, nothing zeroed after it; the next
	 * page holds the boot information. */
	assert_filled(K_TEXT + 0x1c0, PAGE_SIZE - 0x1c0, FILL);
	assert_int_equal(e.ebx, K_TEXT + PAGE_SIZE);
}

static const u8 mod_a[5000] = { [0] = 0x33, [4999] = 0x34 };
static const u8 mod_c[1] = { 0x55 };

static const struct load_module three_mods[] = {
	{ { "initrd.img", mod_a, sizeof(mod_a) }, "initrd root=/dev/ram0" },
	{ { "empty", NULL, 0 }, NULL },		/* its name becomes its string */
	{ { "one", mod_c, 1 }, "" },
};

/* Modules follow the kernel page-aligned, each with its string. */
static void check_three_mods(const struct bootinfo *b)
{
	assert_int_equal(b->nmods, 3);
	assert_int_equal(b->mod_start[0], K_END);
	assert_int_equal(b->mod_end[0], K_END + 5000);
	assert_int_equal(b->mod_start[1], K_END + 2 * PAGE_SIZE);
	assert_int_equal(b->mod_end[1], b->mod_start[1]);
	assert_int_equal(b->mod_start[2], K_END + 2 * PAGE_SIZE);
	assert_int_equal(b->mod_end[2], b->mod_start[2] + 1);
	assert_string_equal(b->mod_str[0], "initrd root=/dev/ram0");
	assert_string_equal(b->mod_str[1], "empty");
	assert_string_equal(b->mod_str[2], "");
	assert_memory_equal(gp(K_END, 5000), mod_a, 5000);
	assert_int_equal(*gp(b->mod_start[2], 1), 0x55);
	assert_int_equal(*gp(b->mod_start[2] + 1, 1), FILL);
	/* The information comes after the last module. */
	assert_int_equal(e.ebx, K_END + 3 * PAGE_SIZE);
}

static void test_mb1_modules(void **state)
{
	struct bootinfo b;

	(void)state;
	std_mb1(1);
	rq.mods = three_mods;
	rq.nmods = 3;
	load_ok();
	parse_mb1(e.ebx, &b);
	check_three_mods(&b);
}

static void test_mb1_required_flags(void **state)
{
	(void)state;
	std_mb1(1u << 2);
	expect_error("kernel \"k\": multiboot header at 0x80 asks for a video mode (flags bit 2), "
		     "which lucid does not provide");
	std_mb1(1u << 3);
	expect_error("multiboot header at 0x80 requires features lucid does not know (flags 0x8)");
	/* Optional bits beyond 16 are fine. */
	std_mb1(3u | (1u << 20));
	load_ok();
}

static void test_mb1_header_search(void **state)
{
	(void)state;
	std_mb1(0);
	put32(img + K_MB + 8, 0);
	expect_error("kernel \"k\": multiboot header at 0x80 has a bad checksum");
	rq.format = LOAD_MULTIBOOT1;
	expect_error("kernel \"k\": multiboot header at 0x80 has a bad checksum");

	/* Misaligned. */
	std_mb1(0);
	memset(img + K_MB, 0, 12);
	mb1_hdr(K_MB + 2, 0);
	expect_error("no multiboot header in the first 8 KiB");
	/* Beyond 8 KiB. */
	std_mb1(0);
	memset(img + K_MB, 0, 12);
	mb1_hdr(0x2000, 0);
	img_size = 0x2100;
	expect_error("no multiboot header in the first 8 KiB");
	/* Just inside. */
	memset(img + 0x2000, 0, 12);
	mb1_hdr(0x2000 - 12, 0);
	load_ok();
	/* Cut off by the end of the file: magic in the last 4 bytes. */
	std_mb1(0);
	memset(img + K_MB, 0, 12);
	put32(img + img_size - 4, MB1_MAGIC);
	expect_error("no multiboot header in the first 8 KiB");
	rq.format = LOAD_AUTO;
	expect_error("kernel \"k\": no multiboot header (multiboot2 in the first 32 KiB, "
		     "multiboot in the first 8 KiB) and no Linux setup header; a flat binary "
		     "must be asked for as such");
}

static void test_mb1_not_elf(void **state)
{
	(void)state;
	std_mb1(0);
	img[0] = 'X';
	expect_error("kernel \"k\": is not an ELF file and its multiboot header has no load "
		     "addresses (flags bit 16)");
}

static void test_mb1_kludge_errors(void **state)
{
	(void)state;
	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT + KL_HDR + 4, 0, 0, K_ENTRY);
	expect_error("load address 0x100044 is above the header address 0x100040");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT - 4, 0, 0, K_ENTRY);
	expect_error("load address 0xffffc is 0x44 bytes before the header, which is only 0x40 "
		     "bytes into the file");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, K_TEXT - 1, K_END, K_ENTRY);
	expect_error("load end address 0xfffff is below the load address 0x100000");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, K_TEXT + KL_SIZE + 1, K_END, K_ENTRY);
	expect_error("load end address 0x101081 is past the end of the file (0x1080 bytes from "
		     "offset 0x0)");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, 0, K_TEXT + 0x1000, K_ENTRY);
	expect_error("bss end address 0x101000 is below the load end 0x101080");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, K_TEXT + KL_HDR + 32, 0,
		   K_TEXT + KL_HDR + 32);	/* one past the end */
	expect_error("entry point 0x100060 is outside the loaded kernel");

	std_kludge();
	mb1_kludge(KL_HDR, K_TEXT + KL_HDR, K_TEXT, K_TEXT, 0, K_TEXT);
	expect_error("load addresses describe an empty image");

	std_kludge();
	mb1_kludge(KL_HDR, KL_HDR, 0, 0, 0, K_ENTRY);
	expect_error("image [0x0, 0x1080) overlaps the first page, which lucid keeps free");

	/* Huge addresses: the sums must not wrap. */
	std_kludge();
	mb1_kludge(KL_HDR, 0xffffff80, 0xffffff40, 0, 0xffffffff, 0xffffff40);
	expect_error("bss end address 0xffffffff is below the load end 0x100000fc0");
	std_kludge();
	mb1_kludge(KL_HDR, 0xffffff80, 0xffffff40, 0, 0, 0xffffff40);
	expect_error("image at 0xffffff40 (0x1080 bytes) ends above 4 GiB");
}

static void test_mb1_kludge_cut_off(void **state)
{
	(void)state;
	/* The address fields run past the end of the file... */
	memset(img, 0, sizeof(img));
	mb1_hdr(0x100, 1u << 16);
	img_size = 0x100 + 20;
	expect_error("multiboot header at 0x100 is cut off by the end of the file");
	/* ...or past the first 8 KiB. */
	memset(img, 0, sizeof(img));
	mb1_hdr(0x2000 - 12, 1u << 16);
	img_size = 0x3000;
	expect_error("multiboot header at 0x1ff4 is cut off by the end of the first 8 KiB");
}

/* --- ELF errors (through multiboot1) -------------------------------------- */

static void test_elf_header_errors(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	elf32_hdr(K_ENTRY, 1);
	mb1_hdr(24, 0);		/* over e_version.. in a truncated file */
	img_size = 36;
	expect_error("ELF32 header is truncated (36 bytes)");

	memset(img, 0, sizeof(img));
	elf64_hdr(K_ENTRY, 1);
	mb1_hdr(40, 0);
	img_size = 60;
	expect_error("ELF64 header is truncated (60 bytes)");

	std_mb1(0);
	img[4] = 3;
	expect_error("ELF class 3 is neither 32- nor 64-bit");
	std_mb1(0);
	img[5] = 2;
	expect_error("is not a little-endian ELF file");
	std_mb1(0);
	put16(img + 18, 62);
	expect_error("ELF32 machine 62 is not i386 (3)");
	std_elf64();
	mb1_hdr(0xc0, 0);
	put16(img + 18, 3);
	expect_error("ELF64 machine 3 is not x86-64 (62)");
	std_mb1(0);
	put16(img + 16, 3);
	expect_error("ELF type 3 is not an executable (2)");
}

static void test_elf_program_header_errors(void **state)
{
	(void)state;
	std_mb1(0);
	put16(img + 44, 0);
	expect_error("has no ELF program headers");
	std_mb1(0);
	put16(img + 42, 31);
	expect_error("ELF program header size 31 is too small");
	std_mb1(0);
	put32(img + 28, 0x1170);
	expect_error("ELF program headers (2 at 0x1170) run past the end of the file (4480 bytes)");
	std_mb1(0);
	put32(img + 28, 0xffffffff);
	expect_error("ELF program headers (2 at 0xffffffff) run past the end of the file");
	std_elf64();
	mb1_hdr(0xc0, 0);
	put64(img + 32, 0xffffffffffffffc0ull);	/* phoff + size wraps */
	expect_error("ELF program headers (2 at 0xffffffffffffffc0) run past the end of the file");
}

static void test_elf_segment_errors(void **state)
{
	(void)state;
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x81, K_END - K_DATA, PF_R);
	expect_error("ELF segment 1 (0x81 bytes at offset 0x1100) runs past the end of the file "
		     "(4480 bytes)");
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1181, K_DATA, K_DATA, 0, 0x10, PF_R);
	expect_error("ELF segment 1 (0x0 bytes at offset 0x1181) runs past the end of the file");

	std_elf64();
	mb1_hdr(0xc0, 0);
	elf64_ph(1, PT_LOAD, 0xffffffffffffff00ull, K_DATA, K_DATA, 0x200, 0x200, PF_R);
	expect_error("ELF segment 1 (0x200 bytes at offset 0xffffffffffffff00) runs past the end");

	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x80, 0x7f, PF_R);
	expect_error("ELF segment 1 has more bytes in the file (0x80) than in memory (0x7f)");
	/* Even an empty segment may not claim file bytes it does not have. */
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0x80, 0, PF_R);
	expect_error("ELF segment 1 has more bytes in the file (0x80) than in memory (0x0)");
}

static void test_elf_placement_errors(void **state)
{
	(void)state;
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, MiB(16) - 0x800, MiB(16) - 0x800, 0x80, 0x1000, PF_R);
	expect_error("ELF segment 1 [0xfff800, 0x1000800) is not in the VM's usable RAM (16 MiB)");
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, MiB(32), MiB(32), 0x80, 0x1000, PF_R);
	expect_error("ELF segment 1 [0x2000000, 0x2001000) is not in the VM's usable RAM");
	/* RAM, but reserved in the memory map the kernel is given. */
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, 0xa0000, 0xa0000, 0x80, 0x1000, PF_R);
	expect_error("ELF segment 1 [0xa0000, 0xa1000) is not in the VM's usable RAM");
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, 0x9f000, 0x9f000, 0x80, 0x1000, PF_R);
	expect_error("ELF segment 1 [0x9f000, 0xa0000) is not in the VM's usable RAM");
	std_mb1(0);
	elf32_ph(0, PT_LOAD, 0x1000, 0xf00, 0xf00, 0x100, 0x100, PF_R | PF_X);
	expect_error("ELF segment 0 [0xf00, 0x1000) overlaps the first page, which lucid keeps free");
	std_mb1(0);
	elf32_ph(1, PT_LOAD, 0x1100, K_TEXT + 0xff, K_TEXT + 0xff, 0x80, 0x100, PF_R);
	expect_error("ELF segment 1 [0x1000ff, 0x1001ff) overlaps ELF segment 0 [0x100000, 0x100100)");

	std_elf64();
	mb1_hdr(0xc0, 0);
	elf64_ph(1, PT_LOAD, 0x1100, 0, GiB(4), 0x80, 0x80, PF_R);
	expect_error("ELF segment 1 at 0x100000000 (0x80 bytes) ends above 4 GiB, out of reach in "
		     "32-bit protected mode");
	std_elf64();
	mb1_hdr(0xc0, 0);
	elf64_ph(1, PT_LOAD, 0x1100, 0, 0xfffffffffffff000ull, 0x80, 0x2000, PF_R);
	expect_error("ELF segment 1 at 0xfffffffffffff000 (0x2000 bytes) ends above 4 GiB");
	std_elf64();
	mb1_hdr(0xc0, 0);
	elf64_ph(1, PT_LOAD, 0x1100, 0, K_DATA, 0x80, ~0ull, PF_R);
	expect_error("ELF segment 1 at 0x101000 (0xffffffffffffffff bytes) ends above 4 GiB");
}

static void test_elf_segment_count(void **state)
{
	(void)state;
	/* Nothing loadable. */
	std_mb1(0);
	elf32_ph(0, PT_NOTE, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100, PF_R);
	elf32_ph(1, PT_LOAD, 0x1100, K_DATA, K_DATA, 0, 0, PF_R);
	expect_error("has no loadable ELF segment");
	/* 33 one-page segments. */
	memset(img, 0, sizeof(img));
	elf32_hdr(K_TEXT, 33);
	for (u16 i = 0; i < 33; i++)
		elf32_ph(i, PT_LOAD, 0x1000, K_TEXT + i * PAGE_SIZE, K_TEXT + i * PAGE_SIZE, 0x10,
			 0x10, PF_R | PF_X);
	mb1_hdr(0x1000 - 12, 0);
	img_size = 0x1010;
	expect_error("has more than 32 loadable segments");
	/* 32 are fine. */
	put16(img + 44, 32);
	load_ok();
	assert_int_equal(e.ebx, K_TEXT + 32 * PAGE_SIZE);
}

static void test_elf_entry_outside(void **state)
{
	(void)state;
	std_mb1(0);
	put32(img + 24, K_TEXT + 0x100);	/* in the gap between the segments */
	expect_error("entry point 0x100100 is outside the loaded kernel");
	std_mb1(0);
	put32(img + 24, K_END - 1);		/* the last bss byte is inside */
	load_ok();
}

/* --- multiboot2 ---------------------------------------------------------- */

static void test_mb2_elf64(void **state)
{
	struct bootinfo b;

	(void)state;
	std_mb2();
	rq.cmdline = "init=/bin/sh";
	rq.mods = three_mods;
	rq.nmods = 3;
	load_ok();
	check_std_kernel();
	assert_int_equal(e.format, LOAD_MULTIBOOT2);
	assert_int_equal(e.mode, GUEST_PROTECTED);
	assert_int_equal(e.ip, K_ENTRY);
	assert_int_equal(e.eax, 0x36d76289);
	assert_int_equal(e.ebx % 8, 0);
	parse_mb2(e.ebx, &b);
	assert_string_equal(b.cmdline, "init=/bin/sh");
	assert_string_equal(b.loader, "lucid");
	assert_int_equal(b.mem_lower, 639);
	assert_int_equal(b.mem_upper, 15 * 1024);
	check_map(&b, map16, ARRAY_SIZE(map16));
	check_three_mods(&b);
	assert_int_equal(e.end, e.ebx + b.size);
	assert_filled(e.end, PAGE_SIZE, FILL);
}

static void test_mb2_elf32(void **state)
{
	struct bootinfo b;

	(void)state;
	std_elf32();
	mb2_begin(K_MB2);
	mb2_end();
	load_ok();
	check_std_kernel();
	assert_int_equal(e.ebx, K_END);
	parse_mb2(e.ebx, &b);
	assert_string_equal(b.cmdline, "");
	assert_int_equal(b.nmods, 0);
}

static void test_mb2_address_tags(void **state)
{
	(void)state;
	kludge_contents();
	mb2_begin(KL_HDR);
	mb2_address(K_TEXT + KL_HDR, K_TEXT, K_TEXT + KL_SIZE, K_END);
	mb2_entry(K_ENTRY);
	mb2_end();
	assert_true(mb2_pos <= 0x80);
	load_ok();
	check_kludge_kernel();
	assert_int_equal(rd32(K_TEXT + KL_HDR), MB2_MAGIC);
	assert_int_equal(e.ip, K_ENTRY);
	assert_int_equal(e.eax, 0x36d76289);
	assert_int_equal(e.ebx, K_END);

	/* load_addr -1: from the file's first byte; load and bss end 0. */
	kludge_contents();
	mb2_begin(KL_HDR);
	mb2_address(K_TEXT + KL_HDR, 0xffffffff, 0, 0);
	mb2_entry(K_ENTRY);
	mb2_end();
	load_ok();
	assert_filled(K_TEXT, KL_HDR, 0x11);
	assert_filled(K_DATA, 0x80, 0x22);
	assert_int_equal(rd32(K_TEXT + KL_HDR), MB2_MAGIC);
	assert_int_equal(e.ebx, K_TEXT + 0x2000);
}

static void test_mb2_address_tag_errors(void **state)
{
	(void)state;
	kludge_contents();
	mb2_begin(KL_HDR);
	mb2_address(K_TEXT + KL_HDR, K_TEXT, 0, 0);
	mb2_end();
	expect_error("multiboot2 header has an address tag but no entry address tag");

	kludge_contents();
	mb2_begin(KL_HDR);
	mb2_address(KL_HDR - 1, 0xffffffff, 0, 0);
	mb2_entry(K_ENTRY);
	mb2_end();
	expect_error("multiboot2 header address 0x3f is below its offset 0x40 in the file");

	kludge_contents();
	mb2_begin(KL_HDR);
	mb2_end();
	expect_error("kernel \"k\": is not an ELF file and its multiboot2 header has no address tag");
}

/* The entry address tag wins over e_entry. */
static void test_mb2_entry_tag_on_elf(void **state)
{
	(void)state;
	std_elf64();
	mb2_begin(K_MB2);
	mb2_entry(K_TEXT + 0x40);
	mb2_end();
	load_ok();
	assert_int_equal(e.ip, K_TEXT + 0x40);
	std_elf64();
	mb2_begin(K_MB2);
	mb2_entry(K_END);
	mb2_end();
	expect_error("entry point 0x103000 is outside the loaded kernel");
}

static void test_mb2_header_errors(void **state)
{
	(void)state;
	std_mb2();
	put32(img + K_MB2 + 12, 0);
	expect_error("kernel \"k\": multiboot2 header at 0x100 has a bad checksum");
	rq.format = LOAD_MULTIBOOT2;
	expect_error("kernel \"k\": multiboot2 header at 0x100 has a bad checksum");

	std_mb2();
	put32(img + K_MB2 + 4, 4);	/* MIPS */
	mb2_seal(24);
	expect_error("multiboot2 header at 0x100 is for architecture 4, not i386 (0)");

	std_mb2();
	mb2_seal(16);
	expect_error("multiboot2 header at 0x100 has bad length 16");
	std_mb2();
	mb2_seal(img_size - K_MB2 + 8);
	expect_error("multiboot2 header at 0x100 (4232 bytes) runs past the end of the file");
	/* Past 32 KiB in a bigger file. */
	std_mb2();
	img_size = 0x9000;
	mb2_seal(0x8000 - K_MB2 + 8);
	expect_error("multiboot2 header at 0x100 (32520 bytes) runs past the first 32 KiB");

	/* Misaligned: not found. */
	std_mb2();
	memmove(img + K_MB2 + 4, img + K_MB2, 24);
	memset(img + K_MB2, 0, 4);
	expect_error("no multiboot2 header in the first 32 KiB");
	/* Beyond 32 KiB. */
	std_elf64();
	img_size = 0x9000;
	mb2_begin(0x8000);
	mb2_end();
	expect_error("no multiboot2 header in the first 32 KiB");
	/* A header that ends exactly at 32 KiB is fine. */
	std_elf64();
	img_size = 0x9000;
	mb2_begin(0x8000 - 24);
	mb2_end();
	load_ok();
	/* Magic in the last bytes of a file. */
	std_elf64();
	put32(img + img_size - 8, MB2_MAGIC);
	expect_error("no multiboot2 header in the first 32 KiB");
}

static void test_mb2_tag_walk_errors(void **state)
{
	u8 *t;

	(void)state;
	/* No end tag: the last tag is something else. */
	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(6, 0, 8);
	mb2_seal(mb2_pos - mb2_at);
	expect_error("multiboot2 header at 0x100 has no end tag");

	std_elf64();
	mb2_begin(K_MB2);
	t = mb2_tag(6, 0, 8);
	mb2_end();
	put32(t + 4, 4);
	expect_error("multiboot2 header tag 6 at 0x110 has bad size 4");

	std_elf64();
	mb2_begin(K_MB2);
	t = mb2_tag(6, 0, 8);
	mb2_end();
	put32(t + 4, 17);	/* past the header's end */
	expect_error("multiboot2 header tag 6 at 0x110 has bad size 17");

	std_elf64();
	mb2_begin(K_MB2);
	t = mb2_tag(6, 0, 8);
	mb2_end();
	put32(t + 4, 0xfffffff8);
	expect_error("multiboot2 header tag 6 at 0x110 has bad size 4294967288");

	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(2, 0, 16);	/* an address tag needs 24 */
	mb2_end();
	expect_error("multiboot2 header tag 2 at 0x110 has bad size 16");

	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(3, 0, 8);
	mb2_end();
	expect_error("multiboot2 header tag 3 at 0x110 has bad size 8");
}

static void info_request(u16 flags, u32 a, u32 b)
{
	u8 *t = mb2_tag(1, flags, 16);

	put32(t + 8, a);
	put32(t + 12, b);
}

static void test_mb2_required_tags(void **state)
{
	(void)state;
	/* Information lucid gives may be required... */
	std_elf64();
	mb2_begin(K_MB2);
	info_request(0, 1, 6);
	put32(mb2_tag(4, 0, 12) + 8, 2);		/* console flags, EGA supported */
	mb2_tag(6, 0, 8);				/* module alignment */
	mb2_tag(10, 0, 24);				/* relocatable */
	mb2_tag(5, 1, 20);				/* optional framebuffer */
	mb2_tag(7, 1, 8);				/* optional EFI boot services */
	mb2_tag(9, 1, 12);				/* optional EFI64 entry */
	mb2_tag(42, 1, 8);				/* optional unknown */
	info_request(1, 8, 21);				/* optional request */
	mb2_end();
	load_ok();

	/* ...anything else only optionally. */
	std_elf64();
	mb2_begin(K_MB2);
	info_request(0, 4, 8);
	mb2_end();
	expect_error("kernel \"k\": multiboot2 header requires information tag 8 (framebuffer), "
		     "which lucid does not provide");
	std_elf64();
	mb2_begin(K_MB2);
	info_request(0, 99, 0);
	mb2_end();
	expect_error("requires information tag 99 (unknown)");
	std_elf64();
	mb2_begin(K_MB2);
	put32(mb2_tag(4, 0, 12) + 8, 1);
	mb2_end();
	expect_error("multiboot2 header requires a text console");
	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(5, 0, 20);
	mb2_end();
	expect_error("multiboot2 header requires a framebuffer, which lucid does not provide");
	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(7, 0, 8);
	mb2_end();
	expect_error("multiboot2 header tag 7 requires EFI, which lucid guests do not have");
	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(8, 0, 12);
	mb2_end();
	expect_error("multiboot2 header tag 8 requires EFI");
	std_elf64();
	mb2_begin(K_MB2);
	mb2_tag(42, 0, 8);
	mb2_end();
	expect_error("multiboot2 header tag 42 at 0x110 is not supported");
}

/* --- format choice ---------------------------------------------------------- */

static void test_auto_prefers_mb2(void **state)
{
	(void)state;
	std_elf32();
	mb1_hdr(K_MB, 0);
	mb2_begin(K_MB2);
	mb2_end();
	load_ok();
	assert_int_equal(e.format, LOAD_MULTIBOOT2);
	assert_int_equal(e.eax, 0x36d76289);
	rq.format = LOAD_MULTIBOOT1;
	load_ok();
	assert_int_equal(e.format, LOAD_MULTIBOOT1);
	assert_int_equal(e.eax, 0x2badb002);
	/* A multiboot2 header with a bad checksum is no header. */
	rq.format = LOAD_AUTO;
	put32(img + K_MB2 + 12, 1);
	load_ok();
	assert_int_equal(e.format, LOAD_MULTIBOOT1);
	/* Explicit multiboot2 on a multiboot1-only kernel. */
	std_mb1(0);
	rq.format = LOAD_MULTIBOOT2;
	expect_error("kernel \"k\": no multiboot2 header in the first 32 KiB");
	rq.format = 7;
	expect_error("load format 7 is unknown");
}

static void test_request_errors(void **state)
{
	static struct load_module many[LOADER_MAX_MODULES + 1];

	(void)state;
	img_size = 0;
	expect_error("kernel \"k\": is empty");
	std_mb1(0);
	rq.mods = many;
	rq.nmods = LOADER_MAX_MODULES + 1;
	expect_error("has 33 modules; lucid passes at most 32");
	rq.nmods = 2;
	many[1].file.size = 1;
	expect_error("module 1 has no data");
	many[1].file.size = 0;
	load_ok();
	/* An initrd is for Linux: multiboot kernels take files as modules. */
	rq.initrd = (struct load_file){ "initrd", NULL, 10 };
	expect_error("kernel \"k\": initrd has no data");
	rq.initrd.data = img;
	expect_error("kernel \"k\": is a multiboot kernel, which takes no initrd (give the file "
		     "as a module instead)");
	std_mb2();
	expect_error("is a multiboot2 kernel, which takes no initrd");
	rq.initrd = (struct load_file){ 0 };
	load_ok();
}

/* --- placement -------------------------------------------------------------- */

static void test_modules_too_big(void **state)
{
	static const u8 dummy[1];
	struct load_module big = { { "big", dummy, MiB(20) }, NULL };

	(void)state;
	std_mb1(0);
	rq.mods = &big;
	rq.nmods = 1;
	expect_error("kernel \"k\" plus modules need 22 MiB, the VM has 16 MiB");

	/* A module that fills RAM to the last byte leaves no room for the
	 * information. */
	big.file.size = MiB(16) - K_END;
	expect_error("kernel \"k\" plus modules need 17 MiB, the VM has 16 MiB");
	/* Sizes that would overflow a sum. */
	big.file.size = ~0ull - 100;
	expect_error("plus modules need");
}

/* RAM with holes: the map follows the regions, modules skip a hole too
 * small for them. */
static void test_holes(void **state)
{
	static u8 seven[MiB(7)];
	struct load_module m[] = { { { "seven", seven, sizeof(seven) }, NULL } };
	const struct mape want[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ MiB(1), MiB(7), 1 },
		{ MiB(16), MiB(8), 1 },
	};
	struct bootinfo b;

	(void)state;
	vm_free();
	vm_add(0, 0xa0000);
	vm_add(MiB(1), MiB(7));
	vm_add(MiB(16), MiB(8));
	seven[0] = 7;
	seven[sizeof(seven) - 1] = 8;
	std_mb2();
	rq.mods = m;
	rq.nmods = 1;
	load_ok();
	parse_mb2(e.ebx, &b);
	check_map(&b, want, ARRAY_SIZE(want));
	assert_int_equal(b.mem_lower, 639);
	assert_int_equal(b.mem_upper, 7 * 1024);
	assert_int_equal(b.mod_start[0], MiB(16));
	assert_int_equal(b.mod_end[0], MiB(23));
	assert_int_equal(*gp(MiB(16), 1), 7);
	assert_int_equal(*gp(MiB(23) - 1, 1), 8);
	assert_int_equal(e.ebx, MiB(23));
	assert_filled(K_END, MiB(8) - K_END, FILL);	/* the skipped room */

	/* Enough RAM in total, but no range big enough. */
	struct load_module nine = { { "nine", seven, MiB(9) }, NULL };
	rq.mods = &nine;
	vm_free();
	vm_add(0, 0xa0000);
	vm_add(MiB(1), MiB(7));
	vm_add(MiB(16), MiB(8));
	expect_error("kernel \"k\": module \"nine\" (9 MiB) does not fit in the VM's usable RAM "
		     "above 0x103000");
}

/* Regions that touch are one range; RAM between 640 KiB and 1 MiB is not
 * usable; multiboot never looks above 4 GiB. */
static void test_map_from_regions(void **state)
{
	const struct mape want[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ MiB(1), MiB(3), 1 },
	};
	struct bootinfo b;

	(void)state;
	vm_free();
	vm_add(0, 0x80000);
	vm_add(0x80000, MiB(2) - 0x80000);
	vm_add(MiB(2), MiB(2));
	std_mb1(0);
	load_ok();
	parse_mb1(e.ebx, &b);
	check_map(&b, want, ARRAY_SIZE(want));
	assert_int_equal(b.mem_upper, 3 * 1024);

	/* No RAM at 0: mem_lower is 0 and there is no low usable entry. */
	vm_free();
	vm_add(MiB(1), MiB(3));
	load_ok();
	parse_mb1(e.ebx, &b);
	check_map(&b, want + 1, ARRAY_SIZE(want) - 1);
	assert_int_equal(b.mem_lower, 0);
}

/* A VM larger than 4 GiB (only its size is faked: nothing is placed that
 * high) and a module that does not fit below 4 GiB. */
static void test_limit_4g(void **state)
{
	static const u8 dummy[1];
	struct load_module big = { { "big", dummy, GiB(5) }, NULL };

	(void)state;
	gm.size = GiB(8);
	std_mb1(0);
	rq.mods = &big;
	rq.nmods = 1;
	expect_error("kernel \"k\" plus modules need 5122 MiB, but only the first 4 GiB can be used");
}

/* --- flat --------------------------------------------------------------------- */

static void flat_img(u64 size)
{
	for (u64 i = 0; i < size; i++)
		img[i] = (u8)(i * 7 + 1);
	img_size = size;
	rq.format = LOAD_FLAT;
}

static void test_flat_protected(void **state)
{
	(void)state;
	flat_img(0x3000);
	rq.flat_load = MiB(2);
	rq.flat_entry = MiB(2) + 0x10;
	rq.flat_mode = GUEST_PROTECTED;
	load_ok();
	assert_memory_equal(gp(MiB(2), 0x3000), img, 0x3000);
	assert_int_equal(e.format, LOAD_FLAT);
	assert_int_equal(e.mode, GUEST_PROTECTED);
	assert_int_equal(e.ip, MiB(2) + 0x10);
	assert_int_equal(e.eax, 0);
	assert_int_equal(e.ebx, 0);
	assert_int_equal(e.sp, 0);
	assert_int_equal(e.end, MiB(2) + 0x3000);
	assert_filled(MiB(2) + 0x3000, PAGE_SIZE, FILL);
	assert_filled(MiB(2) - PAGE_SIZE, PAGE_SIZE, FILL);
}

static void test_flat_real(void **state)
{
	(void)state;
	flat_img(512);
	rq.flat_load = 0x7c00;
	rq.flat_entry = 0x7c00;
	rq.flat_mode = GUEST_REAL;
	load_ok();
	assert_memory_equal(gp(0x7c00, 512), img, 512);
	assert_int_equal(e.mode, GUEST_REAL);
	assert_int_equal(e.ip, 0x7c00);
	/* A ROM-like image at the top of the first MiB: reserved in the
	 * memory map, but flat images go where they are told. */
	flat_img(0x10000);
	rq.flat_load = 0xf0000;
	rq.flat_entry = 0xffff0;
	load_ok();
	assert_int_equal(e.ip, 0xffff0);
}

static void test_flat_errors(void **state)
{
	(void)state;
	flat_img(0x200);
	rq.flat_mode = GUEST_REAL;
	rq.flat_load = 0xfff00;
	rq.flat_entry = 0xfff00;
	expect_error("flat image at 0xfff00 (0x200 bytes) ends above 1 MiB, out of reach in real mode");
	rq.flat_load = 0x7c00;
	rq.flat_entry = 0x7e00;
	expect_error("entry point 0x7e00 is outside the loaded kernel");
	rq.flat_load = 0xe00;
	rq.flat_entry = 0xe00;
	expect_error("flat image [0xe00, 0x1000) overlaps the first page, which lucid keeps free");
	rq.flat_mode = GUEST_PROTECTED;
	rq.flat_load = MiB(16) - 0x100;
	rq.flat_entry = MiB(16) - 0x100;
	expect_error("flat image [0xffff00, 0x1000100) is not in the VM's RAM (16 MiB)");
	rq.flat_load = GiB(4) - 0x100;
	expect_error("flat image at 0xffffff00 (0x200 bytes) ends above 4 GiB");
	rq.flat_load = ~0ull - 0x100;
	expect_error("ends above 4 GiB");
	rq.flat_load = MiB(1);
	rq.flat_entry = MiB(1);
	rq.flat_mode = 5;
	expect_error("flat image mode 5 is neither real nor protected");
	rq.flat_mode = GUEST_PROTECTED;
	rq.cmdline = "x";
	expect_error("a flat image cannot be given a command line, modules or an initrd");
	rq.cmdline = "";
	load_ok();
	rq.initrd = (struct load_file){ "initrd", img, 1 };
	expect_error("a flat image cannot be given a command line, modules or an initrd");
	rq.initrd.size = 0;
	rq.mods = three_mods;
	rq.nmods = 1;
	expect_error("a flat image cannot be given a command line, modules or an initrd");
}

/* --- messages ------------------------------------------------------------------ */

static void test_err_buffer(void **state)
{
	char small[12];

	(void)state;
	std_mb1(1u << 2);
	rq.kernel = (struct load_file){ NULL, img, 0x1180 };
	assert_int_equal(loader_load(&gm, &rq, &e, small, sizeof(small)), -1);
	assert_string_equal(small, "kernel \"?\":");
	assert_int_equal(loader_load(&gm, &rq, &e, NULL, 0), -1);
	assert_int_equal(loader_load(&gm, &rq, &e, small, 3), -1);
	assert_string_equal(small, "ke");
}

static void test_format_names(void **state)
{
	(void)state;
	assert_string_equal(loader_format_name(LOAD_MULTIBOOT1), "multiboot");
	assert_string_equal(loader_format_name(LOAD_MULTIBOOT2), "multiboot2");
	assert_string_equal(loader_format_name(LOAD_FLAT), "flat");
	assert_string_equal(loader_format_name(LOAD_LINUX), "linux");
	assert_string_equal(loader_format_name(LOAD_AUTO), "auto");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mb1_elf32),
		T(test_mb1_elf64),
		T(test_mb1_elf_higher_half_entry),
		T(test_mb1_elf_wide_phdrs),
		T(test_mb1_kludge),
		T(test_mb1_kludge_on_elf),
		T(test_mb1_kludge_defaults),
		T(test_mb1_modules),
		T(test_mb1_required_flags),
		T(test_mb1_header_search),
		T(test_mb1_not_elf),
		T(test_mb1_kludge_errors),
		T(test_mb1_kludge_cut_off),
		T(test_elf_header_errors),
		T(test_elf_program_header_errors),
		T(test_elf_segment_errors),
		T(test_elf_placement_errors),
		T(test_elf_segment_count),
		T(test_elf_entry_outside),
		T(test_mb2_elf64),
		T(test_mb2_elf32),
		T(test_mb2_address_tags),
		T(test_mb2_address_tag_errors),
		T(test_mb2_entry_tag_on_elf),
		T(test_mb2_header_errors),
		T(test_mb2_tag_walk_errors),
		T(test_mb2_required_tags),
		T(test_auto_prefers_mb2),
		T(test_request_errors),
		T(test_modules_too_big),
		T(test_holes),
		T(test_map_from_regions),
		T(test_limit_4g),
		T(test_flat_protected),
		T(test_flat_real),
		T(test_flat_errors),
		T(test_err_buffer),
		T(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
