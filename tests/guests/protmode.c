/* protmode: a flat binary (no multiboot header) loaded at 0x200000 and
 * entered in 32-bit protected mode there (guests.cfg: format = flat,
 * load = entry = 0x200000, mode = protected). The first instruction runs
 * at the load address with CR0.PE set and PG clear, and the whole file is
 * in place: its last word (the image end marker) is there. 32-bit. */
#include "guest.h"
#include "cpu.h"

void test_main(void)
{
	const struct entry_state *e = &entry_state;

	test_check(boot.kind == BOOT_FLAT_PM && e->eip == (uptr)__image_start &&
			   (e->cr0 & CR0_PE) && !(e->cr0 & CR0_PG),
		   "entered at %#x in protected mode, paging off (CR0 %#x, EAX %#x)", e->eip, e->cr0,
		   e->eax);
	test_check(image_end_word() == IMAGE_END_MAGIC,
		   "the whole file is loaded: end marker at %#x reads %#x",
		   (u32)(uptr)__load_end - 4, image_end_word());
}
