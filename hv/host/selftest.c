/* wx:    write to lucid's text: must fault (text is read-execute).
 * bad-entry: the first vCPU reset leaves a guest state VM entry refuses:
 *        that VM must crash with the refusal named, and lucid run on.
 * nx:    call code placed in lucid's data: must fault (data is NX).
 * guard: overflow the boot stack into its guard page: must fault, and the
 *        report must arrive on the double-fault IST stack. */
#include "hv/host/selftest.h"
#include "arch/x86/virt.h"
#include "hv/main.h"
#include "lib/log.h"
#include "lib/string.h"

static u8 data_code[16] = { 0xc3 }; /* ret */

static __attribute__((noinline)) u64 recurse(u64 depth)
{
	volatile u8 pad[512];

	pad[0] = (u8)depth;
	if (depth > (1ull << 40)) /* never: the guard page stops us first */
		return 0;
	return recurse(depth + 1) + pad[0];
}

void selftest_run(const char *name)
{
	if (!strcmp(name, "wx")) {
		volatile u8 *text = (volatile u8 *)(uintptr_t)hv_main;
		printk("selftest: writing to lucid's text at %p\n", (void *)text);
		*text = 0xcc;
		printk("selftest: W^X NOT enforced: the write to text succeeded\n");
	} else if (!strcmp(name, "nx")) {
		printk("selftest: executing lucid's data at %p\n", (void *)data_code);
		((void (*)(void))(uintptr_t)data_code)();
		printk("selftest: NX NOT enforced: code in data ran\n");
	} else if (!strcmp(name, "guard")) {
		printk("selftest: overflowing the boot stack\n");
		recurse(0);
		printk("selftest: stack guard NOT enforced\n");
	} else if (!strcmp(name, "bad-entry")) {
		printk("selftest: the first vCPU reset leaves a guest state entry refuses\n");
		virt_selftest_bad_entry();
	} else {
		printk("selftest: unknown test '%s' (wx, nx, guard, bad-entry)\n", name);
	}
}
