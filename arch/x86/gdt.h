/* Segments, the TSS and the IDT: the CPU tables every x86-64 kernel needs
 * even though it barely uses segmentation. */
#ifndef ARCH_X86_GDT_H
#define ARCH_X86_GDT_H

#include "arch/x86/percpu.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

/* Loads this CPU's GDT, TSS and the shared IDT, and points GS at *p. */
void cpu_tables_init(struct percpu *p);
/* Installs the IST stacks (allocated once paging is up). */
void cpu_set_ist(struct percpu *p, int ist, struct stack_range s);

#endif
