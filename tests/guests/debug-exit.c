/* debug-exit: a guest written for QEMU's -kernel and its isa-debug-exit
 * ends its run by writing to port 0xf4 (hv/vdev/debug_exit.h); a VM with
 * `debug-exit = yes` ends there at once, powered off, with QEMU's status
 * in the log line: the guest writes 0x2a, so status 85. The guest reports
 * PASS before the write and FAIL if it runs on after it. 32-bit. */
#include "guest.h"
#include "cpu.h"

void test_main(void)
{
	test_pass("writing 0x2a to the debug-exit port 0xf4");
	outb(0xf4, 0x2a);
	test_fail("still running after the write to the debug-exit port");
}
