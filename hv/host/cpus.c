/* Starting the application processors, one at a time (they share one
 * start-up mailbox, arch/x86/smp.c). Each gets what the boot CPU has: a
 * guarded stack, guarded IST stacks and its own struct percpu. */
#include "hv/host/cpus.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp.h"
#include "hv/host/machine.h"
#include "lib/log.h"

static u32 online = 1;

u32 cpus_online(void)
{
	return online;
}

void cpus_start(void)
{
	const struct acpi_info *a = &machine.acpi;
	u32 listed = machine.ncpus, over = 0;

	smp_check_caches(percpu[0].index, read_cr0());	/* boot/entry.asm cleared CD, NW */
	if (listed > 1 && !smp_prepare()) {
		for (u32 i = 0; i < a->ncpus; i++) {
			const struct acpi_cpu *c = &a->cpus[i];
			struct percpu *p = &percpu[online];

			if (!c->enabled || c->apic_id == percpu[0].apic_id)
				continue;
			if (online == MAX_CPUS) {
				over++;
				continue;
			}
			/* A slot whose CPU failed keeps its stacks for the next. */
			if (!p->stack.top) {
				p->index = online;
				p->stack = stack_alloc();
				for (int k = IST_DF; k <= IST_MC; k++)
					cpu_set_ist(p, k, stack_alloc());
			}
			if (smp_start_cpu(p, c->apic_id)) {
				printk("cpus: the CPU with APIC ID %u did not start; left out\n",
				       c->apic_id);
				continue;
			}
			online++;
		}
		smp_finish();
	}
	if (over)
		printk("cpus: lucid runs on at most %d CPUs; %u left out\n", MAX_CPUS, over);
	printk("cpus: %u of %u started\n", online, listed);
}
