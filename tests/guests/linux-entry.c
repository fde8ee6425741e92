/* linux-entry: lucid's Linux boot protocol loader (hv/loader/bzimage.c)
 * gives a bzImage what the kernel's boot.rst, "64-bit Boot Protocol",
 * promises. This guest is a bzImage (lib/bzimage.asm and lib/bzimage.ld:
 * a setup header, then 64-bit code linked at its pref_address);
 * guests.cfg boots it with memory = 8M, the command line CMDLINE below
 * and pattern.bin as its initrd. From the state its entry recorded it
 * checks: 64-bit mode at the load address + 0x200; CS 0x10 and DS, ES,
 * SS 0x18 from a GDT with a 64-bit code and a flat data descriptor; IF
 * clear; RSI pointing at boot_params with the file's setup header and
 * lucid's type_of_loader; the command line; the e820 map of an 8 MiB PC;
 * the initrd's place and bytes; the identity mapping of the first 4 GiB
 * with 2 MiB pages; lucid's pieces in low memory, clear of the first
 * page. It has no runtime (that one starts from multiboot): it reports
 * with the hypercalls directly and powers off. */
#include "bzimage.h"
#include "cpu.h"
#include "hypercall.h"

/* What guests.cfg gives this VM. */
#define CMDLINE "mem=8 check=linux"
#define VM_MEM MiB(8)

#define LOW_START 0x1000u	/* lucid never loads into the first page */
#define LOW_END 0x9f000u	/* nor above the last whole page below the EBDA */

bool cpu_amd;

static const u32 end_marker __attribute__((section(".endmarker"), used)) = IMAGE_END_MAGIC;

static bool report(bool ok, const char *fmt, ...) __printf(2, 3);
static bool report(bool ok, const char *fmt, ...)
{
	char msg[LUCID_CONSOLE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > (int)LUCID_CONSOLE_MAX)
		n = LUCID_CONSOLE_MAX;
	hc_test_result(ok ? LUCID_TEST_PASS : LUCID_TEST_FAIL, msg, (unsigned long)n);
	return ok;
}

static u8 rd8(u64 a) { return *(const volatile u8 *)a; }
static u16 rd16(u64 a) { u16 v; memcpy(&v, (const void *)a, 2); return v; }
static u32 rd32(u64 a) { u32 v; memcpy(&v, (const void *)a, 4); return v; }
static u64 rd64(u64 a) { u64 v; memcpy(&v, (const void *)a, 8); return v; }

static bool in_low(u64 a, u64 len)
{
	return a >= LOW_START && a <= LOW_END && len <= LOW_END - a;
}

#define BIT(n) (1ull << (n))
#define D_TYPE_CODE BIT(43)
#define D_RW BIT(41)	/* code: readable; data: writable */
#define D_S BIT(44)
#define D_DPL (3ull << 45)
#define D_P BIT(47)
#define D_L BIT(53)
#define D_DB BIT(54)
#define D_G BIT(55)

/* A flat 4 GiB descriptor: base 0, limit 0xfffff in 4 KiB units. */
static bool flat(u64 d)
{
	return (d & 0xffff) == 0xffff && ((d >> 48) & 0xf) == 0xf && (d & D_G) &&
	       ((d >> 16) & 0xffffff) == 0 && (d >> 56) == 0;
}

static void check_mode(const struct linux_entry *le)
{
	const u64 lm = EFER_LME | EFER_LMA, pg = CR0_PE | CR0_PG;

	report((le->efer & lm) == lm && (le->cr0 & pg) == pg && (le->cr4 & CR4_PAE) &&
		       le->rip == (u64)__image_start + 0x200,
	       "64-bit mode at %#llx, the load address + 0x200 (CR0 %#llx, CR4 %#llx, EFER %#llx)",
	       (unsigned long long)le->rip, (unsigned long long)le->cr0,
	       (unsigned long long)le->cr4, (unsigned long long)le->efer);
}

static void check_segments(const struct linux_entry *le)
{
	u16 limit;
	u64 base, code = 0, data = 0;
	bool ok;

	memcpy(&limit, le->gdtr, 2);
	memcpy(&base, le->gdtr + 2, 8);
	if (limit >= 0x1f) {
		code = rd64(base + 0x10);
		data = rd64(base + 0x18);
	}
	ok = le->cs == 0x10 && le->ds == 0x18 && le->es == 0x18 && le->ss == 0x18 &&
	     in_low(base, limit + 1u) &&
	     (code & (D_P | D_S | D_TYPE_CODE | D_RW | D_L | D_DB | D_DPL)) ==
		     (D_P | D_S | D_TYPE_CODE | D_RW | D_L) &&
	     (data & (D_P | D_S | D_TYPE_CODE | D_RW | D_DPL)) == (D_P | D_S | D_RW) && flat(data);
	report(ok, "CS %#x: 64-bit code; DS %#x, ES %#x, SS %#x: flat data (GDT at %#llx, "
	       "limit %#x: %#llx, %#llx)", le->cs, le->ds, le->es, le->ss,
	       (unsigned long long)base, limit, (unsigned long long)code,
	       (unsigned long long)data);
}

static void check_boot_params(u64 bp)
{
	bool ok = in_low(bp, PAGE_SIZE) && rd16(bp + 0x1fe) == 0xaa55 &&
		  rd32(bp + 0x202) == 0x53726448 && rd16(bp + 0x206) == 0x020d &&
		  rd8(bp + 0x1f1) == 1 && (rd8(bp + 0x211) & 1) &&
		  rd64(bp + 0x258) == (u64)__image_start &&
		  rd32(bp + 0x260) == (u64)(__image_end - __image_start);

	report(ok, "RSI %#llx: boot_params in low memory, the setup header copied",
	       (unsigned long long)bp);
	report(rd8(bp + 0x210) == 0xff, "type_of_loader %#x (a loader without an ID)",
	       rd8(bp + 0x210));
}

static void check_cmdline(u64 bp)
{
	u64 p = rd32(bp + 0x228) | (u64)rd32(bp + 0xc8) << 32;
	bool ok = in_low(p, sizeof(CMDLINE));

	report(ok && !strcmp((const char *)p, CMDLINE), "command line \"%s\" at %#llx",
	       ok ? (const char *)p : "", (unsigned long long)p);
}

static void check_e820(u64 bp)
{
	static const struct { u64 addr, size; u32 type; } want[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ MiB(1), VM_MEM - MiB(1), 1 },
	};
	u32 n = rd8(bp + 0x1e8);
	bool ok = n == ARRAY_SIZE(want);

	for (u32 i = 0; ok && i < n; i++) {
		u64 e = bp + 0x2d0 + i * 20;

		ok = rd64(e) == want[i].addr && rd64(e + 8) == want[i].size &&
		     rd32(e + 16) == want[i].type;
	}
	report(ok, "e820: %u entries: RAM [0, 0x9fc00) and [1 MiB, %u MiB), reserved "
	       "[0x9fc00, 0xa0000) and [0xe0000, 1 MiB)", n, (u32)(VM_MEM >> 20));
}

static bool is_pattern(const u8 *b, u64 len)
{
	u32 x = PATTERN_SEED;

	for (u64 i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		if (b[i] != (u8)(x >> 24))
			return false;
	}
	return true;
}

static void check_initrd(u64 bp)
{
	u64 a = rd32(bp + 0x218) | (u64)rd32(bp + 0xc0) << 32;
	u64 len = rd32(bp + 0x21c) | (u64)rd32(bp + 0xc4) << 32;
	u64 k = (u64)__image_start, k_end = (u64)__image_end;
	bool placed = a % PAGE_SIZE == 0 && a >= MiB(1) && a <= VM_MEM && len <= VM_MEM - a &&
		      a + len - 1 <= rd32(bp + 0x22c) && (a + len <= k || a >= k_end);

	report(placed && len == PATTERN_SIZE,
	       "initrd at %#llx, %llu bytes: page-aligned, in RAM below initrd_addr_max, clear "
	       "of the kernel", (unsigned long long)a, (unsigned long long)len);
	report(placed && len == PATTERN_SIZE && is_pattern((const u8 *)a, len),
	       "initrd content is pattern.bin");
}

/* PML4[0] -> PDPT[0..3] -> four page directories of 2 MiB pages, each
 * mapping its own address, present and writable. */
static void check_identity_map(u64 cr3)
{
	u64 pml4 = cr3 & ~0xfffull, pdpt, bad = ~0ull;
	bool ok = in_low(pml4, PAGE_SIZE);

	pdpt = rd64(pml4) & 0x000ffffffffff000ull;
	ok = ok && (rd64(pml4) & 3) == 3 && in_low(pdpt, PAGE_SIZE);
	for (u64 g = 0; ok && g < 4; g++) {
		u64 pde = rd64(pdpt + g * 8), pd = pde & 0x000ffffffffff000ull;

		ok = (pde & 0x83) == 3 && in_low(pd, PAGE_SIZE);
		for (u64 i = 0; ok && i < 512; i++) {
			u64 e = rd64(pd + i * 8), va = g << 30 | i << 21;

			ok = (e & 0x83) == 0x83 && (e & 0x000fffffffe00000ull) == va;
			if (!ok)
				bad = va;
		}
	}
	if (bad != ~0ull)
		report(false, "CR3 %#llx: the 2 MiB page at %#llx is not mapped to itself",
		       (unsigned long long)cr3, (unsigned long long)bad);
	else
		report(ok, "CR3 %#llx: [0, 4 GiB) identity-mapped with 2 MiB pages, the tables in "
		       "low memory", (unsigned long long)cr3);
}

void linux_main(void)
{
	const struct linux_entry *le = &linux_entry;
	struct cpuid v = cpuid(0);
	u64 bp = le->rsi;

	cpu_amd = v.b == 0x68747541 && v.d == 0x69746e65 && v.c == 0x444d4163; /* AuthenticAMD */
	check_mode(le);
	check_segments(le);
	report(!(le->rflags & EFL_IF), "interrupts disabled (RFLAGS %#llx)",
	       (unsigned long long)le->rflags);
	if (!in_low(bp, PAGE_SIZE)) {
		report(false, "RSI %#llx: boot_params not in low memory", (unsigned long long)bp);
	} else {
		check_boot_params(bp);
		check_cmdline(bp);
		check_e820(bp);
		check_initrd(bp);
	}
	check_identity_map(le->cr3);
	report(*(const volatile u32 *)&end_marker == IMAGE_END_MAGIC,
	       "the whole protected-mode kernel is loaded (its last word)");
	hc_shutdown(LUCID_SHUTDOWN_POWEROFF);
}
