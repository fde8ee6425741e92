/* Each vCPU's local APIC (Intel SDM vol. 3, chapter 11): the registers
 * at the default base 0xfee00000 (xAPIC) and as MSRs 0x800-0x8ff
 * (x2APIC), IA32_APIC_BASE, the timer (one-shot, periodic, TSC
 * deadline), interrupt acceptance by priority (IRR, ISR, TPR, PPR, EOI)
 * and IPIs between the vCPUs of a VM. It is every vCPU's interrupt
 * source (struct intr_source, hv/core/events.h); the 8259 pair's INTA
 * (vm->irq.extint) reaches a vCPU through its LINT0 in ExtINT mode.
 *
 * The interrupt controllers that send messages to the local APICs (the
 * IOAPIC, MSIs) call lapic_deliver; the EOI of a level-triggered vector
 * goes to the VM's interrupt controllers (irq_eoi, hv/vdev/irq.h). */
#ifndef HV_VDEV_LAPIC_H
#define HV_VDEV_LAPIC_H

#include "lib/types.h"

struct vm;

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_SIZE 0x1000ull

/* Delivery modes of an interrupt message (ICR, LVT, IOAPIC, MSI). */
enum {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_STARTUP = 6,
	LAPIC_DM_EXTINT = 7,
};

/* An interrupt message to the local APICs of vm: dest is an APIC ID
 * (physical) or a logical destination, matched against each target's
 * registers in its own mode (xAPIC: 8 bits, 0xff for all; x2APIC: 32
 * bits, 0xffffffff for all). Lowest priority goes, as fixed, to the
 * lowest-numbered target. level: level-triggered (TMR; its EOI calls the
 * hook). Returns how many local APICs took it, or -1 if the VM has none.
 * From any CPU. */
int lapic_deliver(struct vm *vm, u32 dest, bool logical, u8 delivery_mode, u8 vector,
		  bool level);
/* A pulse on pin LINT0 (0) or LINT1 (1) of every vCPU's local APIC, as
 * the board's NMI line drives LINT1; delivered as that pin's LVT says
 * (NMI, fixed), or with the APIC disabled as an NMI to vCPU 0. */
void lapic_lint(struct vm *vm, u32 pin);

#endif
