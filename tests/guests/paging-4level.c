/* paging-4level: the guest's own 4-level page tables work as on hardware
 * under lucid's nested paging: 4 KiB, 2 MiB and (where CPUID offers them)
 * 1 GiB pages in fresh PML4 slots map what they should, one physical page
 * seen at two virtual addresses shows every write through either, the CPU
 * sets the accessed and dirty bits, and #PF comes with the right error code
 * and CR2: not present (read 0, write 2), a write to a read-only page with
 * CR0.WP (3), a CPL 3 read of a supervisor page (5), a reserved bit set
 * (9; P is not checked there, QEMU's TCG leaves it clear) and, where NX
 * exists, a fetch from an NX page (0x11). Needs 8 MiB of RAM (a 2 MiB page
 * at 2 MiB). Long mode. */
#include "guest.h"
#include "cpu.h"

#define VA_4K   0x0000008000000000ull /* PML4 slot 1 */
#define VA_ALIAS 0x0000010000000000ull /* slot 2 */
#define VA_2M   0x0000018000000000ull /* slot 3 */
#define VA_1G   0x0000020000000000ull /* slot 4 */
#define VA_PF   (VA_4K + 0x10000)
#define PA_2M   0x200000ull

#define PF_P    1u
#define PF_W    2u
#define PF_U    4u
#define PF_RSVD 8u
#define PF_I    16u

static u8 page_a[PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 page_pf[PAGE_SIZE] __aligned(PAGE_SIZE);

void pf_read(void *), pf_write(void *), pf_fetch(void *);
extern char pf_read_insn[], pf_write_insn[];
asm(".text\n"
    "pf_read:\npf_read_insn: mov (%rdi), %eax\n ret\n"
    "pf_write:\npf_write_insn: movl $1, (%rdi)\n ret\n"
    "pf_fetch: jmp *%rdi\n");

static bool mapped(u64 va, u64 pa, u64 size, u64 flags)
{
	if (pt_map(va, pa, size, size, flags))
		return true;
	test_fail("page-table pool exhausted mapping %#llx", (unsigned long long)va);
	return false;
}

/* Sets the 4 KiB PTE of VA_PF and flushes it. */
static void set_pf_pte(u64 flags)
{
	*pt_entry(VA_PF, 1) = (uptr)page_pf | flags;
	invlpg(VA_PF);
}

/* ename: the error code in words, so that the message does not vary. */
static void expect_pf(u32 v, u32 error, const char *ename, uptr rip, const char *what)
{
	if (check_fault(v, X86_PF, error, rip, "#PF(%s) from %s", ename, what) &&
	    last_fault.cr2 != VA_PF)
		test_fail("#PF from %s: CR2 %#lx, expected %#llx", what,
			  (unsigned long)last_fault.cr2, (unsigned long long)VA_PF);
}

void test_main(void)
{
	volatile u32 *a = (volatile u32 *)VA_4K, *b = (volatile u32 *)VA_ALIAS;
	volatile u32 *id = (volatile u32 *)page_a;
	struct cpuid e80000008 = cpuid(0x80000008);
	u32 maxphys = e80000008.a & 0xff;
	u64 *pte;
	u32 v;

	/* 4 KiB pages, and an alias. */
	if (!mapped(VA_4K, (uptr)page_a, PAGE_SIZE, PTE_W) ||
	    !mapped(VA_ALIAS, (uptr)page_a, PAGE_SIZE, PTE_W))
		return;
	a[5] = 0x11111111;
	id[6] = 0x22222222;
	b[7] = 0x33333333;
	test_check(b[5] == 0x11111111 && id[5] == 0x11111111 && a[6] == 0x22222222 &&
			   b[6] == 0x22222222 && a[7] == 0x33333333 && id[7] == 0x33333333,
		   "4 KiB pages: one page at two VAs and its identity address agrees");

	pte = pt_entry(VA_4K, 1);
	*pte &= ~(u64)0x60; /* clear A and D */
	invlpg(VA_4K);
	(void)a[0];
	v = (u32)(*pte & 0x60);
	a[0] = 1;
	test_check(v == 0x20 && (*pte & 0x60) == 0x60,
		   "accessed bit set on read, dirty bit on write (%#x then %#x)", v,
		   (u32)(*pte & 0x60));

	/* 2 MiB. */
	if (!mapped(VA_2M, PA_2M, MiB(2), PTE_W))
		return;
	*(volatile u32 *)(uptr)(PA_2M + 0x1234) = 0x44444444;
	*(volatile u32 *)(VA_2M + 0x1ff000) = 0x55555555;
	test_check(*(volatile u32 *)(VA_2M + 0x1234) == 0x44444444 &&
			   *(volatile u32 *)(uptr)(PA_2M + 0x1ff000) == 0x55555555,
		   "2 MiB pages map their whole range");

	/* 1 GiB. */
	if (cpuid_ext_edx(26)) {
		if (!mapped(VA_1G, 0, GiB(1), PTE_W))
			return;
		id[8] = 0x66666666;
		test_check(*(volatile u32 *)(VA_1G + (uptr)&id[8]) == 0x66666666,
			   "1 GiB pages map their whole range");
	} else {
		test_skip("1 GiB pages map their whole range: not offered "
			  "(CPUID 0x80000001 EDX bit 26)");
	}

	/* Page faults, on one 4 KiB page whose PTE we change. */
	if (!mapped(VA_PF, (uptr)page_pf, PAGE_SIZE, PTE_W))
		return;
	set_pf_pte(PTE_W); /* not present */
	v = catch_fault(pf_read, (void *)VA_PF);
	expect_pf(v, 0, "0", (uptr)pf_read_insn, "a read of a not-present page");
	v = catch_fault(pf_write, (void *)VA_PF);
	expect_pf(v, PF_W, "W", (uptr)pf_write_insn, "a write to a not-present page");

	set_pf_pte(PTE_P);
	write_cr0(read_cr0() | CR0_WP);
	v = catch_fault(pf_write, (void *)VA_PF);
	write_cr0(read_cr0() & ~CR0_WP);
	expect_pf(v, PF_P | PF_W, "P|W", (uptr)pf_write_insn,
		  "a write to a read-only page with CR0.WP");

	set_pf_pte(PTE_P | PTE_W); /* supervisor only */
	v = run_user(pf_read, (void *)VA_PF);
	expect_pf(v, PF_P | PF_U, "P|U", (uptr)pf_read_insn, "a CPL 3 read of a supervisor page");

	if (maxphys < 52) {
		set_pf_pte(PTE_P | PTE_W | 1ull << maxphys);
		v = catch_fault(pf_read, (void *)VA_PF);
		expect_pf(v, (last_fault.error & PF_P) | PF_RSVD, "RSVD", (uptr)pf_read_insn,
			  "a read through a PTE with a reserved bit");
	} else {
		test_skip("#PF(RSVD) from a read through a PTE with a reserved bit: MAXPHYADDR is 52");
	}

	if (cpuid_ext_edx(20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		page_pf[0] = 0xc3; /* ret */
		set_pf_pte(PTE_P | PTE_W | PTE_NX);
		v = catch_fault(pf_fetch, (void *)VA_PF);
		expect_pf(v, PF_P | PF_I, "P|I", VA_PF, "a fetch from an NX page");
	} else {
		test_skip("#PF(P|I) from a fetch from an NX page: no NX (CPUID 0x80000001 EDX bit 20)");
	}
}
