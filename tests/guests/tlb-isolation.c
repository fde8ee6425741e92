/* tlb-isolation: a VM never sees another VM's translations. Two VMs run
 * this guest at once with different seeds (seed=N): each maps the same
 * virtual page, in a fresh PML4 slot, to a page of its own filled with its
 * seed's pattern, and reads it back again and again across exits
 * (rounds=N, default 2000). Every 16 rounds it moves the mapping to a
 * second page and back (with INVLPG), so each VM's TLB entries for that
 * address keep changing. A TLB tagged wrongly (a shared ASID/VPID without
 * flushes) would show the other VM's page or a stale one. Long mode. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define VA 0x0000400000000000ull /* PML4 slot 128 */

static u32 pages[2][PAGE_SIZE / 4] __aligned(PAGE_SIZE);

static u32 pattern(u32 seed, u32 page, u32 i)
{
	return (seed * 0x9e3779b9u) ^ (page << 16) ^ i;
}

static bool map(u32 page)
{
	u64 *pte = pt_entry(VA, 1);

	if (!pte)
		return pt_map(VA, (uptr)pages[page], PAGE_SIZE, PAGE_SIZE, PTE_W);
	*pte = (uptr)pages[page] | PTE_P | PTE_W;
	invlpg(VA);
	return true;
}

void test_main(void)
{
	u64 seed, rounds = 2000;
	volatile u32 *va = (volatile u32 *)VA;
	u32 k, cur = 0, bad = 0, bad_i = 0, bad_v = 0;

	if (!cmdline_u64("seed", &seed)) {
		test_fail("no seed=N on the command line");
		return;
	}
	cmdline_u64("rounds", &rounds);
	for (u32 p = 0; p < 2; p++) {
		for (u32 i = 0; i < PAGE_SIZE / 4; i++)
			pages[p][i] = pattern((u32)seed, p, i);
	}
	if (!map(0)) {
		test_fail("page-table pool exhausted");
		return;
	}
	for (k = 0; k < rounds && !bad; k++) {
		if (k % 16 == 15) {
			cur ^= 1;
			map(cur);
		}
		for (u32 i = 0; i < PAGE_SIZE / 4; i += 61) {
			u32 v = va[i];

			if (v != pattern((u32)seed, cur, i)) {
				bad = 1;
				bad_i = i;
				bad_v = v;
				break;
			}
		}
		if (on_lucid)
			hc_version();
	}
	test_check(!bad,
		   "a VA saw only this VM's current page over %u rounds (seed %u; word %u read %#x)", k,
		   (u32)seed, bad_i, bad_v);
}
