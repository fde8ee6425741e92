/* port-string-paged: INS and OUTS through the guest's own paging, which
 * lucid must walk as the CPU would (hv/emul/guest_linear.c) when it completes
 * them. The port is unassigned: INS stores all-ones, OUTS writes nothing.
 * A high virtual range is mapped with 4 KiB pages to scattered frames,
 * with holes and a read-only page:
 *
 *   page 0 -> frame 5    page 2 -> frame 6    page 4 -> frame 0 (read-only)
 *   page 1 -> frame 2    page 3 -> (none)     page 5 -> (none)
 *                                             page 6 -> frame 3
 *
 * Checked: the bytes land in the right frames and nowhere else; a REP that
 * runs into a missing page raises #PF(W) (with U at CPL 3) at the INS, CR2
 * the first byte of the faulting element on the missing page, RDI and RCX
 * showing the elements done, those written and the faulting one not; a
 * read-only page raises #PF(P|W) with CR0.WP and is written without it;
 * the 0x67 prefix uses EDI and ECX and zeroes the upper halves; OUTS reads
 * across pages, adds the FS base with an FS override, and faults with
 * CR2 = FS base + RSI; EFLAGS.DF=1 walks down across pages and into a
 * missing one. Long mode. */
#include "guest.h"
#include "cpu.h"

#define PORT 0x1234	/* unassigned, as in port-string */
#define FILL 0x5a
#define VA 0x0000500000000000ull	/* PML4 slot 160 */
#define NFRAMES 8

#define PF_P 1u
#define PF_W 2u
#define PF_U 4u

static u8 frames[NFRAMES][PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 want[NFRAMES][PAGE_SIZE];	/* what frames must hold */
static const int frame_of_page[] = { 5, 2, 6, -1, 0, -1, 3 };
#define RO_PAGE 4

static u64 va(u32 page, s64 off)
{
	return VA + page * PAGE_SIZE + (u64)off;
}

/* One string instruction and its registers: ptr is RDI for INS, RSI for
 * OUTS; both are updated when it ends without a fault. at is the
 * instruction's address, stored just before it runs. */
enum insn { INSB, INSW, INSD, INSD_DOWN, ADDR32_INSB, OUTSB, FS_OUTSB, FS_OUTSD };

struct op {
	enum insn insn;
	u64 ptr, rcx;
	u64 fs_base;
	uptr at;
};

/* One string instruction, its address stored just before it; reg is
 * "D" (RDI) or "S" (RSI) for o->ptr. before runs ahead of it (std); DF
 * is clear again after it, as gcc assumes between statements. */
#define STRING_INSN(o, before, insn, reg)                                           \
	asm volatile(before "\n lea 1f(%%rip), %%rax\n mov %%rax, %[at]\n1: " insn "\n cld" \
		     : "+" reg((o)->ptr), "+c"((o)->rcx), [at] "=m"((o)->at)          \
		     : "d"(PORT) : "rax", "memory", "cc")

static void run_op(void *p)
{
	struct op *o = p;

	if (o->insn == FS_OUTSB || o->insn == FS_OUTSD)
		wrmsr(MSR_FS_BASE, o->fs_base);
	switch (o->insn) {
	case INSB:
		STRING_INSN(o, "", "rep insb", "D");
		break;
	case INSW:
		STRING_INSN(o, "", "rep insw", "D");
		break;
	case INSD:
		STRING_INSN(o, "", "rep insl", "D");
		break;
	case INSD_DOWN:
		STRING_INSN(o, "std", "rep insl", "D");
		break;
	case ADDR32_INSB:
		STRING_INSN(o, "", "addr32 rep insb", "D");
		break;
	case OUTSB:
		STRING_INSN(o, "", "rep outsb", "S");
		break;
	case FS_OUTSB:
		STRING_INSN(o, "", "rep outsb %%fs:(%%rsi), (%%dx)", "S");
		break;
	case FS_OUTSD:
		STRING_INSN(o, "", "rep outsl %%fs:(%%rsi), (%%dx)", "S");
		break;
	}
}

static bool is_outs(const struct op *o)
{
	return o->insn == OUTSB || o->insn == FS_OUTSB || o->insn == FS_OUTSD;
}

/* Every frame back to FILL, and nothing expected to change. */
static void reset(void)
{
	memset(frames, FILL, sizeof(frames));
	memset(want, FILL, sizeof(want));
}

/* Where want holds the byte at linear address a: in the mapped range, or
 * the frames at their identity address. NULL elsewhere. */
static u8 *want_byte(u64 a)
{
	u64 page = (a - VA) / PAGE_SIZE;

	if (a >= (uptr)frames && a < (uptr)frames + sizeof(frames))
		return &want[0][0] + (a - (uptr)frames);
	if (a >= VA && page < ARRAY_SIZE(frame_of_page) && frame_of_page[page] >= 0)
		return &want[frame_of_page[page]][(a - VA) % PAGE_SIZE];
	return NULL;
}

/* The bytes [la, la+len) are expected to read all-ones. */
static void expect_ones(u64 la, u32 len)
{
	for (u64 a = la; a < la + len; a++) {
		u8 *w = want_byte(a);

		if (w)
			*w = 0xff;
		else
			test_fail("the test expects a write to %#lx, which is not mapped",
				  (unsigned long)a);
	}
}

/* The first byte (frame * PAGE_SIZE + offset) of the frames that is not
 * what it should be, or -1. */
static int first_wrong_byte(void)
{
	const u8 *got = &frames[0][0], *exp = &want[0][0];

	for (u32 i = 0; i < sizeof(frames); i++) {
		if (got[i] != exp[i])
			return (int)i;
	}
	return -1;
}

/* Runs o, expecting it to end normally with the pointer register at ptr,
 * RCX 0 and the frames as expected (one result). */
static void expect_done(const char *what, struct op *o, u64 ptr)
{
	u32 v = catch_fault(run_op, o);
	int bad = first_wrong_byte();

	wrmsr(MSR_FS_BASE, 0);
	test_check(v == NO_FAULT && o->ptr == ptr && o->rcx == 0 && bad < 0,
		   "%s (%s; %s %#lx, expected %#lx; RCX %#lx; first wrong byte %d)", what,
		   vector_name(v), is_outs(o) ? "RSI" : "RDI", (unsigned long)o->ptr,
		   (unsigned long)ptr, (unsigned long)o->rcx, bad);
}

/* Runs o (at CPL 3 with IOPL 3 if user) expecting #PF with error err at
 * the instruction (one result),
 * then CR2 = cr2, the pointer register at ptr and RCX at rcx when it was
 * raised, and the frames as expected (another). */
static void expect_pf(const char *what, struct op *o, bool user, u32 err, u64 cr2, u64 ptr,
		      u64 rcx)
{
	u32 v = user ? run_user_io(run_op, o) : catch_fault(run_op, o);
	u64 got_ptr = is_outs(o) ? last_fault.rsi : last_fault.rdi;
	int bad = first_wrong_byte();

	wrmsr(MSR_FS_BASE, 0);
	check_fault(v, X86_PF, err, o->at, "%s: #PF(%#x) at the instruction", what, err);
	test_check(v == X86_PF && last_fault.cr2 == cr2 && got_ptr == ptr && last_fault.rcx == rcx &&
		   bad < 0,
		   "%s: CR2, %s, RCX and memory at the fault (CR2 %#lx, expected %#lx; %s %#lx, "
		   "expected %#lx; RCX %lu, expected %lu; first wrong byte %d)",
		   what, is_outs(o) ? "RSI" : "RDI", (unsigned long)last_fault.cr2,
		   (unsigned long)cr2, is_outs(o) ? "RSI" : "RDI", (unsigned long)got_ptr,
		   (unsigned long)ptr, (unsigned long)last_fault.rcx, (unsigned long)rcx, bad);
}

static bool map_pages(void)
{
	for (u32 p = 0; p < ARRAY_SIZE(frame_of_page); p++) {
		int f = frame_of_page[p];

		if (f >= 0 && !pt_map(va(p, 0), (uptr)frames[f], PAGE_SIZE, PAGE_SIZE,
				      PTE_U | (p == RO_PAGE ? 0 : PTE_W)))
			return false;
	}
	return true;
}

static void scattered(void)
{
	struct op o;

	reset();
	o = (struct op){ .insn = INSB, .ptr = va(1, -100), .rcx = 300 };
	expect_ones(o.ptr, 300);
	expect_done("rep insb across two pages mapped to scattered frames", &o, va(1, 200));

	reset();
	o = (struct op){ .insn = INSW, .ptr = va(2, -3), .rcx = 4 };
	expect_ones(o.ptr, 8);
	expect_done("rep insw straddling a page boundary at an odd address", &o, va(2, 5));

	reset();
	o = (struct op){ .insn = INSD, .ptr = va(1, -8), .rcx = (PAGE_SIZE + 16) / 4 };
	expect_ones(o.ptr, PAGE_SIZE + 16);
	expect_done("rep insd over three scattered pages", &o, va(2, 8));
}

static void into_missing_page(void)
{
	struct op o;

	reset();
	o = (struct op){ .insn = INSB, .ptr = va(3, -5), .rcx = 10 };
	expect_ones(va(3, -5), 5);
	expect_pf("rep insb into a not-present page", &o, false, PF_W, va(3, 0), va(3, 0), 5);

	/* The third dword covers va(3, -2)..va(3, 1): it faults whole. */
	reset();
	o = (struct op){ .insn = INSD, .ptr = va(3, -10), .rcx = 4 };
	expect_ones(va(3, -10), 8);
	expect_pf("rep insd with a dword straddling into a not-present page", &o, false, PF_W,
		  va(3, 0), va(3, -2), 2);

	reset();
	o = (struct op){ .insn = INSB, .ptr = va(3, -3), .rcx = 7 };
	expect_ones(va(3, -3), 3);
	expect_pf("rep insb into a not-present page at CPL 3", &o, true, PF_W | PF_U, va(3, 0),
		  va(3, 0), 4);
}

static void into_read_only_page(void)
{
	uptr cr0 = read_cr0();
	struct op o;

	reset();
	write_cr0(cr0 | CR0_WP);
	o = (struct op){ .insn = INSB, .ptr = va(RO_PAGE, 16), .rcx = 8 };
	expect_pf("rep insb into a read-only page with CR0.WP at CPL 0", &o, false, PF_P | PF_W,
		  va(RO_PAGE, 16), va(RO_PAGE, 16), 8);

	reset();
	write_cr0(cr0 & ~(uptr)CR0_WP);
	o = (struct op){ .insn = INSB, .ptr = va(RO_PAGE, 16), .rcx = 8 };
	expect_ones(o.ptr, 8);
	expect_done("rep insb into a read-only page without CR0.WP at CPL 0 writes it", &o,
		    va(RO_PAGE, 24));
	write_cr0(cr0);
}

/* 0x67 in 64-bit mode: EDI and ECX, and as any 32-bit register write
 * there, the updates zero RDI's and RCX's upper halves. With all of RDI
 * the address would not even be canonical. */
static void address_size_32(void)
{
	u32 buf = (u32)(uptr)frames[7] + 8;
	struct op o = { .insn = ADDR32_INSB, .ptr = 0x1234567800000000ull | buf,
			.rcx = 0xabcdef0100000010ull };

	reset();
	expect_ones(buf, 16);
	expect_done("addr32 rep insb uses EDI and ECX and zeroes the upper halves of RDI and RCX",
		    &o, buf + 16);
}

static void outs(void)
{
	struct op o;

	reset();
	o = (struct op){ .insn = OUTSB, .ptr = va(1, -50), .rcx = 5000 };
	expect_done("rep outsb over three scattered pages", &o, va(1, 4950));

	/* FS base + RSI runs from va(1, -10) to va(1, 10); RSI alone is a low
	 * identity-mapped address. */
	reset();
	o = (struct op){ .insn = FS_OUTSB, .ptr = PAGE_SIZE - 0x10a, .rcx = 20,
			 .fs_base = va(0, 0x100) };
	expect_done("fs rep outsb reads at FS base + RSI across a page", &o, PAGE_SIZE - 0xf6);

	/* Two dwords at va(3, -8) and va(3, -4), then va(3, 0) is missing. */
	reset();
	o = (struct op){ .insn = FS_OUTSD, .ptr = PAGE_SIZE - 8, .rcx = 4, .fs_base = va(2, 0) };
	expect_pf("fs rep outsd into a not-present page", &o, false, 0, va(3, 0), PAGE_SIZE, 2);
}

static void downwards(void)
{
	struct op o;

	/* Dwords at va(2, 4), va(2, 0), va(2, -4), va(2, -8). */
	reset();
	o = (struct op){ .insn = INSD_DOWN, .ptr = va(2, 4), .rcx = 4 };
	expect_ones(va(2, -8), 16);
	expect_done("rep insd with DF=1 down across a page boundary", &o, va(2, -12));

	/* va(6, 4) and va(6, 0) are written, va(6, -4) is on missing page 5. */
	reset();
	o = (struct op){ .insn = INSD_DOWN, .ptr = va(6, 4), .rcx = 4 };
	expect_ones(va(6, 0), 8);
	expect_pf("rep insd with DF=1 into a not-present page", &o, false, PF_W, va(6, -4),
		  va(6, -4), 2);

	/* The second dword covers va(6, -2)..va(6, 1): its first byte is on
	 * the missing page, and none of it is written. */
	reset();
	o = (struct op){ .insn = INSD_DOWN, .ptr = va(6, 2), .rcx = 3 };
	expect_ones(va(6, 2), 4);
	expect_pf("rep insd with DF=1 and a dword straddling into a not-present page", &o, false,
		  PF_W, va(6, -2), va(6, -2), 2);
}

void test_main(void)
{
	if (!map_pages()) {
		test_fail("page-table pool exhausted");
		return;
	}
	scattered();
	into_missing_page();
	into_read_only_page();
	address_size_32();
	outs();
	downwards();
}
