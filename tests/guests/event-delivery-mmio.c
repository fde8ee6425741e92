/* event-delivery-mmio: a nested page fault that the CPU takes while it
 * delivers an event (reading the IDT, the GDT, the TSS or pushing to the
 * stack) is not an access by the instruction at RIP. The guest puts its
 * IDT on the test device's MMIO page and loads from an unmapped page: the
 * #PF's delivery reads gate 14 from MMIO. lucid cannot complete that
 * delivery, and must not take the fault for the load's: it stops the VM
 * with a line naming event delivery, the vector (14) and the address.
 * The load is a MOV lucid's MMIO emulation knows, so a lucid that took the
 * fault for it would complete it as a read of the device and the guest
 * would run on: it then says so and fails. Long mode, testdev. */
#include "guest.h"
#include "cpu.h"

#define MMIO 0xfeb00000ull
#define UNMAPPED 0x40000010ul /* PDPT[1] is not present: 1 GiB and up */

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

void test_main(void)
{
	struct dtr idt, mmio_idt = { 0xfff, MMIO };
	u32 val = 0x5a5a5a5a;

	if (!pt_map(MMIO, MMIO, PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W)) {
		test_fail("cannot map the test device's page");
		return;
	}
	test_pass("IDT at the test device's MMIO page, then a load from an unmapped page");
	asm volatile("sidt %[old]\n lidt %[new]\n mov (%[addr]), %[val]\n lidt %[old]"
		     : [old] "=m"(idt), [val] "+r"(val)
		     : [new] "m"(mmio_idt), [addr] "r"(UNMAPPED)
		     : "memory");
	test_fail("the load ran on as if it had read the device (%#x): its #PF was lost", val);
}
