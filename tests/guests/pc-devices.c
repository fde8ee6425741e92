/* pc-devices: the devices a VM of platform = pc has besides its
 * interrupt controllers and serial port, seen as a guest sees them. The
 * CMOS clock (hv/vdev/rtc.h): read with UIP clear until two reads agree,
 * a valid date in BCD and 24 hours in the 21st century; set under SET it
 * holds still, then runs on from the time written; its RAM keeps what is
 * written and holds the memory sizes (mem=MiB on the command line). The
 * keyboard controller (hv/vdev/i8042.h): its self-test, the command byte
 * written and read back, the keyboard's echo. The PCI host bridge
 * (hv/vdev/pci_host.h) through configuration mechanism #1: the 440FX at
 * 00:00.0, nothing at 00:01.0. Port 0x80 takes a write and reads 0xff.
 * 32-bit, no interrupts. (Resetting through the keyboard controller is
 * i8042-reset.c.) */
#include "guest.h"
#include "cpu.h"

#define RTC_TRIES 1000000
#define KBC_TRIES 100000

static u8 cmos_read(u8 index)
{
	outb(0x70, index);
	return inb(0x71);
}

static void cmos_write(u8 index, u8 val)
{
	outb(0x70, index);
	outb(0x71, val);
}

static const u8 time_regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

/* Every time register, with UIP clear; false if UIP never clears. */
static bool read_once(u8 t[8])
{
	for (u32 i = 0; cmos_read(0x0a) & 0x80; i++)
		if (i == RTC_TRIES)
			return false;
	for (u32 i = 0; i < 8; i++)
		t[i] = cmos_read(time_regs[i]);
	return true;
}

/* Until two reads agree (an update between them changes a byte). */
static bool read_time(u8 t[8])
{
	u8 again[8];

	for (u32 tries = 0; tries < 5; tries++) {
		if (!read_once(t) || !read_once(again))
			return false;
		if (!memcmp(t, again, 8))
			return true;
	}
	return false;
}

static bool bcd(u8 v, u8 lo, u8 hi)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9 && v >= lo && v <= hi;
}

static void rtc(void)
{
	u8 t[8], set[8] = { 0x00, 0x00, 0x12, 0x07, 0x01, 0x01, 0x00, 0x20 };
	u8 b = cmos_read(0x0b);
	bool ok;

	test_check(b == 0x02, "CMOS clock in BCD and 24 hours, no interrupts (B %#x)", b);
	test_check(cmos_read(0x0d) == 0x80, "CMOS battery good (D %#x)", cmos_read(0x0d));
	ok = read_time(t);
	test_check(ok && bcd(t[0], 0, 0x59) && bcd(t[1], 0, 0x59) && bcd(t[2], 0, 0x23) &&
			   bcd(t[3], 1, 7) && bcd(t[4], 1, 0x31) && bcd(t[5], 1, 0x12) &&
			   bcd(t[6], 0, 0x99) && t[7] == 0x20,
		   "the CMOS date is valid BCD in the 21st century (%02x%02x-%02x-%02x "
		   "%02x:%02x:%02x, weekday %x)",
		   t[7], t[6], t[5], t[4], t[2], t[1], t[0], t[3]);

	/* 2000-01-01 12:00:00, a Saturday, written under SET. */
	cmos_write(0x0b, 0x82);
	for (u32 i = 0; i < 8; i++)
		cmos_write(time_regs[i], set[i]);
	for (u32 i = 0; i < 8; i++)
		t[i] = cmos_read(time_regs[i]);
	test_check(!memcmp(t, set, 8) && !(cmos_read(0x0a) & 0x80),
		   "under SET the CMOS clock holds what is written, UIP clear");
	cmos_write(0x0b, 0x02);
	ok = read_time(t);
	test_check(ok && t[0] <= 0x01 && !memcmp(t + 1, set + 1, 7),
		   "the CMOS clock runs on from the time set (%02x%02x-%02x-%02x %02x:%02x:%02x)",
		   t[7], t[6], t[5], t[4], t[2], t[1], t[0]);
}

static void cmos_ram(void)
{
	u64 mib = 0;
	u32 base = cmos_read(0x15) | cmos_read(0x16) << 8;
	u32 ext = cmos_read(0x30) | cmos_read(0x31) << 8;
	bool ok = true;

	for (u32 i = 0x40; i < 0x60; i++)
		cmos_write((u8)i, (u8)(i * 7));
	for (u32 i = 0x40; i < 0x60; i++)
		ok &= cmos_read((u8)i) == (u8)(i * 7);
	test_check(ok, "CMOS RAM 0x40-0x5f keeps what is written");
	cmdline_u64("mem", &mib);
	test_check(base == 640 && ext == mib * 1024 - 1024,
		   "CMOS memory sizes: 640 KiB base, %u KiB above 1 MiB", ext);
}

/* The controller's next output byte, or -1 if none comes. */
static int kbc_read(void)
{
	for (u32 i = 0; i < KBC_TRIES; i++)
		if (inb(0x64) & 0x01)
			return inb(0x60);
	return -1;
}

static void kbc_write(u16 port, u8 val)
{
	for (u32 i = 0; i < KBC_TRIES && (inb(0x64) & 0x02); i++)
		;
	outb(port, val);
}

static void keyboard_controller(void)
{
	int ctr, got, echo;

	for (u32 i = 0; i < 32 && (inb(0x64) & 0x01); i++)	/* what firmware left */
		inb(0x60);
	kbc_write(0x64, 0xaa);
	got = kbc_read();
	test_check(got == 0x55 && (inb(0x64) & 0x04),
		   "keyboard controller self-test: 0x55, then SYS (%#x)", got);
	kbc_write(0x64, 0x20);
	ctr = kbc_read();
	kbc_write(0x64, 0x60);
	kbc_write(0x60, 0x44);	/* SYS and translation, no interrupts */
	kbc_write(0x64, 0x20);
	got = kbc_read();
	test_check(ctr >= 0 && got == 0x44, "the command byte reads back what is written (%#x)",
		   got);
	kbc_write(0x60, 0xee);
	echo = kbc_read();
	test_check(echo == 0xee, "the keyboard echoes 0xee (%#x)", echo);
	kbc_write(0x64, 0x60);
	kbc_write(0x60, (u8)(ctr & ~0x03));	/* as it was, interrupts off */
}

static u32 pci_read(u32 addr)
{
	outl(0xcf8, addr);
	return inl(0xcfc);
}

static void pci(void)
{
	u32 id = pci_read(0x80000000), class = pci_read(0x80000008) >> 8;
	u16 dev_id;

	outl(0xcf8, 0x80000000);
	dev_id = inw(0xcfe);	/* a word at its offset in the dword */

	test_check(id == 0x12378086 && dev_id == 0x1237,
		   "PCI 00:00.0 is Intel's 440FX (%#x)", id);
	test_check(class == 0x060000, "PCI 00:00.0 is a host bridge (class %#x)", class);
	if (!on_lucid) {
		test_skip("PCI 00:01.0 reads all ones: QEMU has its PIIX3 there");
		return;
	}
	test_check(pci_read(0x80000800) == 0xffffffff && pci_read(0x80000808) == 0xffffffff,
		   "PCI 00:01.0 reads all ones");
	outl(0xcf8, 0);
}

void test_main(void)
{
	rtc();
	cmos_ram();
	keyboard_controller();
	pci();
	outb(0x80, 0x42);
	test_check(inb(0x80) == 0xff, "port 0x80 takes a POST code and reads 0xff");
}
