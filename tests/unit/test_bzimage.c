/* Host tests for the Linux boot protocol loader (hv/loader/bzimage.c).
 * bzImages are built here byte by byte: a setup header as the kernel's
 * arch/x86/boot/header.S lays it out (boot.rst gives the offsets), two
 * setup sectors, a protected-mode kernel of known bytes and a few bytes
 * past syssize (as a signed kernel has). Each is handed to the loader in a
 * heap copy of exactly its size, so a read past the file is an ASan
 * report. The VM's RAM is heap buffers filled with 0xaa; the tests read
 * back boot_params, the command line, the initrd, the GDT and the e820
 * map as a kernel would, walk the page tables with lucid's own walker
 * (hv/emul/guest_paging.c) from the state hv/core/vcpu_state.c builds,
 * and check that a refused kernel left every byte of RAM as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/core/vcpu_state.h"
#include "hv/emul/guest_paging.h"
#include "tests/unit/loader_vm.h"

static u8 rd8(u64 gpa) { return *gp(gpa, 1); }
static u16 rd16(u64 gpa) { u16 v; memcpy(&v, gp(gpa, 2), 2); return v; }

/* --- building bzImages ----------------------------------------------------- */

#define SETUP_SECTS 2
#define K_OFF ((SETUP_SECTS + 1) * 512)	/* the protected-mode kernel in the file */
#define K_LEN 0x3000u			/* its length: syssize * 16 */
#define TAIL 16				/* bytes past syssize, never loaded */
#define PREF MiB(16)
#define INIT MiB(4)

static u8 img[0x20000];
static u64 img_size;

static void put8(u32 off, u8 v) { img[off] = v; }
static void put16(u32 off, u16 v) { memcpy(img + off, &v, 2); }
static void put32(u32 off, u32 v) { memcpy(img + off, &v, 4); }
static void put64(u32 off, u64 v) { memcpy(img + off, &v, 8); }

/* A relocatable 64-bit kernel, protocol 2.13, as Linux builds one, with
 * a few values lucid must copy verbatim and a few it must overwrite. */
static void bz_default(void)
{
	memset(img, 0, sizeof(img));
	put8(0x1ef, 0xff);		/* the sentinel, before the header: not copied */
	put8(0x1f1, SETUP_SECTS);
	put16(0x1f2, 1);		/* root_flags */
	put32(0x1f4, K_LEN / 16);	/* syssize */
	put16(0x1fa, 0xffff);		/* vid_mode */
	put16(0x1fc, 0x0801);		/* root_dev */
	put16(0x1fe, 0xaa55);
	put8(0x200, 0xeb);
	put8(0x201, 0x66);		/* the header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	put16(0x206, 0x020d);
	put16(0x20e, 0x1c00);		/* kernel_version */
	put8(0x210, 0x42);		/* type_of_loader: lucid writes 0xff */
	put8(0x211, 0x01 | 0x02 | 0x20 | 0x80);	/* lucid leaves LOADED_HIGH alone */
	put16(0x212, 0x8000);
	put32(0x214, 0x100000);		/* code32_start */
	put32(0x218, 0x1234);		/* ramdisk_image: lucid's */
	put16(0x224, 0x5e00);		/* heap_end_ptr */
	put8(0x226, 7);			/* ext_loader_ver: lucid's, 0 */
	put32(0x22c, 0x7fffffff);	/* initrd_addr_max */
	put32(0x230, 0x200000);		/* kernel_alignment */
	put8(0x234, 1);			/* relocatable_kernel */
	put8(0x235, 21);		/* min_alignment */
	put16(0x236, 0x1 | 0x2 | 0x8);	/* KERNEL_64, CAN_BE_LOADED_ABOVE_4G, EFI_HANDOVER_64 */
	put32(0x238, 2047);		/* cmdline_size */
	put32(0x23c, 2);		/* hardware_subarch: lucid's, 0 */
	put64(0x240, 0x1122334455667788ull);	/* hardware_subarch_data */
	put32(0x248, 0x3a0);		/* payload_offset */
	put32(0x24c, 0x1000);		/* payload_length */
	put64(0x250, 0xdead000);	/* setup_data: lucid's, 0 */
	put64(0x258, PREF);
	put32(0x260, INIT);
	put32(0x264, 0x190);		/* handover_offset */
	for (u32 i = 0; i < K_LEN + TAIL; i++)
		img[K_OFF + i] = (u8)(i * 7 + 3);
	img_size = K_OFF + K_LEN + TAIL;
}

/* --- loading --------------------------------------------------------------- */

static u8 *initrd;

static void set_initrd(u64 size)
{
	free(initrd);
	initrd = malloc(size ? size : 1);
	assert_non_null(initrd);
	for (u64 i = 0; i < size; i++)
		initrd[i] = (u8)(i * 13 + 1);
	rq.initrd = (struct load_file){ "initrd.img", initrd, size };
}

static int load(void)
{
	return load_file("vmlinuz", img, img_size);
}

static void load_ok(void)
{
	if (load() != 0)
		fail_msg("loader_load failed: %s", err);
	assert_string_equal(err, "");
	assert_int_equal(e.format, LOAD_LINUX);
	assert_int_equal(e.mode, GUEST_LONG);
}

static void expect_error(const char *msg)
{
	expect_refused("vmlinuz", img, img_size, msg);
}

static int setup(void **state)
{
	(void)state;
	memset(&rq, 0, sizeof(rq));
	bz_default();
	vm_add(0, MiB(64));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vm_free();
	free(initrd);
	initrd = NULL;
	return 0;
}

/* --- reading boot_params back ---------------------------------------------- */

static u64 ramdisk_image(void)
{
	return rd32(e.rsi + 0x218) | (u64)rd32(e.rsi + 0xc0) << 32;
}

static u64 ramdisk_size(void)
{
	return rd32(e.rsi + 0x21c) | (u64)rd32(e.rsi + 0xc4) << 32;
}

static u64 cmd_line_ptr(void)
{
	return rd32(e.rsi + 0x228) | (u64)rd32(e.rsi + 0xc8) << 32;
}

struct e820 {
	u64 addr, size;
	u32 type;
};

static void check_e820(const struct e820 *want, u32 n)
{
	assert_int_equal(rd8(e.rsi + 0x1e8), n);
	for (u32 i = 0; i < n; i++) {
		u64 at = e.rsi + 0x2d0 + i * 20;

		assert_int_equal(rd64(at), want[i].addr);
		assert_int_equal(rd64(at + 8), want[i].size);
		assert_int_equal(rd32(at + 16), want[i].type);
	}
}

/* Every 2 MiB page of [0, end) translates to itself, writable, through
 * the entry state's CR3; end itself is not mapped. */
static void check_identity_map(u64 end)
{
	struct vcpu_state st;
	struct gpt_ctx c = { .mem = &gm };
	u64 gpa;
	u32 pf;

	vcpu_state_from_entry(&st, &e);
	c.crs = (struct guest_crs){ st.cr0, st.cr3, st.cr4, st.efer };
	for (u64 la = 0; la < end; la += MiB(2)) {
		u64 off = (la / MiB(2)) % 2 ? 0x1234 : MiB(2) - 8;

		if (gpt_translate(&c, la + off, GPT_WRITE | GPT_FETCH, &gpa, &pf) != GPT_OK)
			fail_msg("0x%llx is not mapped", (unsigned long long)(la + off));
		assert_int_equal(gpa, la + off);
	}
	assert_int_equal(gpt_translate(&c, end, 0, &gpa, &pf), GPT_FAULT);
	assert_int_equal(pf & PF_PRESENT, 0);
}

/* The fields lucid writes in the setup header, offset and size. */
static const struct { u32 off, len; } written[] = {
	{ 0x210, 1 }, { 0x211, 1 }, { 0x214, 4 }, { 0x218, 4 }, { 0x21c, 4 }, { 0x226, 1 },
	{ 0x227, 1 }, { 0x228, 4 }, { 0x23c, 4 }, { 0x250, 8 },
};

static bool is_written(u32 off)
{
	for (u32 i = 0; i < ARRAY_SIZE(written); i++)
		if (off >= written[i].off && off < written[i].off + written[i].len)
			return true;
	return false;
}

/* --- tests ----------------------------------------------------------------- */

static void test_linux_basic(void **state)
{
	const char *cmdline = "console=ttyS0 root=/dev/ram0";
	const struct e820 map64[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ MiB(1), MiB(63), 1 },
	};
	u64 bp, rd, cl;

	(void)state;
	rq.cmdline = cmdline;
	set_initrd(10000);
	load_ok();	/* LOAD_AUTO: the setup header picks Linux */

	/* The kernel at pref_address, entered at +0x200, init_size zeroed. */
	assert_int_equal(e.ip, PREF + 0x200);
	assert_memory_equal(gp(PREF, K_LEN), img + K_OFF, K_LEN);
	assert_filled(PREF + K_LEN, INIT - K_LEN, 0);
	assert_filled(PREF + INIT, PAGE_SIZE, FILL);

	/* boot_params in low memory, clear of the first page. */
	bp = e.rsi;
	assert_true(bp >= 0x1000 && bp + 0x1000 <= 0x9f000 && bp % PAGE_SIZE == 0);
	assert_filled(0, 0x1000, FILL);
	assert_filled(0x9f000, 0x1000, FILL);
	for (u32 off = 0x1f1; off < 0x268; off++)
		if (!is_written(off) && rd8(bp + off) != img[off])
			fail_msg("setup header byte 0x%x is 0x%02x, not the file's 0x%02x", off,
				 rd8(bp + off), img[off]);
	assert_int_equal(rd8(bp + 0x210), 0xff);	/* type_of_loader */
	assert_int_equal(rd8(bp + 0x211), 0x01);	/* loadflags: LOADED_HIGH alone */
	assert_int_equal(rd32(bp + 0x214), PREF);	/* code32_start */
	assert_int_equal(rd16(bp + 0x226), 0);		/* ext_loader_ver, _type */
	assert_int_equal(rd32(bp + 0x23c), 0);		/* hardware_subarch: a PC */
	assert_int_equal(rd64(bp + 0x250), 0);		/* no setup_data */
	/* Nothing else of the page but the e820 table and the high halves. */
	assert_filled(bp, 0xc0, 0);
	assert_filled(bp + 0xcc, 0x1e8 - 0xcc, 0);
	assert_filled(bp + 0x1e9, 0x1f1 - 0x1e9, 0);	/* the sentinel too */
	assert_filled(bp + 0x268, 0x2d0 - 0x268, 0);
	assert_filled(bp + 0x2d0 + 4 * 20, 0x1000 - 0x2d0 - 4 * 20, 0);
	assert_int_equal(rd64(bp + 0x70), 0);		/* acpi_rsdp_addr: not yet */

	/* The command line, below the EBDA. */
	cl = cmd_line_ptr();
	assert_true(cl >= 0x1000 && cl < 0x9f000);
	assert_string_equal((const char *)gp(cl, strlen(cmdline) + 1), cmdline);

	/* The initrd as high as fits, page-aligned. */
	rd = ramdisk_image();
	assert_int_equal(rd, (MiB(64) - 10000) & ~0xfffull);
	assert_int_equal(ramdisk_size(), 10000);
	assert_memory_equal(gp(rd, 10000), initrd, 10000);
	assert_int_equal(e.end, rd + 10000);

	check_e820(map64, ARRAY_SIZE(map64));

	/* The GDT: __BOOT_CS 0x10 64-bit code, __BOOT_DS 0x18 flat data. */
	assert_int_equal(e.gdt_limit, 0x1f);
	assert_true(e.gdt >= 0x1000 && e.gdt + 0x20 <= 0x9f000);
	assert_int_equal(rd64(e.gdt), 0);
	assert_int_equal(rd64(e.gdt + 0x10), 0x00af9b000000ffffull);
	assert_int_equal(rd64(e.gdt + 0x18), 0x00cf93000000ffffull);
	/* A stack: the rest of the GDT's page. */
	assert_int_equal(e.sp, e.gdt + PAGE_SIZE);

	/* Identity page tables over 4 GiB, in low memory. */
	assert_true(e.cr3 >= 0x1000 && e.cr3 + 6 * PAGE_SIZE <= 0x9f000);
	check_identity_map(GiB(4));
}

static void test_linux_explicit_format(void **state)
{
	static u8 elf[64] = { 0x7f, 'E', 'L', 'F' };

	(void)state;
	rq.format = LOAD_LINUX;
	load_ok();
	assert_int_equal(e.ip, PREF + 0x200);
	/* No initrd, empty command line: the fields say so, the pointer is
	 * still set (the kernel takes 0 for a pre-2.02 loader). */
	assert_int_equal(ramdisk_image(), 0);
	assert_int_equal(ramdisk_size(), 0);
	assert_int_not_equal(cmd_line_ptr(), 0);
	assert_int_equal(rd8(cmd_line_ptr()), 0);
	assert_int_equal(e.end, PREF + INIT);

	memcpy(img, elf, sizeof(elf));
	memset(img + 0x202, 0, 4);
	expect_error("kernel \"vmlinuz\": has no Linux setup header (\"HdrS\" at 0x202)");
	img_size = 0x100;
	expect_error("has no Linux setup header");
	/* Without a header the automatic choice names every format it tried. */
	rq.format = LOAD_AUTO;
	expect_error("no multiboot header (multiboot2 in the first 32 KiB, multiboot in the first "
		     "8 KiB) and no Linux setup header");
}

static void test_linux_placement(void **state)
{
	(void)state;
	/* Not relocatable: pref_address, whatever its alignment. */
	put8(0x234, 0);
	put64(0x258, MiB(2) + PAGE_SIZE);
	put32(0x230, 3);	/* only a relocatable kernel's alignment counts */
	load_ok();
	assert_int_equal(e.ip, MiB(2) + PAGE_SIZE + 0x200);
	assert_int_equal(rd32(e.rsi + 0x214), MiB(2) + PAGE_SIZE);
	assert_memory_equal(gp(MiB(2) + PAGE_SIZE, K_LEN), img + K_OFF, K_LEN);
	/* pref_address 0: a bzImage's traditional 1 MiB. */
	put64(0x258, 0);
	vm_refill();
	load_ok();
	assert_int_equal(e.ip, MiB(1) + 0x200);

	/* Relocatable, pref_address out of RAM, unaligned, below 1 MiB or
	 * 0: the lowest kernel_alignment-aligned address from 16 MiB. */
	put8(0x234, 1);
	put32(0x230, MiB(2));
	const u64 prefs[] = { GiB(1), MiB(8) + PAGE_SIZE, 0x80000, 0, ~0ull - 0x100 };
	for (u32 i = 0; i < ARRAY_SIZE(prefs); i++) {
		put64(0x258, prefs[i]);
		vm_refill();
		load_ok();
		assert_int_equal(e.ip, MiB(16) + 0x200);
		assert_int_equal(rd32(e.rsi + 0x214), MiB(16));
	}
	/* A larger alignment: the next multiple from 16 MiB. */
	put32(0x230, MiB(32));
	vm_refill();
	load_ok();
	assert_int_equal(e.ip, MiB(32) + 0x200);
	/* An aligned pref_address in RAM is taken as it is, below 16 MiB too. */
	put32(0x230, MiB(2));
	put64(0x258, MiB(4));
	vm_refill();
	load_ok();
	assert_int_equal(e.ip, MiB(4) + 0x200);
}

static void test_linux_initrd_placement(void **state)
{
	(void)state;
	set_initrd(MiB(3) + 5);
	/* Below initrd_addr_max, its highest byte. */
	put32(0x22c, MiB(32) - 1);
	load_ok();
	assert_int_equal(ramdisk_image(), (MiB(32) - MiB(3) - 5) & ~0xfffull);
	assert_memory_equal(gp(ramdisk_image(), MiB(3) + 5), initrd, MiB(3) + 5);

	/* The kernel at the top of RAM: the initrd goes below it. */
	put32(0x22c, 0x7fffffff);
	put8(0x234, 0);
	put64(0x258, MiB(48));
	put32(0x260, MiB(16));
	vm_refill();
	load_ok();
	assert_int_equal(ramdisk_image(), (MiB(48) - MiB(3) - 5) & ~0xfffull);

	/* The kernel just under initrd_addr_max: the initrd below it... */
	put64(0x258, MiB(20));
	put32(0x260, MiB(10));
	put32(0x22c, MiB(32) - 1);
	vm_refill();
	load_ok();
	assert_int_equal(ramdisk_image(), (MiB(20) - MiB(3) - 5) & ~0xfffull);
	/* ...or above it where that fits under the maximum. */
	put32(0x22c, MiB(36) - 1);
	vm_refill();
	load_ok();
	assert_int_equal(ramdisk_image(), (MiB(36) - MiB(3) - 5) & ~0xfffull);

	/* An initrd never goes below 1 MiB, where lucid's own pieces are. */
	set_initrd(MiB(19));
	put64(0x258, MiB(16));
	put32(0x260, MiB(4));
	put32(0x22c, MiB(20) - 1);
	put16(0x236, 0x1);
	vm_refill();
	expect_error("kernel \"vmlinuz\": initrd \"initrd.img\" (19 MiB) does not fit below "
		     "initrd_addr_max 0x13fffff in the VM's usable RAM (64 MiB) beside the kernel at "
		     "[0x1000000, 0x1400000)");
	set_initrd(MiB(15));
	load_ok();
	assert_int_equal(ramdisk_image(), MiB(1));
	/* Too big for the VM at all. */
	set_initrd(MiB(70));
	put32(0x22c, 0x7fffffff);
	expect_error("initrd \"initrd.img\" (70 MiB) does not fit below initrd_addr_max 0x7fffffff");
	put16(0x236, 0x3);
	expect_error("initrd \"initrd.img\" (70 MiB) does not fit in the VM's usable RAM (64 MiB) "
		     "from 1 MiB up beside the kernel at [0x1000000, 0x1400000)");
}

/* RAM above 4 GiB: the page tables reach it, and an initrd that finds no
 * room below initrd_addr_max goes there if the kernel allows. */
static void test_linux_above_4g(void **state)
{
	const struct e820 want[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ MiB(1), MiB(63), 1 },
		{ GiB(4) + MiB(32), MiB(32), 1 },
	};

	(void)state;
	vm_add(GiB(4) + MiB(32), MiB(32));
	set_initrd(MiB(20));
	put32(0x22c, MiB(32) - 1);
	put16(0x236, 0x1);	/* not above 4 GiB */
	expect_error("initrd \"initrd.img\" (20 MiB) does not fit below initrd_addr_max 0x1ffffff");
	put16(0x236, 0x3);
	load_ok();
	assert_int_equal(ramdisk_image(), GiB(4) + MiB(44));
	assert_int_equal(rd32(e.rsi + 0xc0), 1);	/* ext_ramdisk_image */
	assert_int_equal(rd32(e.rsi + 0xc4), 0);
	assert_memory_equal(gp(ramdisk_image(), MiB(20)), initrd, MiB(20));
	check_e820(want, ARRAY_SIZE(want));
	check_identity_map(GiB(5));
}

static void test_linux_header_errors(void **state)
{
	(void)state;
	rq.format = LOAD_LINUX;
	img_size = 0x210;
	expect_error("kernel \"vmlinuz\": ends (at 0x210) inside its Linux setup header");
	bz_default();
	put16(0x206, 0x020b);
	expect_error("kernel \"vmlinuz\": uses Linux boot protocol 2.11; lucid needs 2.12 or later "
		     "(Linux 3.8), whose 64-bit entry it uses");
	put16(0x206, 0x020c);
	load_ok();
	put8(0x201, 0x4e);
	expect_error("Linux setup header ends at 0x250 (the jump at 0x200), not between 0x264 "
		     "and 0x290");
	put8(0x201, 0xff);
	expect_error("Linux setup header ends at 0x301");
	put8(0x201, 0x62);	/* 0x264: the shortest lucid takes */
	vm_refill();
	load_ok();
	assert_int_equal(rd32(e.rsi + 0x264), 0);	/* handover_offset not copied */
	put8(0x201, 0x66);
	img_size = 0x266;
	expect_error("Linux setup header (to 0x268) runs past the end of the file (0x266 bytes)");
	bz_default();
	put8(0x211, 0);
	expect_error("is a zImage (loadflags bit 0 clear), which lucid cannot load");
	bz_default();
	put16(0x236, 0x2);
	expect_error("has no 64-bit entry point (xloadflags bit 0, XLF_KERNEL_64, is clear)");
}

static void test_linux_size_errors(void **state)
{
	(void)state;
	put8(0x1f1, 200);
	expect_error("Linux setup code (200 sectors) runs past the end of the file (0x3610 bytes)");
	put8(0x1f1, 0);		/* 0 means 4: the kernel would start at 0xa00 */
	expect_error("protected-mode kernel (syssize 0x300, 0x3000 bytes) runs past the end of the "
		     "file (0x2c10 bytes after the setup code)");
	bz_default();
	put32(0x1f4, 0xffffffff);
	expect_error("protected-mode kernel (syssize 0xffffffff, 0xffffffff0 bytes) runs past");
	put32(0x1f4, 0);
	expect_error("protected-mode kernel (0x0 bytes) ends before its 64-bit entry at offset "
		     "0x200");
	put32(0x1f4, 0x20);
	expect_error("protected-mode kernel (0x200 bytes) ends before its 64-bit entry");
	bz_default();
	put32(0x260, 0x1000);
	expect_error("init_size 0x1000 is smaller than the protected-mode kernel (0x3000 bytes)");
	put32(0x260, K_LEN);
	load_ok();
	bz_default();
	put32(0x230, 0);
	expect_error("kernel_alignment 0x0 is not a power of two");
	put32(0x230, 0x300000);
	expect_error("kernel_alignment 0x300000 is not a power of two");
}

static void test_linux_room_errors(void **state)
{
	static struct load_module mod = { { "m", (const u8 *)"x", 1 }, NULL };
	char line[2100];

	(void)state;
	put8(0x234, 0);
	put64(0x258, MiB(62));
	expect_error("kernel \"vmlinuz\": is not relocatable and needs its init_size (4 MiB) at "
		     "pref_address 0x3e00000, which is not in the VM's usable RAM (64 MiB) above "
		     "1 MiB");
	put64(0x258, 0x10000);
	expect_error("pref_address 0x10000, which is not in the VM's usable RAM");
	put8(0x234, 1);
	put64(0x258, PREF);
	put32(0x260, 0xffffffff);
	expect_error("kernel \"vmlinuz\": needs its init_size (4096 MiB) at pref_address 0x1000000 "
		     "or at a 0x200000-aligned address from 16 MiB on; the VM's usable RAM (64 MiB) "
		     "has no such room");
	bz_default();
	put32(0x260, MiB(49));
	expect_error("needs its init_size (49 MiB)");

	bz_default();
	memset(line, 'a', 2048);
	line[2048] = '\0';
	rq.cmdline = line;
	expect_error("kernel \"vmlinuz\": command line (2048 characters) is longer than the "
		     "kernel's cmdline_size (2047)");
	line[2047] = '\0';
	load_ok();
	assert_int_equal(strlen((const char *)gp(cmd_line_ptr(), 2048)), 2047);
	put32(0x238, 10);
	rq.cmdline = "0123456789";
	load_ok();
	rq.cmdline = "0123456789a";
	expect_error("command line (11 characters) is longer than the kernel's cmdline_size (10)");
	rq.cmdline = NULL;

	rq.mods = &mod;
	rq.nmods = 1;
	expect_error("kernel \"vmlinuz\": is a Linux kernel, which takes no modules (an initrd is "
		     "given as initrd)");
}

/* Conventional memory holds the page tables, one page directory per GiB:
 * RAM far above 4 GiB needs more than there is. */
static void test_linux_low_memory(void **state)
{
	(void)state;
	/* 154 GiB of RAM would need 154 page directories: the loader looks
	 * at the regions only, so a region no one writes will do. */
	gm.r[gm.n++] = (struct gmem_region){ GiB(4), 0, GiB(150) };
	gm.size += GiB(150);
	assert_int_equal(load(), -1);
	assert_string_equal(err, "kernel \"vmlinuz\": identity page tables for 154 GiB of RAM do "
			    "not fit below 0x9f000");
	assert_filled(0, MiB(64), FILL);
	gm.r[1].size = GiB(100);
	gm.size = MiB(64) + GiB(100);
	load_ok();
	assert_true(e.cr3 + (2 + 104) * PAGE_SIZE <= 0x9f000);
	gm.n = 1;
	gm.size = MiB(64);

	/* No RAM where the boot information goes. */
	vm_free();
	vm_add(0, 0x8000);
	vm_add(MiB(1), MiB(63));
	expect_error("kernel \"vmlinuz\": the boot information [0x1000, 0xa000) is not in the VM's "
		     "usable RAM");
}

/* Header fields at random: the loader either loads or refuses, never
 * reads past the file (ASan) and never writes on a refusal. */
static void test_linux_hostile_headers(void **state)
{
	u32 x = 12345;

	(void)state;
	vm_free();
	vm_add(0, MiB(24));
	set_initrd(5000);
	for (int round = 0; round < 200; round++) {
		const u8 *before;
		int rc;

		bz_default();
		for (int n = 0; n < 1 + round % 4; n++) {
			x = x * 1103515245 + 12345;
			u32 off = 0x1f1 + (x >> 8) % (0x26c - 0x1f1);
			x = x * 1103515245 + 12345;
			img[off] = (u8)(x >> 16);
		}
		if (round % 7 == 0)
			img_size = (x >> 4) % (K_OFF + K_LEN + TAIL);
		before = vm_snapshot();
		rc = load();
		if (rc) {
			assert_true(vm_same(before));
			assert_non_null(strstr(err, "kernel \"vmlinuz\": "));
		} else {
			assert_int_equal(e.mode, GUEST_LONG);
			assert_true(gmem_is_ram(&gm, e.ip, 1));
			vm_refill();
		}
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_linux_basic),
		T(test_linux_explicit_format),
		T(test_linux_placement),
		T(test_linux_initrd_placement),
		T(test_linux_above_4g),
		T(test_linux_header_errors),
		T(test_linux_size_errors),
		T(test_linux_room_errors),
		T(test_linux_low_memory),
		T(test_linux_hostile_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
