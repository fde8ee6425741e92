/* i8042-reset: a guest resets its VM through the keyboard controller
 * (hv/vdev/i8042.h), the way Linux's reboot=kbd does: boot 0 writes a
 * byte to CMOS RAM and pulses the reset line (command 0xfe); boot 1
 * finds the byte still there (the battery keeps CMOS RAM) and resets by
 * writing the output port with bit 0 clear (0xd1); boot 2 powers off.
 * lucid's CPUID leaf 0x40000001 EBX counts the boots. Not under lucid
 * (plain QEMU) it checks nothing, since it cannot count its boots. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define MARK_INDEX 0x50
#define MARK 0xa7

static void kbc_write(u16 port, u8 val)
{
	for (u32 i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		;
	outb(port, val);
}

/* The reset comes when this exit ends; a few more and it has. */
static void wait_for_reset(const char *how)
{
	for (u32 i = 0; i < 1000; i++)
		inb(0x80);
	test_fail("%s did not reset the VM", how);
}

void test_main(void)
{
	u32 boots;

	if (!on_lucid) {
		test_skip("resets through the keyboard controller: not under lucid");
		return;
	}
	boots = cpuid(LUCID_CPUID_ABI).b;
	if (boots == 0) {
		outb(0x70, MARK_INDEX);
		outb(0x71, MARK);
		test_pass("boot 0: pulsing the reset line (command 0xfe)");
		kbc_write(0x64, 0xfe);
		wait_for_reset("command 0xfe");
	} else if (boots == 1) {
		test_pass("boot 1: back after command 0xfe");
		outb(0x70, MARK_INDEX);
		test_check(inb(0x71) == MARK, "boot 1: CMOS RAM kept its byte over the reset");
		kbc_write(0x64, 0xd1);
		kbc_write(0x60, 0xfe);
		wait_for_reset("the output port with bit 0 clear");
	} else {
		test_check(boots == 2, "boot 2: back after the output port write (boot %u)", boots);
	}
}
