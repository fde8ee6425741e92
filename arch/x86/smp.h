/* Starting the other CPUs (application processors), and the interrupts
 * CPUs send each other. */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "arch/x86/percpu.h"

/* Copies the real-mode start code to a page below 1 MiB. Returns 0, or -1
 * (said why) if there is no such page. */
int smp_prepare(void);
/* Starts the CPU with this APIC ID as p, whose stacks are set: INIT, then
 * start-up IPIs, then waits until it says it is online (hv_ap_main) or a
 * time-out passes. Returns 0, or -1 if it did not come up. A CPU that came
 * up with its caches disabled (CR0.CD or NW) is reported, not left out. */
int smp_start_cpu(struct percpu *p, u32 apic_id);
/* Says so where CR0 (the CPU's as it came up) has CD or NW set:
 * boot/entry.asm and boot/ap_start.asm clear both, and a CPU that still
 * has one runs far slower than it should (the boot tests fail on it). */
void smp_check_caches(u32 cpu, u64 cr0);
/* Gives the start page back once every CPU has been tried. */
void smp_finish(void);

/* Stops every other CPU for good, whatever it runs (an NMI, which
 * even a CPU with interrupts disabled takes). */
void smp_stop_others(void);
/* Whether smp_stop_others was called: the NMI handler then halts. */
bool smp_stopping(void);

/* Interrupts CPU p: if it runs a guest, the guest exits; if it sleeps in
 * lucid's idle loop, it wakes. Harmless when it does neither. */
void smp_kick(const struct percpu *p);

#endif
