/* The machine lucid runs on, as the firmware describes it: CPUs, interrupt
 * controllers, how to reset it. Filled once at boot from ACPI. */
#ifndef HV_HOST_MACHINE_H
#define HV_HOST_MACHINE_H

#include "arch/x86/cpu_features.h"
#include "boot/boot_info.h"
#include "drivers/acpi.h"

struct machine {
	bool have_acpi;
	struct acpi_info acpi;
	u32 ncpus; /* CPUs lucid may use (enabled in the MADT; 1 without ACPI) */
	const struct cpu_features *cpu; /* the boot CPU's */
};

extern struct machine machine;

/* Finds and parses ACPI; problems are logged, never fatal. */
void machine_init(const struct boot_info *bi);
/* COM1's receive interrupt to this CPU (the boot CPU: the console's),
 * through the I/O APIC; without one the console polls COM1 alone. */
void machine_console_interrupts(void);
__noreturn void machine_reboot(void);

#endif
