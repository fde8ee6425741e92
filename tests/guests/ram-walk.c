/* ram-walk: a large VM gets all the RAM it was given, each page its own.
 * Checks that the memory map ends where the command line's mem=MiB says
 * (the config gives both), then writes every byte of free RAM above the
 * guest's image with an address-dependent pattern and reads it all back;
 * PASS with the number of MiB checked. Meant for 256 MiB. 32-bit. */
#include "guest.h"

void test_main(void)
{
	struct mem_range r[16];
	u32 n = free_ram(r, ARRAY_SIZE(r));
	u64 mem, bytes = 0;
	u32 bad = 0, first = 0;

	if (cmdline_u64("mem", &mem))
		test_check(boot.ram_end == MiB(mem), "memory map ends at %u MiB (mem=%u)",
			   (u32)(boot.ram_end >> 20), (u32)mem);
	else
		test_fail("no mem=MiB on the command line");

	for (u32 i = 0; i < n; i++) {
		if (r[i].base < (uptr)__image_end)
			continue;
		for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4)
			*(volatile u32 *)(uptr)a = ~a;
		bytes += r[i].size;
	}
	for (u32 i = 0; i < n; i++) {
		if (r[i].base < (uptr)__image_end)
			continue;
		for (u32 a = (u32)r[i].base; a + 4 <= r[i].base + r[i].size; a += 4) {
			if (*(volatile u32 *)(uptr)a != ~a && !bad++)
				first = a;
		}
	}
	test_check(bytes && !bad, "checked %u MiB above the image (%u bad words, first at %#x)",
		   (u32)(bytes >> 20), bad, first);
}
