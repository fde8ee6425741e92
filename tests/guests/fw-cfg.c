/* fw-cfg: what a guest written for QEMU reads from fw_cfg (hv/vdev/fw_cfg.h)
 * in a VM with `fw-cfg = yes`: the signature "QEMU", the ID (no DMA), the
 * CPU count, and the RAM size, which must agree with the multiboot memory
 * map's (mem=MiB on the command line). The traditional interface: a
 * 16-bit write of the selector to 0x510, byte reads from 0x511. 32-bit. */
#include "guest.h"
#include "cpu.h"

static u64 fw_read(u16 key, u32 n)	/* the first n (<= 8) bytes, little-endian */
{
	u64 val = 0;

	outw(0x510, key);
	for (u32 i = 0; i < n; i++)
		val |= (u64)inb(0x511) << (8 * i);
	return val;
}

void test_main(void)
{
	u64 mib = 0, ram = fw_read(0x03, 8);

	test_check(fw_read(0x00, 4) == 0x554d4551, "signature \"QEMU\" (0x%llx)",
		   (unsigned long long)fw_read(0x00, 4));
	test_check(fw_read(0x01, 4) == 1, "ID 1: the I/O port interface, no DMA (%llu)",
		   (unsigned long long)fw_read(0x01, 4));
	test_check(fw_read(0x05, 2) == 1, "one CPU (%llu)", (unsigned long long)fw_read(0x05, 2));
	cmdline_u64("mem", &mib);
	test_check(ram == mib << 20 && ram == boot.ram_end,
		   "RAM size %llu MiB, as the memory map says", (unsigned long long)(ram >> 20));
	test_check(fw_read(0x19, 4) == 0, "file directory: no files");
}
