/* Platform discovery. The RSDP comes from the boot loader (GRUB's copy,
 * or lucid.efi's pointer from the EFI configuration table) or, failing
 * both, from the legacy BIOS areas. Without ACPI, lucid still runs, on the
 * boot CPU alone. */
#include "hv/platform.h"
#include "arch/x86/paging.h"
#include "arch/x86/reset.h"
#include "lib/log.h"
#include "lib/string.h"

struct platform platform;

/* Physical memory is identity-mapped below the direct map's top. */
static const void *map_phys(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (phys < PAGE_SIZE || phys + len < phys || phys + len > paging_direct_map_top())
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* GRUB's RSDP copy lives in boot_info, inside lucid's own image. */
static const void *map_copy(u64 phys, u64 len, void *ctx)
{
	const struct boot_info *bi = ctx;
	u64 copy = (u64)(uintptr_t)bi->rsdp_copy;

	if (phys == copy && len <= bi->rsdp_copy_len)
		return bi->rsdp_copy;
	return map_phys(phys, len, NULL);
}

void platform_init(const struct boot_info *bi)
{
	static char warn[1024];
	char err[160];
	u64 rsdp = bi->rsdp;
	acpi_map_fn map = map_phys;

	if (bi->rsdp_copy_len) {
		rsdp = (u64)(uintptr_t)bi->rsdp_copy;
		map = map_copy;
	} else if (!rsdp) {
		rsdp = acpi_find_rsdp_bios(map_phys, NULL);
	}
	platform.ncpus = 1;
	if (!rsdp) {
		printk("acpi: no ACPI RSDP found; running on the boot CPU only\n");
		return;
	}
	if (acpi_parse(rsdp, map, (void *)bi, &platform.acpi, err, sizeof(err), warn, sizeof(warn))) {
		printk("acpi: %s; running on the boot CPU only\n", err);
		return;
	}
	printk_lines("acpi: ", warn);
	platform.have_acpi = platform.acpi.have_madt;
	if (!platform.acpi.have_madt)
		printk("acpi: no usable MADT; running on the boot CPU only\n");
	else
		platform.ncpus = platform.acpi.ncpus_enabled;
}

__noreturn void platform_reboot(void)
{
	const struct acpi_info *a = &platform.acpi;

	machine_reset(a->have_reset_reg ? &a->reset_reg : NULL, a->reset_value);
}
