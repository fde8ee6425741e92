/* boot_entry: the first C code, called from boot/entry.asm on the boot
 * stack with the loader's magic and information pointer. It turns either
 * loader's data into the one struct boot_info and calls hv_main(). */
#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "arch/x86/reset.h"
#include "drivers/uart16550.h"
#include "hv/main.h"
#include "lib/log.h"
#include "lib/string.h"

static struct boot_info boot_info;

__noreturn void boot_entry(u64 magic, u64 info);

__noreturn void boot_entry(u64 magic, u64 info)
{
	char err[160];
	int rc;

	uart_init(COM1_PORT, 115200);
	log_add_sink(uart_log_sink);
	printk("\n");

	if (magic == MB2_BOOTLOADER_MAGIC) {
		/* The early page tables map 4 GiB; GRUB stays below that. */
		u64 max = info < GiB(4) ? GiB(4) - info : 0;
		rc = mb2_parse((const void *)(uintptr_t)info, max, &boot_info, err, sizeof(err));
	} else if (magic == BOOT_INFO_MAGIC) {
		if (!info || info % 8 || info + sizeof(boot_info) > GiB(4)) {
			printk("lucid: bad boot data: boot information pointer 0x%llx is invalid\n",
			       (unsigned long long)info);
			machine_halt();
		}
		memcpy(&boot_info, (const void *)(uintptr_t)info, sizeof(boot_info));
		rc = boot_info_check(&boot_info, err, sizeof(err));
	} else {
		printk("lucid: bad boot data: unknown boot magic 0x%llx "
		       "(lucid must be started by a multiboot2 loader or lucid.efi)\n",
		       (unsigned long long)magic);
		machine_halt();
	}
	if (rc) {
		printk("lucid: bad boot data: %s\n", err);
		machine_halt();
	}
	hv_main(&boot_info);
}
