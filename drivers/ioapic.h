/* The machine's I/O APICs, as far as lucid takes interrupts from them
 * itself: one ISA IRQ (its serial port's) routed to one CPU. Guests'
 * interrupts never come this way: lucid models their I/O APIC. */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include "drivers/acpi.h"

/* Routes ISA `irq`, as the MADT's overrides map it, to `vector` on the
 * CPU with `apic_id` (below 256), unmasked. Returns 0, or -1 when no
 * I/O APIC serves it. */
int ioapic_route_isa(const struct acpi_info *a, u8 irq, u8 vector, u32 apic_id);

#endif
