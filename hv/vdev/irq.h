/* A VM's interrupt lines, the wires of a PC board: devices drive
 * numbered lines (the ISA IRQs 0-15, then the IOAPIC's inputs up to 23)
 * high or low, and every interrupt controller the VM has sees the lines
 * it serves, as both the 8259 pair and the IOAPIC see the ISA lines on a
 * PC; the guest masks the one it does not use. A controller hands what it
 * decides to a vCPU through the vCPU's interrupt source (struct
 * intr_source, hv/core/events.h), so interrupts take the one event path.
 *
 * Lines are level signals: an edge-triggered input fires on a rise, so a
 * device that pulses (a timer) calls irq_pulse. Safe from any CPU; each
 * controller locks its own state. */
#ifndef HV_VDEV_IRQ_H
#define HV_VDEV_IRQ_H

#include "lib/types.h"

#define VM_IRQ_LINES 24
#define VM_IRQ_CONTROLLERS 3

struct vm;
struct intr_source;

/* A controller's inputs: lines [0, lines). eoi, if not NULL, hears of
 * each level-triggered vector a local APIC retires (the IOAPIC's remote
 * IRR), called with no lock of lucid's held. */
struct irq_controller {
	void (*set)(void *ctl, u32 line, bool level);
	void *ctl;
	u32 lines;
	void (*eoi)(void *ctl, u8 vector);
};

struct vm_irq {
	struct irq_controller ctl[VM_IRQ_CONTROLLERS];
	u32 nctl;
	/* The 8259 pair's INTA, for the local APIC's LINT0 in ExtINT mode
	 * (and a vCPU 0 without a local APIC, whose source it is then). */
	const struct intr_source *extint;
};

/* Connects a controller (at device attach). Returns 0, or -1 after
 * printing why (the VM has as many as it can take). */
int irq_controller_add(struct vm *vm, const struct irq_controller *c);
/* Disconnects the controller whose state is ctl (at device free). */
void irq_controller_remove(struct vm *vm, const void *ctl);
/* Drives a line; a line no controller serves goes nowhere. */
void irq_set(struct vm *vm, u32 line, bool level);
void irq_pulse(struct vm *vm, u32 line);
/* A local APIC's EOI retired a level-triggered vector: tells the
 * controllers, as the EOI message on the APIC bus does. */
void irq_eoi(struct vm *vm, u8 vector);

#endif
