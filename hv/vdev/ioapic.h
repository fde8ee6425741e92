/* The PC's I/O APIC (Intel 82093AA), for a VM of the PC platform: 24
 * inputs, each with a redirection entry that sends its interrupt to the
 * local APICs (lapic_deliver). Its two registers sit at 0xfec00000, as
 * the MADT says (hv/vdev/acpi_tables.c):
 *   +0x00 IOREGSEL  the index of the register IOWIN reaches
 *   +0x10 IOWIN     32 bits of it: 0x00 ID, 0x01 version (0x11, 24
 *                   entries), 0x02 arbitration ID, 0x10 + 2n and
 *                   0x11 + 2n entry n's low and high halves
 * Its inputs are the VM's interrupt lines (hv/vdev/irq.h) as a PC wires
 * them: ISA line 0 (the PIT) on input 2, the MADT's override, and the
 * other lines on the input of their number. */
#ifndef HV_VDEV_IOAPIC_H
#define HV_VDEV_IOAPIC_H

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_SIZE 0x20ull
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x11

struct vdev_model;
extern const struct vdev_model ioapic_model;

#endif
