/* Host tests for the walker of the guest's own page tables
 * (hv/emul/guest_paging.c). The guest's RAM is one heap buffer at guest-physical
 * RAM_BASE and a few pages at 4 GiB; each test writes page tables into it entry by entry and checks
 * what gpt_translate() makes of them: the guest-physical address, the #PF
 * error code, the accessed and dirty bits, and where a table that is not
 * RAM lies. Expected values are worked out by hand from the architecture
 * (Intel SDM vol. 3 ch. 4, AMD APM vol. 2 ch. 5), never from the walker.
 * The architectural bits are spelled out here rather than taken from
 * lucid's headers, so that a wrong constant there cannot agree with
 * itself. The same tables check the trace a walk leaves and the
 * instruction-fetch TLB (hv/emul/fetch_tlb.c) that relies on it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/emul/fetch_tlb.h"
#include "hv/emul/guest_paging.h"

#define P PAGE_SIZE
#define RAM_BASE 0x200000ull
#define RAM_PAGES 64
#define RAM_END (RAM_BASE + RAM_PAGES * P)
#define HIGH_BASE 0x100000000ull	/* a second region, for tables above 4 GiB */
#define HIGH_PAGES 4
#define OUTSIDE 0x80000000ull	/* not the VM's RAM */

/* Control registers, EFER, RFLAGS. */
#define X_PE (1ull << 0)
#define X_WP (1ull << 16)
#define X_PG (1ull << 31)
#define X_PSE (1ull << 4)
#define X_PAE (1ull << 5)
#define X_LA57 (1ull << 12)
#define X_SMEP (1ull << 20)
#define X_SMAP (1ull << 21)
#define X_LME (1ull << 8)
#define X_LMA (1ull << 10)
#define X_NXE (1ull << 11)
#define X_AC (1ull << 18)

/* Paging-structure entries. */
#define E_P (1ull << 0)
#define E_W (1ull << 1)
#define E_U (1ull << 2)
#define E_A (1ull << 5)
#define E_D (1ull << 6)
#define E_PS (1ull << 7)
#define E_PAT_LARGE (1ull << 12)	/* PAT in a large-page entry: not address */
#define E_NX (1ull << 63)
#define E_PWU (E_P | E_W | E_U)

/* #PF error code bits. */
#define ERR_P 1u
#define ERR_W 2u
#define ERR_U 4u
#define ERR_I 16u

static u8 *ram, *high;
static struct guest_mem gm;
static u32 pages_used;

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(P, RAM_PAGES * P);
	high = aligned_alloc(P, HIGH_PAGES * P);
	assert_non_null(ram);
	assert_non_null(high);
	memset(ram, 0, RAM_PAGES * P);
	memset(high, 0, HIGH_PAGES * P);
	memset(&gm, 0, sizeof(gm));
	gm.r[0] = (struct gmem_region){ RAM_BASE, (u64)(uintptr_t)ram, RAM_PAGES * P };
	gm.r[1] = (struct gmem_region){ HIGH_BASE, (u64)(uintptr_t)high, HIGH_PAGES * P };
	gm.n = 2;
	gm.size = (RAM_PAGES + HIGH_PAGES) * P;
	pages_used = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(high);
	return 0;
}

/* A zeroed page of guest RAM for a table; its guest-physical address. */
static u64 new_table(void)
{
	assert_true(pages_used < RAM_PAGES);
	return RAM_BASE + P * pages_used++;
}

static u8 *host(u64 gpa)
{
	if (gpa >= HIGH_BASE && gpa < HIGH_BASE + HIGH_PAGES * P)
		return high + (gpa - HIGH_BASE);
	assert_true(gpa >= RAM_BASE && gpa < RAM_END);
	return ram + (gpa - RAM_BASE);
}

/* An entry of width 4 or 8 bytes at gpa (little-endian, as the walker
 * reads it). */
static void put(u64 gpa, u64 e, size_t width)
{
	memcpy(host(gpa), &e, width);
}

static u64 get(u64 gpa, size_t width)
{
	u64 e = 0;

	memcpy(&e, host(gpa), width);
	return e;
}

static void put64(u64 gpa, u64 e) { put(gpa, e, 8); }
static u64 get64(u64 gpa) { return get(gpa, 8); }
static void put32(u64 gpa, u32 e) { put(gpa, e, 4); }
static u32 get32(u64 gpa) { return (u32)get(gpa, 4); }

/* ---- contexts --------------------------------------------------------- */

static struct gpt_ctx ctx(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	return (struct gpt_ctx){ .crs = { cr0, cr3, cr4, efer },
				 .rflags = 2, .cpl = 0, .mem = &gm };
}

static struct gpt_ctx mode_32(u64 cr3)
{
	return ctx(X_PE | X_PG, cr3, 0, 0);
}

static struct gpt_ctx mode_pae(u64 cr3)
{
	return ctx(X_PE | X_PG, cr3, X_PAE, 0);
}

static struct gpt_ctx mode_lm(u64 cr3)
{
	return ctx(X_PE | X_PG, cr3, X_PAE, X_LME | X_LMA);
}

/* ---- checking one walk ------------------------------------------------ */

/* Translates la and fails the test (at the caller's line) unless the
 * result is want, with *gpa == val for GPT_OK and GPT_BAD_TABLE, or the
 * error code val for GPT_FAULT. */
static void check_walk(const struct gpt_ctx *c, u64 la, unsigned access, enum gpt_result want,
		       u64 val, const char *file, int line)
{
	u64 gpa = 0x5a5a5a5a5a5a5a5aull;
	u32 err = 0xa5a5a5a5u;
	enum gpt_result r = gpt_translate(c, la, access, &gpa, &err);
	u64 got = r == GPT_FAULT ? err : gpa;
	static const char *const names[] = { "GPT_OK", "GPT_FAULT", "GPT_BAD_TABLE" };

	if (r == want && got == val)
		return;
	print_error("la %#llx access %u cpl %u: got %s %#llx, expected %s %#llx\n",
		    (unsigned long long)la, access, c->cpl, r <= GPT_BAD_TABLE ? names[r] : "?",
		    (unsigned long long)got, names[want], (unsigned long long)val);
	_fail(file, line);
}

#define expect_ok(c, la, access, gpa) \
	check_walk(c, la, access, GPT_OK, gpa, __FILE__, __LINE__)
#define expect_fault(c, la, access, err) \
	check_walk(c, la, access, GPT_FAULT, err, __FILE__, __LINE__)
#define expect_bad_table(c, la, access, where) \
	check_walk(c, la, access, GPT_BAD_TABLE, where, __FILE__, __LINE__)

/* ---- building long-mode tables --------------------------------------- */

/* Index of la in a long-mode table of the given level (1 = PT, 2 = PD,
 * 3 = PDPT, 4 = PML4, 5 = PML5). */
static u64 lm_index(u64 la, int level)
{
	return (la >> (12 + 9 * (level - 1))) & 511;
}

/* Maps la under the table at top (levels 4 or 5): the entries above
 * leaf_level point at new tables with the flags up, the entry at
 * leaf_level (1: 4 KiB; 2, 3: 2 MiB, 1 GiB, PS added) is leaf. ent[l]
 * receives the guest-physical address of the entry used at level l. */
static void lm_map(u64 top, int levels, u64 la, int leaf_level, u64 leaf, u64 up, u64 ent[6])
{
	u64 t = top;

	for (int l = levels; l > leaf_level; l--) {
		u64 e = get64(t + 8 * lm_index(la, l));

		ent[l] = t + 8 * lm_index(la, l);
		if (!e)
			e = new_table();
		put64(ent[l], (e & 0x000ffffffffff000ull) | up);
		t = e & 0x000ffffffffff000ull;
	}
	ent[leaf_level] = t + 8 * lm_index(la, leaf_level);
	put64(ent[leaf_level], leaf | (leaf_level > 1 ? E_PS : 0));
}

static void set_bits(u64 gpa, u64 bits)
{
	put64(gpa, get64(gpa) | bits);
}

static void clear_bits(u64 gpa, u64 bits)
{
	put64(gpa, get64(gpa) & ~bits);
}

/* Accessed and dirty bits off on the entries of levels lo..hi. */
static void clear_ad(const u64 ent[6], int lo, int hi)
{
	for (int l = lo; l <= hi; l++)
		clear_bits(ent[l], E_A | E_D);
}

/* No accessed or dirty bit on the entries of levels lo..hi. */
static void assert_no_ad(const u64 ent[6], int lo, int hi)
{
	for (int l = lo; l <= hi; l++)
		assert_int_equal(get64(ent[l]) & (E_A | E_D), 0);
}

/* ---- paging off --------------------------------------------------------- */

static void test_paging_off_truncates_to_32_bits(void **state)
{
	struct gpt_ctx c = ctx(X_PE, OUTSIDE, X_PAE, 0);	/* CR3 is not looked at */

	(void)state;
	expect_ok(&c, 0x123456789abcull, 0, 0x56789abcull);
	expect_ok(&c, 0x123456789abcull, GPT_WRITE, 0x56789abcull);
	expect_ok(&c, ~0ull, GPT_FETCH, 0xffffffffull);
	c.cpl = 3;
	expect_ok(&c, 0x1000, GPT_WRITE, 0x1000);
	c = ctx(0, OUTSIDE, 0, 0);				/* real mode */
	expect_ok(&c, 0x12345, GPT_WRITE, 0x12345);
	for (u32 i = 0; i < RAM_PAGES * P; i++)
		assert_int_equal(ram[i], 0);
}

/* ---- 32-bit paging ---------------------------------------------------- */

/* la 0x00c03abc: PDE 3, PTE 3, offset 0xabc. */
static void test_32bit_4k(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct gpt_ctx c = mode_32(pd | 0x18);	/* PWT, PCD: not address bits */

	(void)state;
	/* Bits 11:8 (G, available) are no address bits. */
	put32(pd + 3 * 4, (u32)pt | 0xf00u | E_PWU);
	put32(pt + 3 * 4, 0xfedcb000u | 0xf00u | E_PWU);
	expect_ok(&c, 0x00c03abc, 0, 0xfedcbabcull);
	assert_int_equal(get32(pd + 12), (u32)pt | 0xf00u | E_PWU | E_A);
	assert_int_equal(get32(pt + 12), 0xfedcb000u | 0xf00u | E_PWU | E_A);
	/* A write sets the dirty bit in the PTE only. */
	expect_ok(&c, 0x00c03abc, GPT_WRITE, 0xfedcbabcull);
	assert_int_equal(get32(pd + 12), (u32)pt | 0xf00u | E_PWU | E_A);
	assert_int_equal(get32(pt + 12), 0xfedcb000u | 0xf00u | E_PWU | E_A | E_D);
	/* Outside long mode a linear address has 32 bits. */
	expect_ok(&c, 0xffffffff00c03fffull, 0, 0xfedcbfffull);
	/* The neighbours are not mapped. */
	expect_fault(&c, 0x00c02000, 0, 0);
	expect_fault(&c, 0x00803abc, 0, 0);
}

/* la 0x12b45678: PDE 0x4a, offset in 4 MiB 0x345678. */
static void test_32bit_4m_with_pse(void **state)
{
	u64 pd = new_table();
	struct gpt_ctx c = mode_32(pd);
	u64 pde = pd + 0x4a * 4;

	(void)state;
	c.crs.cr4 = X_PSE;
	/* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
	put32(pde, 0x7fc00000u | 0x5au << 13 | E_PS | E_PWU);
	expect_ok(&c, 0x12b45678, 0, 0x5a7ff45678ull);
	assert_int_equal(get32(pde), 0x7fc00000u | 0x5au << 13 | E_PS | E_PWU | E_A);
	expect_ok(&c, 0x12b45678, GPT_WRITE, 0x5a7ff45678ull);
	assert_int_equal(get32(pde), 0x7fc00000u | 0x5au << 13 | E_PS | E_PWU | E_A | E_D);
	put32(pde, 0xffc00000u | 0xffu << 13 | E_PS | E_P);
	expect_ok(&c, 0x12bfffff, 0, 0xffffffffffull);
	put32(pde, 0x00400000u | E_PS | E_P);
	expect_ok(&c, 0x12800000, 0, 0x00400000ull);
}

/* Without CR4.PSE the PS bit of a PDE means nothing: it points at a page
 * table, whose address takes in the bits PSE-36 would have used. */
static void test_32bit_ps_ignored_without_pse(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct gpt_ctx c = mode_32(pd);

	(void)state;
	put32(pd + 0x4a * 4, (u32)pt | E_PS | E_PWU);
	put32(pt + 0x345 * 4, 0x3000u | E_P);
	expect_ok(&c, 0x12b45678, 0, 0x3678);
	assert_int_equal(get32(pt + 0x345 * 4), 0x3000u | E_P | E_A);
	/* The same PDE with bits 20:13 set: a table outside RAM, not PSE-36. */
	put32(pd + 0x4a * 4, 0x7fc00000u | 0x5au << 13 | E_PS | E_PWU);
	expect_bad_table(&c, 0x12b45678, 0, 0x7fcb4000ull + 0x345 * 4);
}

/* In a PTE, bit 7 is PAT, never a page size. */
static void test_32bit_pte_bit7_is_not_ps(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct gpt_ctx c = mode_32(pd);

	(void)state;
	c.crs.cr4 = X_PSE;
	put32(pd, (u32)pt | E_PWU);
	put32(pt + 5 * 4, 0x00abc000u | E_PS | E_P);
	expect_ok(&c, 0x5123, 0, 0xabc123);
}

/* ---- PAE paging --------------------------------------------------------- */

/* la 0xc0603abc: PDPTE 3, PDE 3, PTE 3, offset 0xabc. The PDPT is 32-byte
 * aligned, not page-aligned; its entries hold no rights. */
static void test_pae_4k(void **state)
{
	u64 pdpt = new_table() + 0x60, pd = new_table(), pt = new_table();
	struct gpt_ctx c = mode_pae(pdpt | 0x18);

	(void)state;
	put64(pdpt + 3 * 8, pd | E_P);
	put64(pd + 3 * 8, pt | E_PWU);
	put64(pt + 3 * 8, 0x987654000ull | E_PWU);
	c.cpl = 3;
	expect_ok(&c, 0xc0603abc, GPT_WRITE, 0x987654abcull);
	assert_int_equal(get64(pdpt + 3 * 8), pd | E_P);	/* no A bit in a PDPTE */
	assert_int_equal(get64(pd + 3 * 8), pt | E_PWU | E_A);
	assert_int_equal(get64(pt + 3 * 8), 0x987654000ull | E_PWU | E_A | E_D);
	expect_ok(&c, 0x12345678c0603abcull, 0, 0x987654abcull);
	/* The PDPT's other entries are not present. */
	expect_fault(&c, 0x00603abc, 0, ERR_U);
}

/* la 0x40123456: PDPTE 1, PDE 0, offset in 2 MiB 0x123456. Bit 12 of a
 * 2 MiB entry is PAT. */
static void test_pae_2m(void **state)
{
	u64 pdpt = new_table(), pd = new_table();
	struct gpt_ctx c = mode_pae(pdpt);

	(void)state;
	put64(pdpt + 8, pd | E_P);
	put64(pd, 0x123400000ull | E_PAT_LARGE | E_PS | E_P | E_W);
	expect_ok(&c, 0x40123456, 0, 0x123523456ull);
	assert_int_equal(get64(pd), 0x123400000ull | E_PAT_LARGE | E_PS | E_P | E_W | E_A);
	expect_ok(&c, 0x40123456, GPT_WRITE, 0x123523456ull);
	assert_int_equal(get64(pd), 0x123400000ull | E_PAT_LARGE | E_PS | E_P | E_W | E_A | E_D);
}

static void test_pae_pdpte_not_present(void **state)
{
	u64 pdpt = new_table(), pd = new_table();
	struct gpt_ctx c = mode_pae(pdpt);

	(void)state;
	put64(pdpt, pd | E_P);
	put64(pd, E_PS | E_PWU);
	expect_ok(&c, 0x1234, 0, 0x1234);
	expect_fault(&c, 0x80000000, 0, 0);
	expect_fault(&c, 0xbfffffff, GPT_WRITE, ERR_W);
	c.cpl = 3;
	expect_fault(&c, 0x80000000, GPT_WRITE, ERR_W | ERR_U);
	expect_fault(&c, 0x80000000, GPT_FETCH, ERR_U);
	c.crs.efer = X_NXE;
	expect_fault(&c, 0x80000000, GPT_FETCH, ERR_U | ERR_I);
	assert_int_equal(get64(pdpt + 16), 0);
}

/* ---- long mode ------------------------------------------------------------ */

#define LM_LA 0x00007f8123456abcull

static void test_lm_4k(void **state)
{
	u64 pml4 = new_table(), ent[6];
	/* Bits 62:52 (ignored, or protection keys) and 11:8 (G, available)
	 * are not address bits. */
	u64 leaf = 0x7ff0000000000000ull | 0x000fedcba9876000ull | 0xf00 | E_PWU;
	struct gpt_ctx c = mode_lm(pml4 | 0xfff);	/* PCID or PWT/PCD below */

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, leaf, E_PWU, ent);
	expect_ok(&c, LM_LA, 0, 0xfedcba9876abcull);
	for (int l = 1; l <= 4; l++)
		assert_int_equal(get64(ent[l]) & (E_A | E_D), E_A);
	expect_ok(&c, LM_LA, GPT_WRITE, 0xfedcba9876abcull);
	assert_int_equal(get64(ent[1]), leaf | E_A | E_D);
	for (int l = 2; l <= 4; l++)
		assert_int_equal(get64(ent[l]) & (E_A | E_D), E_A);
	/* Bits 63:48 of the address do not index anything. */
	expect_ok(&c, LM_LA | 0xffff000000000000ull, 0, 0xfedcba9876abcull);
	expect_fault(&c, LM_LA + P, 0, 0);
}

/* A large page at level 2 (2 MiB) or 3 (1 GiB), bit 12 (PAT) set in its
 * entry: la's offset within size added to base, A on every level used,
 * D on the leaf for writes only. */
static void check_lm_large_page(int level, u64 size, u64 base)
{
	u64 pml4 = new_table(), ent[6];
	u64 leaf = base | E_PAT_LARGE | E_P | E_W;
	struct gpt_ctx c = mode_lm(pml4);

	lm_map(pml4, 4, LM_LA, level, leaf, E_PWU, ent);
	expect_ok(&c, LM_LA, 0, base + (LM_LA & (size - 1)));
	assert_int_equal(get64(ent[level]), leaf | E_PS | E_A);
	expect_ok(&c, LM_LA, GPT_WRITE, base + (LM_LA & (size - 1)));
	assert_int_equal(get64(ent[level]), leaf | E_PS | E_A | E_D);
	for (int l = level + 1; l <= 4; l++)
		assert_int_equal(get64(ent[l]) & (E_A | E_D), E_A);
}

static void test_lm_2m(void **state)
{
	(void)state;
	check_lm_large_page(2, 0x200000, 0x1234400000ull);
}

static void test_lm_1g(void **state)
{
	(void)state;
	check_lm_large_page(3, 0x40000000, 0x2540000000ull);
}

/* la 0x01abcdef01234abc has bits 56:48 = 0x1ab: a PML5 index. */
static void test_lm_5level(void **state)
{
	u64 pml5 = new_table(), ent[6];
	u64 la = 0x01abcdef01234abcull;
	struct gpt_ctx c = mode_lm(pml5);

	(void)state;
	c.crs.cr4 |= X_LA57;
	lm_map(pml5, 5, la, 1, 0x55555000ull | E_PWU, E_PWU, ent);
	assert_int_equal(ent[5], pml5 + 8 * 0x1ab);
	expect_ok(&c, la, GPT_WRITE, 0x55555abcull);
	for (int l = 2; l <= 5; l++)
		assert_int_equal(get64(ent[l]) & (E_A | E_D), E_A);
	assert_int_equal(get64(ent[1]) & (E_A | E_D), E_A | E_D);
	/* Without LA57 the same table is a PML4, indexed by bits 47:39. */
	c.crs.cr4 &= ~X_LA57;
	expect_fault(&c, la, 0, 0);
	/* 2 MiB and 1 GiB pages under five levels. */
	c.crs.cr4 |= X_LA57;
	lm_map(pml5, 5, la, 2, 0x7e00000ull | E_P, E_PWU, ent);
	expect_ok(&c, la, 0, 0x7e00000ull + (la & 0x1fffff));
	lm_map(pml5, 5, la, 3, 0xc0000000ull | E_P, E_PWU, ent);
	expect_ok(&c, la, 0, 0xc0000000ull + (la & 0x3fffffff));
}

/* Tables above 4 GiB: CR3, PML4E, PDPTE (long mode and PAE) keep all
 * their address bits. */
static void test_tables_above_4g(void **state)
{
	u64 pml4 = HIGH_BASE, pdpt = HIGH_BASE + P, pd = HIGH_BASE + 2 * P;
	u64 pae_pdpt = new_table();
	struct gpt_ctx c = mode_lm(pml4);

	(void)state;
	put64(pml4 + 8 * lm_index(LM_LA, 4), pdpt | E_PWU);
	put64(pdpt + 8 * lm_index(LM_LA, 3), pd | E_PWU);
	put64(pd + 8 * lm_index(LM_LA, 2), 0x600000ull | E_PS | E_PWU);
	expect_ok(&c, LM_LA, 0, 0x600000ull + (LM_LA & 0x1fffff));
	assert_int_equal(get64(pd + 8 * lm_index(LM_LA, 2)), 0x600000ull | E_PS | E_PWU | E_A);

	c = mode_pae(pae_pdpt);
	put64(pae_pdpt + 8, pd | E_P);
	put64(pd, 0xa00000ull | E_PS | E_P);
	expect_ok(&c, 0x40012345, 0, 0xa12345);
}

/* A PS bit in a PML4E or PML5E makes no 512 GiB or 256 TiB page: that bit
 * is reserved there (lucid ignores reserved bits, see guest_paging.h). */
static void test_lm_no_huge_page_above_pdpt(void **state)
{
	u64 pml5 = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml5);

	(void)state;
	c.crs.cr4 |= X_LA57;
	lm_map(pml5, 5, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
	set_bits(ent[5], E_PS);
	set_bits(ent[4], E_PS);
	expect_ok(&c, LM_LA, 0, 0x9abc);
}

/* ---- not present -------------------------------------------------------- */

static void test_lm_not_present_at_each_level(void **state)
{
	u64 top = new_table(), ent[6];

	(void)state;
	for (int levels = 4; levels <= 5; levels++) {
		struct gpt_ctx c = mode_lm(top);

		c.crs.cr4 |= levels == 5 ? X_LA57 : 0;
		lm_map(top, levels, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
		for (int l = 1; l <= levels; l++) {
			c.cpl = 0;
			clear_ad(ent, 1, levels);
			expect_ok(&c, LM_LA, 0, 0x9abc);
			clear_ad(ent, 1, levels);
			clear_bits(ent[l], E_P);
			expect_fault(&c, LM_LA, 0, 0);
			expect_fault(&c, LM_LA, GPT_WRITE, ERR_W);
			c.cpl = 3;
			expect_fault(&c, LM_LA, GPT_WRITE, ERR_W | ERR_U);
			expect_fault(&c, LM_LA, GPT_FETCH, ERR_U);
			assert_no_ad(ent, 1, levels);
			set_bits(ent[l], E_P);
		}
		memset(ram, 0, RAM_PAGES * P);
		pages_used = 1;
	}
}

static void test_32bit_and_pae_not_present(void **state)
{
	u64 pd = new_table(), pt = new_table();
	u64 pdpt = new_table(), pd2 = new_table(), pt2 = new_table();
	struct gpt_ctx c = mode_32(pd);

	(void)state;
	put32(pd + 3 * 4, (u32)pt | E_PWU);
	put32(pt + 3 * 4, 0x7000u | E_PWU);
	expect_ok(&c, 0x00c03abc, 0, 0x7abc);
	put32(pt + 3 * 4, 0x7000u | E_W | E_U);
	expect_fault(&c, 0x00c03abc, GPT_WRITE, ERR_W);
	put32(pt + 3 * 4, 0x7000u | E_PWU);
	put32(pd + 3 * 4, (u32)pt | E_W | E_U);
	c.cpl = 3;
	expect_fault(&c, 0x00c03abc, 0, ERR_U);
	assert_int_equal(get32(pt + 3 * 4), 0x7000u | E_PWU);

	c = mode_pae(pdpt);
	put64(pdpt + 3 * 8, pd2 | E_P);
	put64(pd2 + 3 * 8, pt2 | E_PWU);
	put64(pt2 + 3 * 8, 0x7000u | E_PWU);
	expect_ok(&c, 0xc0603abc, 0, 0x7abc);
	put64(pt2 + 3 * 8, 0x7000u | E_W | E_U);
	expect_fault(&c, 0xc0603abc, 0, 0);
	put64(pt2 + 3 * 8, 0x7000u | E_PWU);
	put64(pd2 + 3 * 8, pt2 | E_W | E_U);
	expect_fault(&c, 0xc0603abc, GPT_WRITE, ERR_W);
	put64(pd2 + 3 * 8, pt2 | E_PWU);
	put64(pdpt + 3 * 8, pd2);
	expect_fault(&c, 0xc0603abc, GPT_WRITE, ERR_W);
	assert_int_equal(get64(pd2 + 3 * 8), pt2 | E_PWU);
	assert_int_equal(get64(pt2 + 3 * 8), 0x7000u | E_PWU);
}

/* ---- rights ------------------------------------------------------------------ */

/* R/W and U/S count at every level (ANDed), NX at any level (ORed). A
 * fault sets no accessed bit anywhere. */
static void test_lm_rights_at_each_level(void **state)
{
	u64 pml4 = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml4);

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
	for (int l = 1; l <= 4; l++) {
		/* Read-only at level l. */
		clear_ad(ent, 1, 4);
		clear_bits(ent[l], E_W);
		c.cpl = 3;
		c.crs.cr0 = X_PE | X_PG;
		expect_ok(&c, LM_LA, 0, 0x9abc);
		clear_ad(ent, 1, 4);
		expect_fault(&c, LM_LA, GPT_WRITE, ERR_P | ERR_W | ERR_U);
		c.crs.cr0 |= X_WP;
		expect_fault(&c, LM_LA, GPT_WRITE, ERR_P | ERR_W | ERR_U);
		c.cpl = 0;
		expect_fault(&c, LM_LA, GPT_WRITE, ERR_P | ERR_W);
		assert_no_ad(ent, 1, 4);
		c.crs.cr0 &= ~X_WP;		/* a supervisor write ignores R/W */
		expect_ok(&c, LM_LA, GPT_WRITE, 0x9abc);
		assert_int_equal(get64(ent[1]) & (E_A | E_D), E_A | E_D);
		set_bits(ent[l], E_W);

		/* Supervisor-only at level l. */
		clear_ad(ent, 1, 4);
		clear_bits(ent[l], E_U);
		c.cpl = 3;
		expect_fault(&c, LM_LA, 0, ERR_P | ERR_U);
		expect_fault(&c, LM_LA, GPT_WRITE, ERR_P | ERR_W | ERR_U);
		expect_fault(&c, LM_LA, GPT_FETCH, ERR_P | ERR_U);
		assert_no_ad(ent, 1, 4);
		c.cpl = 0;
		expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);
		set_bits(ent[l], E_U);

		/* No-execute at level l: only with EFER.NXE. */
		clear_ad(ent, 1, 4);
		set_bits(ent[l], E_NX);
		c.crs.efer = X_LME | X_LMA | X_NXE;
		expect_fault(&c, LM_LA, GPT_FETCH, ERR_P | ERR_I);
		c.cpl = 3;
		expect_fault(&c, LM_LA, GPT_FETCH, ERR_P | ERR_U | ERR_I);
		assert_no_ad(ent, 1, 4);
		expect_ok(&c, LM_LA, GPT_WRITE, 0x9abc);
		c.crs.efer = X_LME | X_LMA;
		expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);
		c.cpl = 0;
		clear_bits(ent[l], E_NX);
	}
}

static void test_32bit_rights_and_across_levels(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct gpt_ctx c = mode_32(pd);

	(void)state;
	c.cpl = 3;
	put32(pd, (u32)pt | E_P | E_U);			/* read-only here */
	put32(pt, 0x7000u | E_PWU);
	expect_ok(&c, 0x123, 0, 0x7123);
	expect_fault(&c, 0x123, GPT_WRITE, ERR_P | ERR_W | ERR_U);
	put32(pd, (u32)pt | E_P | E_W);			/* supervisor here */
	expect_fault(&c, 0x123, 0, ERR_P | ERR_U);
	c.cpl = 0;
	expect_ok(&c, 0x123, GPT_WRITE, 0x7123);
	put32(pd, (u32)pt | E_PWU);
	put32(pt, 0x7000u | E_P);
	c.crs.cr0 |= X_WP;
	expect_fault(&c, 0x123, GPT_WRITE, ERR_P | ERR_W);
}

/* The I/D bit: only where a fetch can fault for being a fetch, that is
 * PAE or long mode with EFER.NXE, or CR4.SMEP. */
static void test_id_bit(void **state)
{
	u64 pd = new_table(), pdpt = new_table(), pml4 = new_table();
	struct gpt_ctx c = mode_32(pd);

	(void)state;
	/* 32-bit paging has no NX bit, even with EFER.NXE set. */
	c.crs.efer = X_NXE;
	expect_fault(&c, 0x1000, GPT_FETCH, 0);
	c.crs.cr4 = X_SMEP;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_I);
	put32(pd, 0x400000u | E_PS | E_P);
	c.crs.cr4 = X_PSE;
	c.cpl = 3;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_P | ERR_U);
	c.crs.cr4 = X_PSE | X_SMEP;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_P | ERR_U | ERR_I);
	expect_fault(&c, 0x1000, 0, ERR_P | ERR_U);

	c = mode_pae(pdpt);
	put64(pdpt, new_table() | E_P);
	expect_fault(&c, 0x1000, GPT_FETCH, 0);
	c.crs.efer = X_NXE;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_I);
	expect_fault(&c, 0x1000, GPT_WRITE, ERR_W);

	c = mode_lm(pml4);
	expect_fault(&c, 0x1000, GPT_FETCH, 0);
	c.crs.cr4 |= X_SMEP;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_I);
	c.crs.cr4 &= ~X_SMEP;
	c.crs.efer |= X_NXE;
	expect_fault(&c, 0x1000, GPT_FETCH, ERR_I);
	expect_fault(&c, 0x1000, 0, 0);
}

static void test_smep(void **state)
{
	u64 pml4 = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml4);

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
	c.crs.cr4 |= X_SMEP;
	c.rflags |= X_AC;	/* AC is SMAP's, not SMEP's */
	expect_fault(&c, LM_LA, GPT_FETCH, ERR_P | ERR_I);
	assert_no_ad(ent, 1, 4);
	expect_ok(&c, LM_LA, 0, 0x9abc);
	expect_ok(&c, LM_LA, GPT_WRITE, 0x9abc);
	c.cpl = 3;
	expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);
	/* A page supervisor at any level is a supervisor page. */
	c.cpl = 0;
	clear_bits(ent[3], E_U);
	expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);
	set_bits(ent[3], E_U);
	c.crs.cr4 &= ~X_SMEP;
	expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);
}

static void test_smap(void **state)
{
	u64 pml4 = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml4);

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
	c.crs.cr4 |= X_SMAP;
	expect_fault(&c, LM_LA, 0, ERR_P);
	expect_fault(&c, LM_LA, GPT_WRITE, ERR_P | ERR_W);
	assert_no_ad(ent, 1, 4);
	expect_ok(&c, LM_LA, GPT_FETCH, 0x9abc);	/* fetches are SMEP's */
	c.rflags |= X_AC;
	expect_ok(&c, LM_LA, 0, 0x9abc);
	expect_ok(&c, LM_LA, GPT_WRITE, 0x9abc);
	c.rflags &= ~X_AC;
	c.cpl = 3;
	expect_ok(&c, LM_LA, GPT_WRITE, 0x9abc);
	c.cpl = 0;
	clear_bits(ent[1], E_U);
	expect_ok(&c, LM_LA, 0, 0x9abc);
	set_bits(ent[1], E_U);
	c.crs.cr4 &= ~X_SMAP;
	expect_ok(&c, LM_LA, 0, 0x9abc);
}

/* ---- tables outside RAM ------------------------------------------------------ */

static void test_table_outside_ram(void **state)
{
	u64 pml4 = new_table(), ent[6], pd = new_table();
	struct gpt_ctx c = mode_lm(pml4);

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, 0x9000 | E_PWU, E_PWU, ent);
	put64(ent[3], OUTSIDE | E_PWU);
	expect_bad_table(&c, LM_LA, 0, OUTSIDE + 8 * lm_index(LM_LA, 2));
	assert_no_ad(ent, 3, 4);
	/* The first address past RAM, and the last page in it. */
	put64(ent[3], RAM_END | E_PWU);
	expect_bad_table(&c, LM_LA, GPT_WRITE, RAM_END + 8 * lm_index(LM_LA, 2));
	put64(ent[3], (RAM_END - P) | E_PWU);
	put64(RAM_END - P + 8 * lm_index(LM_LA, 2), 0x40000000ull | E_PS | E_P);
	expect_ok(&c, LM_LA, 0, 0x40000000ull + (LM_LA & 0x1fffff));
	c.crs.cr3 = OUTSIDE;
	expect_bad_table(&c, LM_LA, 0, OUTSIDE + 8 * lm_index(LM_LA, 4));

	c = mode_32(pd);
	put32(pd + 3 * 4, (u32)OUTSIDE | E_PWU);
	expect_bad_table(&c, 0x00c03abc, 0, OUTSIDE + 3 * 4);
	assert_int_equal(get32(pd + 3 * 4), (u32)OUTSIDE | E_PWU);
	c.crs.cr3 = RAM_END;
	expect_bad_table(&c, 0x00c03abc, 0, RAM_END + 3 * 4);

	c = mode_pae(OUTSIDE + 0x40);
	expect_bad_table(&c, 0xc0000000, 0, OUTSIDE + 0x40 + 3 * 8);
}

/* ---- the trace of a walk, and the fetch TLB built on it ----------------- */

/* A long-mode walk records its four entries, top first, as they hold
 * after the walk: A set, and D on the leaf for a write. */
static void test_trace_lm(void **state)
{
	u64 pml4 = new_table(), ent[6], leaf = 0x345000ull | E_PWU, gpa;
	struct gpt_trace t;
	struct gpt_ctx c = mode_lm(pml4);
	u32 err;

	(void)state;
	lm_map(pml4, 4, LM_LA, 1, leaf, E_PWU, ent);
	c.trace = &t;
	assert_int_equal(gpt_translate(&c, LM_LA, GPT_WRITE, &gpa, &err), GPT_OK);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.width, 8);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(t.entry[i], host(ent[4 - i]));
		assert_int_equal(t.value[i], get64(ent[4 - i]));
	}
	assert_int_equal(t.value[3], leaf | E_A | E_D);
	assert_true(gpt_trace_holds(&t));
	clear_bits(ent[2], E_A);	/* a guest clears an accessed bit */
	assert_false(gpt_trace_holds(&t));
}

/* PAE: the PDPTE first (no A bit), then the PD and PT entries. */
static void test_trace_pae(void **state)
{
	u64 pdpt = new_table(), pd = new_table(), pt = new_table(), gpa;
	struct gpt_trace t;
	struct gpt_ctx c = mode_pae(pdpt);
	u32 err;

	(void)state;
	put64(pdpt + 2 * 8, pd | E_P);
	put64(pd + 5 * 8, pt | E_PWU);
	put64(pt + 7 * 8, 0x999000ull | E_PWU);
	c.trace = &t;
	assert_int_equal(gpt_translate(&c, 0x80a07123, 0, &gpa, &err), GPT_OK);
	assert_int_equal(gpa, 0x999123);
	assert_int_equal(t.n, 3);
	assert_ptr_equal(t.entry[0], host(pdpt + 2 * 8));
	assert_int_equal(t.value[0], pd | E_P);
	assert_ptr_equal(t.entry[2], host(pt + 7 * 8));
	assert_int_equal(t.value[2], 0x999000ull | E_PWU | E_A);
	put64(pdpt + 2 * 8, pt | E_P);
	assert_false(gpt_trace_holds(&t));
}

/* Paging off: nothing read, nothing to hold. */
static void test_trace_paging_off(void **state)
{
	struct gpt_trace t = { .n = 9 };
	struct gpt_ctx c = ctx(X_PE, OUTSIDE, 0, 0);
	u64 gpa;
	u32 err;

	(void)state;
	c.trace = &t;
	assert_int_equal(gpt_translate(&c, 0x1234, GPT_FETCH, &gpa, &err), GPT_OK);
	assert_int_equal(t.n, 0);
	assert_true(gpt_trace_holds(&t));
}

/* A hit gives the code page as the walk found it; a change to any entry
 * of the walk, or to the paging registers or CPL, is seen at once. */
static void test_fetch_tlb_sees_every_change(void **state)
{
	u64 pml4 = new_table(), code = new_table(), other = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml4);
	struct fetch_tlb tlb;
	u64 off = LM_LA & (P - 1);

	(void)state;
	fetch_tlb_flush(&tlb);
	lm_map(pml4, 4, LM_LA, 1, code | E_P, E_P, ent);
	host(code)[off] = 0x0f;
	host(other)[off] = 0xf4;
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(code) + off);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(code) + off);	/* a hit */
	/* An entry not present, at each level: the fetch faults. */
	for (int l = 1; l <= 4; l++) {
		clear_bits(ent[l], E_P);
		assert_null(fetch_tlb_code(&tlb, &c, LM_LA));
		set_bits(ent[l], E_P);
		assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(code) + off);
	}
	/* The leaf moved, without INVLPG: the new page. */
	put64(ent[1], other | E_P | E_A);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(other) + off);
	/* The page is supervisor-only: CPL 3 faults, CPL 0 hits again. */
	c.cpl = 3;
	assert_null(fetch_tlb_code(&tlb, &c, LM_LA));
	c.cpl = 0;
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(other) + off);
	/* NX on the leaf counts once EFER.NXE is set. */
	set_bits(ent[1], E_NX);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, LM_LA), host(other) + off);
	c.crs.efer |= X_NXE;
	assert_null(fetch_tlb_code(&tlb, &c, LM_LA));
	c.crs.efer &= ~X_NXE;
	/* Another CR3 walks other tables: here, none. */
	c.crs.cr3 = new_table();
	assert_null(fetch_tlb_code(&tlb, &c, LM_LA));
	/* Paging off: la is the guest-physical address. */
	c = ctx(X_PE, 0, 0, 0);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, code + 5), host(code) + 5);
	/* Not RAM: nothing to give. */
	assert_null(fetch_tlb_code(&tlb, &c, OUTSIDE));
}

/* The last instruction: a hit needs the same RIP and CR3, every entry of
 * its walk and each of its bytes as they were; anything else misses.
 * What it cannot check cheaply it does not keep. */
static void test_fetch_last(void **state)
{
	static const u8 insn[] = { 0x2e, 0x0f, 0xa2 };	/* CPUID with a CS prefix */
	static const u8 long_insn[9] = { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x0f, 0xa2 };
	u64 pml4 = new_table(), code = new_table(), other = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml4);
	struct fetch_tlb tlb;
	u64 off = LM_LA & (P - 1), end = (LM_LA & ~(P - 1)) + P - 8;

	(void)state;
	fetch_tlb_flush(&tlb);
	lm_map(pml4, 4, LM_LA, 1, code | E_P, E_P, ent);
	memcpy(host(code) + off, insn, sizeof(insn));
	memcpy(host(other) + off, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);		/* empty */
	assert_int_equal(fetch_last_len(&tlb, 0, 0), 0);		/* a flush is not RIP 0 */
	assert_non_null(fetch_tlb_code(&tlb, &c, LM_LA));
	fetch_tlb_remember(&tlb, LM_LA, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 3);
	assert_int_equal(fetch_last_len(&tlb, LM_LA + 1, pml4), 0);
	assert_int_equal(fetch_last_len(&tlb, LM_LA, new_table()), 0);
	/* Any entry of the walk changed, without INVLPG: a miss until it is
	 * back. */
	for (int l = 1; l <= 4; l++) {
		set_bits(ent[l], E_W);
		assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
		clear_bits(ent[l], E_W);
		assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 3);
	}
	/* The leaf moved to a page with the same bytes: still a miss. */
	put64(ent[1], other | E_P | E_A);
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
	put64(ent[1], code | E_P | E_A);
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 3);
	/* Each byte of the instruction counts; the bytes after it do not. */
	for (u32 i = 0; i < sizeof(insn); i++) {
		host(code)[off + i] ^= 0x01;
		assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
		host(code)[off + i] ^= 0x01;
	}
	host(code)[off + sizeof(insn)] = 0x90;
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 3);
	fetch_tlb_forget_last(&tlb);
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
	/* Longer than 8 bytes, or within 8 of the page's end: not kept. */
	fetch_tlb_remember(&tlb, LM_LA, long_insn, sizeof(long_insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
	memcpy(host(code) + (end & (P - 1)) + 1, insn, sizeof(insn));
	assert_non_null(fetch_tlb_code(&tlb, &c, end + 1));
	fetch_tlb_remember(&tlb, end + 1, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, end + 1, pml4), 0);
	memcpy(host(code) + (end & (P - 1)), insn, sizeof(insn));
	fetch_tlb_remember(&tlb, end, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, end, pml4), 3);
	/* Nor where the fetch TLB does not hold the page a moment ago: not
	 * at all, or another page in its slot (this one with the same bytes). */
	fetch_tlb_flush(&tlb);
	fetch_tlb_remember(&tlb, LM_LA, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
	lm_map(pml4, 4, LM_LA + FETCH_TLB_SIZE * P, 1, other | E_P, E_P, ent);
	assert_non_null(fetch_tlb_code(&tlb, &c, LM_LA + FETCH_TLB_SIZE * P));
	fetch_tlb_remember(&tlb, LM_LA, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
	/* A flush forgets it (the tables may be gone). */
	assert_non_null(fetch_tlb_code(&tlb, &c, LM_LA));
	fetch_tlb_remember(&tlb, LM_LA, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 3);
	fetch_tlb_flush(&tlb);
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml4), 0);
}

/* 5-level paging reads five entries, more than a hit compares: not kept. */
static void test_fetch_last_la57(void **state)
{
	static const u8 insn[] = { 0x0f, 0xa2 };
	u64 pml5 = new_table(), code = new_table(), ent[6];
	struct gpt_ctx c = mode_lm(pml5);
	struct fetch_tlb tlb;

	(void)state;
	fetch_tlb_flush(&tlb);
	c.crs.cr4 |= X_LA57;
	lm_map(pml5, 5, LM_LA, 1, code | E_P, E_P, ent);
	memcpy(host(code) + (LM_LA & (P - 1)), insn, sizeof(insn));
	assert_non_null(fetch_tlb_code(&tlb, &c, LM_LA));
	fetch_tlb_remember(&tlb, LM_LA, insn, sizeof(insn));
	assert_int_equal(fetch_last_len(&tlb, LM_LA, pml5), 0);
}

/* 32-bit paging keeps 4-byte entries. */
static void test_fetch_tlb_32bit(void **state)
{
	u64 pd = new_table(), pt = new_table(), code = new_table();
	struct gpt_ctx c = mode_32(pd);
	struct fetch_tlb tlb;

	(void)state;
	fetch_tlb_flush(&tlb);
	put32(pd + 3 * 4, (u32)pt | E_P);
	put32(pt + 3 * 4, (u32)code | E_P);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, 0x00c03abc), host(code) + 0xabc);
	put32(pd + 3 * 4, (u32)pt);
	assert_null(fetch_tlb_code(&tlb, &c, 0x00c03abc));
	put32(pd + 3 * 4, (u32)pt | E_P);
	assert_ptr_equal(fetch_tlb_code(&tlb, &c, 0x00c03abc), host(code) + 0xabc);
	/* The flush forgets: the tables may be gone (a reset zeroes RAM). */
	fetch_tlb_flush(&tlb);
	memset(host(pd), 0, P);
	assert_null(fetch_tlb_code(&tlb, &c, 0x00c03abc));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_paging_off_truncates_to_32_bits),
		T(test_32bit_4k),
		T(test_32bit_4m_with_pse),
		T(test_32bit_ps_ignored_without_pse),
		T(test_32bit_pte_bit7_is_not_ps),
		T(test_pae_4k),
		T(test_pae_2m),
		T(test_pae_pdpte_not_present),
		T(test_lm_4k),
		T(test_lm_2m),
		T(test_lm_1g),
		T(test_lm_5level),
		T(test_tables_above_4g),
		T(test_lm_no_huge_page_above_pdpt),
		T(test_lm_not_present_at_each_level),
		T(test_32bit_and_pae_not_present),
		T(test_lm_rights_at_each_level),
		T(test_32bit_rights_and_across_levels),
		T(test_id_bit),
		T(test_smep),
		T(test_smap),
		T(test_table_outside_ram),
		T(test_trace_lm),
		T(test_trace_pae),
		T(test_trace_paging_off),
		T(test_fetch_tlb_sees_every_change),
		T(test_fetch_tlb_32bit),
		T(test_fetch_last),
		T(test_fetch_last_la57),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
