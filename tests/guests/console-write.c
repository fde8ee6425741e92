/* console-write: LUCID_HC_CONSOLE_WRITE takes any buffer that lies in the
 * VM's RAM and returns its length: the longest allowed (LUCID_CONSOLE_MAX
 * bytes), none at all, one that crosses a page boundary, and one that ends
 * at the last byte of RAM. The text reaches the VM's console: the harness
 * looks for the marker line. (Refused writes are hypercall-bad.c.) */
#include "guest.h"
#include "hypercall.h"

#define MARKER "console-write: marker 5f3759df\n"

static char page_pair[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

void test_main(void)
{
	static char max[LUCID_CONSOLE_MAX];
	char *cross = page_pair + PAGE_SIZE - 10;
	long r;

	r = hc_console_write(MARKER, sizeof(MARKER) - 1);
	test_check(r == sizeof(MARKER) - 1, "the marker line returns its length (%ld)", r);

	memset(max, '=', sizeof(max));
	memcpy(max, "console-write: longest line ", 28);
	max[sizeof(max) - 1] = '\n';
	r = hc_console_write(max, sizeof(max));
	test_check(r == LUCID_CONSOLE_MAX, "a write of %u bytes returns %u (%ld)",
		   LUCID_CONSOLE_MAX, LUCID_CONSOLE_MAX, r);

	r = hc_console_write(max, 0);
	test_check(r == 0, "a write of 0 bytes returns 0 (%ld)", r);

	memcpy(cross, "console-write: across\n", 22);
	r = hc_console_write(cross, 22);
	test_check(r == 22, "a write across a page boundary returns 22 (%ld)", r);

	if (boot.ram_end) {
		char *last = (char *)(uptr)(boot.ram_end - 20);

		memcpy(last, "console-write: end\n", 19);
		last[19] = '\n';
		r = hc_console_write(last, 20);
		test_check(r == 20, "a write ending at the last byte of RAM returns 20 (%ld)", r);
	} else {
		test_fail("no memory map: cannot find the end of RAM");
	}
}
