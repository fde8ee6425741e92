/* The PC's two 8259A interrupt controllers (Intel's 8259A datasheet), as
 * a VM of platform pc has them: the master at ports 0x20-0x21 takes
 * interrupt lines 0-7, the slave at 0xa0-0xa1 takes lines 8-15 and drives
 * the master's input 2, and the PIIX's edge/level control registers
 * (ELCR) at 0x4d0-0x4d1 make a line level-triggered, one bit per line
 * (lines 0, 1, 2, 8 and 13 are always edge-triggered, as on the PIIX).
 *
 * Line 2 is the cascade and takes no device: ISA IRQ 2 reaches no input
 * (a PC board routes that wire to IRQ 9, which the guest sees as line 9).
 *
 * The pair's INTA (struct intr_source, hv/core/events.h: the vector it
 * would deliver, and the acknowledge) is vm->irq.extint, and for now vCPU
 * 0's interrupt source (events.src). When the local APIC model comes, it
 * becomes each vCPU's source instead, and vCPU 0's local APIC asks the
 * pair through extint as its ExtINT input (LINT0 in ExtINT mode), as on a
 * PC. */
#ifndef HV_VDEV_PIC_H
#define HV_VDEV_PIC_H

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT 0xa0
#define PIC_PORTS 2
#define PIC_ELCR_PORT 0x4d0	/* master's lines, then the slave's */
#define PIC_ELCR_PORTS 2

#endif
