/* triple-fault: with an empty IDT (limit 0) an int3 cannot be delivered,
 * nor can the #GP or the #DF that follow: the CPU shuts down. lucid must
 * stop only this VM, as crashed, with a log line saying "triple fault".
 * The guest reports PASS before, and a FAIL if it survives. 32-bit. */
#include "guest.h"

void test_main(void)
{
	test_pass("loading an empty IDT, then int3");
	idt_load_empty();
	asm volatile("int3");
	test_fail("survived a triple fault");
}
