/* mode-switch: a flat binary entered in real mode can climb to long mode.
 * guests.cfg loads it at 0x8000 with mode = real, so lucid enters with
 * CS:IP = 0000:8000 (CS = (entry >> 4) & 0xf000, IP = entry & 0xffff) and
 * CR0.PE clear. lib/entry16.asm records that, loads a GDT and sets CR0.PE;
 * entry.asm then enables PAE paging and EFER.LME and sets CR0.PG: the
 * transitions lucid must follow (or leave to the hardware). The guest then
 * runs here, in 64-bit mode, and checks what it saw on the way. */
#include "guest.h"
#include "cpu.h"

extern char _start[];

void test_main(void)
{
	const struct entry_state *e = &entry_state;
	u32 entry = (u32)(uptr)__image_start;
	u16 want_cs = (entry >> 4) & 0xf000, want_ip = entry & 0xffff;
	u64 efer = rdmsr(MSR_EFER);
	u16 cs;

	test_check(e->from_real && e->rm_cs == want_cs && e->rm_ip == want_ip &&
			   !(e->rm_cr0 & CR0_PE),
		   "entered in real mode at %04x:%04x (expected %04x:%04x, CR0 %#x)", e->rm_cs,
		   e->rm_ip, want_cs, want_ip, e->rm_cr0);
	test_check(e->eip == (u32)(uptr)_start && (e->cr0 & CR0_PE),
		   "reached protected mode at %#x", e->eip);
	asm volatile("mov %%cs, %0" : "=r"(cs));
	test_check((efer & EFER_LMA) && (read_cr0() & CR0_PG) && cs == 0x18,
		   "reached 64-bit mode (EFER %#llx, CS %#x)", (unsigned long long)efer, cs);
	test_check(image_end_word() == IMAGE_END_MAGIC, "the whole file is loaded (end marker %#x)",
		   image_end_word());
}
