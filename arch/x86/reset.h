/* Ending the machine: reset, or halt every CPU. */
#ifndef ARCH_X86_RESET_H
#define ARCH_X86_RESET_H

#include "lib/types.h"

/* The reset register's address spaces, numbered as in ACPI's Generic
 * Address Structure, so that the FADT's value passes through as it is. */
#define RESET_REG_MEMORY 0
#define RESET_REG_IO 1
#define RESET_REG_NONE 0xff

/* Resets the machine: `value` to the reset register at `addr` in `space`
 * when the firmware offers one (the FADT's; RESET_REG_NONE: none), then
 * the 8042 keyboard controller, then the PCI reset port 0xcf9, then a
 * triple fault. Never returns. */
__noreturn void machine_reset(u8 space, u64 addr, u8 value);
/* Prints "lucid: halted" and stops. */
__noreturn void machine_halt(void);

#endif
