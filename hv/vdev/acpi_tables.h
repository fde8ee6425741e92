/* The ACPI tables of a VM of platform = pc, as firmware would leave
 * them: an RSDP where a guest's scan of the BIOS area finds it, the
 * RSDT and XSDT, the FADT (with the FACS and the DSDT), the MADT. They
 * describe the VM's PC: n vCPUs with local APIC ids 0..n-1 at
 * 0xfee00000, one IOAPIC (id n, the first id after the CPUs', so every
 * APIC on the old shared APIC bus has its own) at 0xfec00000 with 24
 * inputs from GSI 0, the 8259 pair (PCAT_COMPAT), ISA IRQ 0 on input 2,
 * the SCI on IRQ 9 level-triggered active high, the ACPI PM device
 * (acpi_pm.h), and in the DSDT the PCI host bridge, COM1, the RTC and
 * the i8042's keyboard and mouse. Details in docs/acpi.md.
 *
 * Pure code: builds into a buffer for a guest-physical address; the PM
 * device copies it into the VM's RAM at each boot. */
#ifndef HV_VDEV_ACPI_TABLES_H
#define HV_VDEV_ACPI_TABLES_H

#include "lib/types.h"

/* [0xe0000, 0xf0000): in the BIOS area the guest searches for the RSDP,
 * which the Linux loader reserves in the e820 map and which the
 * multiboot memory map leaves out. The RSDP is at its start. */
#define ACPI_TABLES_BASE 0xe0000ull
#define ACPI_TABLES_MAX 0x2000u	/* what 8 vCPUs need, with room */
#define ACPI_RSDP_ADDR ACPI_TABLES_BASE

#define ACPI_LAPIC_ADDR 0xfee00000u
#define ACPI_IOAPIC_ADDR 0xfec00000u

/* Builds the tables of a VM of ncpus vCPUs whose RAM below 4 GiB ends
 * at ram_top (the PCI memory window starts above it) into buf, for
 * guest-physical address base. Returns the bytes used, or 0 if they do
 * not fit in size. */
u32 acpi_tables_build(u8 *buf, u32 size, u64 base, u32 ncpus, u64 ram_top);

#endif
