/* npt-isolation: the VM reaches all of its RAM and nothing else. It writes
 * an address-dependent pattern over every free byte of RAM from its memory
 * map and reads it back (a page mapped twice would show), reports PASS,
 * then writes one byte just past the end of RAM: lucid must stop this VM
 * as crashed, with a log line naming the NPT/EPT violation, and nothing
 * after that write may run. npt-neighbour.c runs beside it. 32-bit. */
#include "guest.h"

void test_main(void)
{
	struct mem_range r[16];
	u32 n = free_ram(r, ARRAY_SIZE(r));
	u64 bytes = 0;
	u32 bad = 0;

	if (!boot.ram_end) {
		test_fail("no memory map");
		return;
	}
	for (u32 i = 0; i < n; i++) {
		for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4)
			*(volatile u32 *)(uptr)a = a ^ 0x5ca1ab1e;
	}
	for (u32 i = 0; i < n; i++) {
		for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4) {
			if (*(volatile u32 *)(uptr)a != (a ^ 0x5ca1ab1e) && !bad++)
				printf("npt-isolation: first mismatch at %#x\n", a);
		}
		bytes += r[i].size;
	}
	if (!test_check(!bad, "wrote and read back %u KiB of RAM below %#x (%u bad words)",
			(u32)(bytes >> 10), (u32)boot.ram_end, bad))
		return;
	test_pass("writing one byte at %#x, just past the end of RAM", (u32)boot.ram_end);
	*(volatile u8 *)(uptr)boot.ram_end = 1;
	test_fail("a write past the end of RAM (%#x) did not stop the VM", (u32)boot.ram_end);
}
