/* npt-neighbour: a VM is not disturbed by its neighbours. Run beside
 * npt-isolation (which crashes on purpose) and the other guests, it fills
 * its free RAM with a pattern of its own, then re-reads all of it for a
 * number of rounds (rounds=N on the command line, default 64), with a
 * hypercall between rounds so that it leaves the CPU often. PASS at the
 * end if no byte changed. 32-bit. */
#include "guest.h"
#include "hypercall.h"

#define SEED 0x6e656967 /* "neig" */

void test_main(void)
{
	struct mem_range r[16];
	u32 n = free_ram(r, ARRAY_SIZE(r));
	u64 rounds = 64, bytes = 0;

	cmdline_u64("rounds", &rounds);
	if (!n) {
		test_fail("no free RAM in the memory map");
		return;
	}
	for (u32 i = 0; i < n; i++) {
		for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4)
			*(volatile u32 *)(uptr)a = a * 2654435761u ^ SEED;
		bytes += r[i].size;
	}
	test_pass("filled %u KiB of RAM with its pattern", (u32)(bytes >> 10));
	for (u32 k = 0; k < rounds; k++) {
		for (u32 i = 0; i < n; i++) {
			for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4) {
				u32 v = *(volatile u32 *)(uptr)a;

				if (v != (a * 2654435761u ^ SEED)) {
					test_fail("RAM changed at %#x in round %u: %#x", a, k, v);
					return;
				}
			}
		}
		if (on_lucid)
			hc_version();
	}
	test_pass("RAM intact over %u rounds", (u32)rounds);
}
