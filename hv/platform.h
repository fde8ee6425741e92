/* The machine lucid runs on, as the firmware describes it: CPUs, interrupt
 * controllers, how to reset it. Filled once at boot from ACPI. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "boot/boot_info.h"
#include "drivers/acpi.h"

struct platform {
	bool have_acpi;
	struct acpi_info acpi;
	u32 ncpus; /* CPUs lucid may use (enabled in the MADT; 1 without ACPI) */
};

extern struct platform platform;

/* Finds and parses ACPI; problems are logged, never fatal. */
void platform_init(const struct boot_info *bi);
__noreturn void platform_reboot(void);

#endif
