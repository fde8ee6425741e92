/* cr-access: moves to and from the control registers work in the guest as
 * on hardware, whether or not lucid intercepts them: the bits a guest
 * changes read back as written (CR0 WP/AM/TS/MP/CD, CR4 PGE/TSD/DE/PCE,
 * CR2, CR8 0-15), and CR3 moves to a copy of the page tables and back with
 * paging still working. Long mode.
 * Not checked: the #GP for forbidden CR0 and CR8 writes (CR0.NW without
 * CD, clearing CR0.PG in long mode, reserved CR8 bits). QEMU 7.2's TCG,
 * which the harness runs lucid on, accepts or hangs on them, so they
 * would test QEMU; lucid intercepts only CR4 writes, which cr4-bits
 * checks. */
#include "guest.h"
#include "cpu.h"

/* Sets and clears each bit in turn; true if every value read back. */
static bool round_trip(int cr, uptr bits, uptr *bad)
{
	uptr orig = cr == 0 ? read_cr0() : read_cr4();

	for (int i = 0; i < 64; i++) {
		uptr bit = (uptr)1 << i, v;

		if (!(bits & bit))
			continue;
		for (int set = 1; set >= 0; set--) {
			uptr want = set ? orig | bit : orig & ~bit;

			if (cr == 0) {
				write_cr0(want);
				v = read_cr0();
			} else {
				write_cr4(want);
				v = read_cr4();
			}
			if (v != want) {
				*bad = want;
				return false;
			}
		}
	}
	if (cr == 0)
		write_cr0(orig);
	else
		write_cr4(orig);
	return true;
}

static u64 pml4_copy[512] __aligned(PAGE_SIZE);

void test_main(void)
{
	uptr cr3 = read_cr3(), bad = 0;
	volatile u32 probe = 0x1234abcd;
	bool ok = true;

	test_check(round_trip(0, CR0_WP | CR0_AM | CR0_TS | CR0_MP | CR0_CD, &bad),
		   "CR0 WP AM TS MP CD set and clear and read back (%#lx)", (unsigned long)bad);
	test_check(round_trip(4, CR4_PGE | CR4_TSD | CR4_DE | (1u << 8), &bad),
		   "CR4 PGE TSD DE PCE set and clear and read back (%#lx)", (unsigned long)bad);

	write_cr2(0xfeedf00d1234);
	test_check(read_cr2() == 0xfeedf00d1234, "CR2 reads back what was written (%#lx)",
		   (unsigned long)read_cr2());

	memcpy(pml4_copy, (void *)(cr3 & PTE_ADDR), PAGE_SIZE);
	write_cr3((uptr)pml4_copy);
	ok = read_cr3() == (uptr)pml4_copy && probe == 0x1234abcd;
	write_cr3(cr3);
	test_check(ok && read_cr3() == cr3, "CR3 moves to a copy of the tables and back");

	for (uptr v = 0; v < 16 && ok; v++) {
		write_cr8(v);
		ok = read_cr8() == v;
	}
	write_cr8(0);
	test_check(ok, "CR8 reads back 0 to 15");
}
