/* cr4-bits: a guest may set exactly the CR4 bits whose state lucid keeps
 * apart between VMs, which are the ones its CPUID offers. On a CPU with
 * protection keys, CR4.PKE would hand the guest PKRU, which lucid does not
 * switch: a 32-bit channel from one VM to the next. So lucid intercepts
 * CR4 writes: setting PKE, a bit of any feature the guest's CPUID hides
 * (VMXE, SMXE, CET, PKS, UINTR, LAM, KL, FRED, MCE here...) or a reserved
 * bit raises #GP(0) and leaves CR4 as it was, as do the writes the CPU
 * refuses in long mode (clearing PAE, changing LA57). The bits CPUID offers
 * still set and clear (OSFXSR, OSXMMEXCPT, PGE, TSD, DE, PCE, and
 * FSGSBASE, UMIP, OSXSAVE... where offered), and toggling CR4.PGE still
 * drops a global mapping from the TLB. The harness runs it on a CPU with
 * PKU (qemu-guests-avx), where the CPU alone would accept PKE. Long mode. */
#include "guest.h"
#include "cpu.h"

#define CR4_PCIDE (1ul << 17)
#define CR4_LA57  (1ul << 12)
#define CR4_SMEP  (1ul << 20)
#define CR4_SMAP  (1ul << 21)
#define CR4_PKE   (1ul << 22)
#define PTE_G     (1ull << 8)
#define ALIAS     0x7f0000000000ull

static bool has(u32 reg, int bit)
{
	return reg >> bit & 1;
}

/* Whether the guest's CPUID offers the feature behind CR4 bit `bit`
 * (Intel SDM vol. 3, 2.5; AMD APM vol. 2, 3.1.3). PCE has no CPUID bit:
 * always. Reserved bits: never. */
static bool offered(int bit)
{
	struct cpuid l1 = cpuid(1), l7 = cpuid(0).a >= 7 ? cpuid2(7, 0) : (struct cpuid){ 0 };
	struct cpuid l71 = l7.a >= 1 ? cpuid2(7, 1) : (struct cpuid){ 0 };

	switch (bit) {
	case 0: case 1: return has(l1.d, 1);	/* VME, PVI */
	case 2: return has(l1.d, 4);		/* TSD: TSC */
	case 3: return has(l1.d, 2);		/* DE */
	case 4: return has(l1.d, 3);		/* PSE */
	case 5: return has(l1.d, 6);		/* PAE */
	case 6: return has(l1.d, 7);		/* MCE */
	case 7: return has(l1.d, 13);		/* PGE */
	case 8: return true;			/* PCE */
	case 9: return has(l1.d, 24);		/* OSFXSR: FXSR */
	case 10: return has(l1.d, 25);		/* OSXMMEXCPT: SSE */
	case 11: return has(l7.c, 2);		/* UMIP */
	case 12: return has(l7.c, 16);		/* LA57 */
	case 13: return has(l1.c, 5);		/* VMXE: VMX */
	case 14: return has(l1.c, 6);		/* SMXE: SMX */
	case 16: return has(l7.b, 0);		/* FSGSBASE */
	case 17: return has(l1.c, 17);		/* PCIDE: PCID */
	case 18: return has(l1.c, 26);		/* OSXSAVE: XSAVE */
	case 19: return has(l7.c, 23);		/* KL */
	case 20: return has(l7.b, 7);		/* SMEP */
	case 21: return has(l7.b, 20);		/* SMAP */
	case 22: return has(l7.c, 3);		/* PKE: PKU */
	case 23: return has(l7.c, 7) || has(l7.d, 20);	/* CET: CET_SS, IBT */
	case 24: return has(l7.c, 31);		/* PKS */
	case 25: return has(l7.d, 5);		/* UINTR */
	case 28: return has(l71.a, 26);		/* LAM_SUP: LAM */
	case 32: return has(l71.a, 17);		/* FRED */
	default: return false;			/* reserved */
	}
}

static void set_cr4(void *val)
{
	write_cr4(*(uptr *)val);
}

/* Writing val must raise #GP(0) and leave CR4 as it was (put back if
 * not, so that the checks after this one still run). */
static bool refused(uptr val)
{
	uptr before = read_cr4();
	u32 v = catch_fault(set_cr4, &val);
	bool ok = v == X86_GP && last_fault.error == 0 && read_cr4() == before;

	if (read_cr4() != before)
		catch_fault(set_cr4, &before);
	return ok;
}

/* Sets and clears the bit, each write read back at once (no SSE between
 * while OSFXSR is clear), and puts CR4 back. */
static bool toggles(uptr bit)
{
	uptr orig = read_cr4(), set, clear;

	asm volatile("mov %[s], %%cr4\n mov %%cr4, %[set]\n mov %[c], %%cr4\n"
		     " mov %%cr4, %[clear]\n mov %[o], %%cr4"
		     : [set] "=&r"(set), [clear] "=&r"(clear)
		     : [s] "r"(orig | bit), [c] "r"(orig & ~bit), [o] "r"(orig)
		     : "memory");
	return set == (orig | bit) && clear == (orig & ~bit) && read_cr4() == orig;
}

/* PAE and LA57 cannot change in long mode; SMEP and SMAP would fault on
 * the runtime's user pages; PCIDE changes what CR3 means. */
static bool toggle_here(int bit)
{
	return !((1ul << bit) & (CR4_PAE | CR4_LA57 | CR4_SMEP | CR4_SMAP | CR4_PCIDE));
}

static void offered_bits_toggle(void)
{
	u64 tried = 0;
	int bad = -1;

	for (int bit = 0; bit < 64 && bad < 0; bit++) {
		if (!offered(bit) || !toggle_here(bit))
			continue;
		tried |= 1ull << bit;
		if (!toggles(1ul << bit))
			bad = bit;
	}
	test_check(bad < 0, "CR4 bits CPUID offers set, clear and read back (bits %#llx; "
		   "failed: %d)", (unsigned long long)tried, bad);
}

static void hidden_bits_refused(void)
{
	u64 tried = 0;
	int bad = -1;

	for (int bit = 0; bit < 64 && bad < 0; bit++) {
		if (offered(bit) || bit == 22)
			continue;
		tried |= 1ull << bit;
		if (!refused(read_cr4() | 1ul << bit))
			bad = bit;
	}
	test_check(bad < 0, "CR4 bits CPUID does not offer and reserved bits raise #GP(0), CR4 "
		   "unchanged (bits %#llx; not refused: %d)", (unsigned long long)tried, bad);
}

/* A global entry survives a CR3 reload but not a CR4.PGE toggle. */
static void pge_toggle_flushes(void)
{
	static volatile u32 page[2][PAGE_SIZE / 4] __aligned(PAGE_SIZE);
	volatile u32 *alias = (volatile u32 *)ALIAS;
	u32 seen;

	page[0][0] = 0xaaaa;
	page[1][0] = 0xbbbb;
	write_cr4(read_cr4() | CR4_PGE);
	if (!pt_map(ALIAS, (uptr)page[0], PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W | PTE_G)) {
		test_fail("a CR4.PGE toggle: cannot map the alias");
		return;
	}
	(void)*alias;	/* into the TLB, global */
	*pt_entry(ALIAS, 1) = (uptr)page[1] | PTE_P | PTE_W | PTE_G;
	write_cr3(read_cr3());
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	seen = *alias;
	test_check(seen == 0xbbbb, "a CR4.PGE toggle drops a global mapping from the TLB (%#x)",
		   seen);
}

void test_main(void)
{
	uptr cr4 = read_cr4();

	test_check(refused(cr4 | CR4_PKE), "setting CR4.PKE raises #GP(0), CR4 unchanged (%#lx)",
		   (unsigned long)read_cr4());
	hidden_bits_refused();
	test_check(refused(cr4 & ~CR4_PAE), "clearing CR4.PAE in long mode raises #GP(0)");
	test_check(refused(cr4 ^ CR4_LA57), "changing CR4.LA57 in long mode raises #GP(0)");
	offered_bits_toggle();
	pge_toggle_flushes();
}
