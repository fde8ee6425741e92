/* Ending the machine: reset, or halt every CPU. */
#ifndef ARCH_X86_RESET_H
#define ARCH_X86_RESET_H

#include "drivers/acpi.h"

/* Resets the machine: the ACPI reset register when the FADT offers one
 * (reg may be NULL), then the 8042 keyboard controller, then the PCI reset
 * port 0xcf9, then a triple fault. Never returns. */
__noreturn void machine_reset(const struct acpi_gas *reg, u8 value);
/* Prints "lucid: halted" and stops. */
__noreturn void machine_halt(void);

#endif
