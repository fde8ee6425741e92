/* mb1-aout: lucid loads a multiboot1 kernel by its header's addresses (the
 * "a.out kludge", flag 16): the file is a flat .bin, not ELF. The header
 * says load it at 0x100000 up to load_end_addr, clear up to bss_end_addr
 * and enter at entry_addr. The guest checks the magic, that it was entered
 * at entry_addr, that the whole file is there (the end marker just before
 * load_end_addr), and that the 8 KiB of .zerofill between the runtime's
 * .bss and bss_end_addr, which only the loader clears, is zero. 32-bit. */
#include "guest.h"

extern char _start[];
static u8 zerofill[8192] __attribute__((section(".zerofill")));

void test_main(void)
{
	u32 nonzero = 0;

	test_check(entry_state.eax == MB1_MAGIC && boot.kind == BOOT_MB1,
		   "EAX holds the multiboot1 magic (%#x)", entry_state.eax);
	test_check(entry_state.eip == (uptr)_start, "entered at entry_addr %#x (at %#x)",
		   (u32)(uptr)_start, entry_state.eip);
	test_check(image_end_word() == IMAGE_END_MAGIC,
		   "the file is loaded up to load_end_addr %#x (end marker %#x)",
		   (u32)(uptr)__load_end, image_end_word());
	for (u32 i = 0; i < sizeof(zerofill); i++)
		nonzero += zerofill[i] != 0;
	test_check(!nonzero, "bss up to bss_end_addr %#x is clear (%u bytes not)",
		   (u32)(uptr)__image_end, nonzero);
}
