/* hv_main: bring the machine under lucid's control, in an order where each
 * step has what it needs: CPU tables first (so faults are reported), then
 * memory (map, allocator, final page tables, guarded stacks), then the
 * machine (ACPI, LAPIC, timers), then the banner, the time of day and the
 * console. */
#include "hv/main.h"
#include "arch/x86/virt.h"
#include "hv/core/sched.h"
#include "hv/config/vm_config.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/gdt.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/reset.h"
#include "arch/x86/trap.h"
#include "drivers/pit.h"
#include "hv/config/cmdline.h"
#include "hv/exits/cpuid.h"
#include "hv/console/console.h"
#include "hv/mm/memmap.h"
#include "hv/mm/page_alloc.h"
#include "hv/host/cpus.h"
#include "hv/host/machine.h"
#include "hv/host/selftest.h"
#include "hv/host/wallclock.h"
#include "hv/version.h"
#include "lib/log.h"
#include "lib/spinlock.h"

extern char __image_start[], __image_end[], boot_stack_bottom[], boot_stack_top[];

static struct memmap memmap;
static struct cpu_features features;
/* What the TSC and the LAPIC timer are measured against. */
static const struct lapic_ref_timer pit = { PIT_HZ, pit_oneshot_start, pit_oneshot_done };

static __noreturn void boot_failed(const char *what, const char *why)
{
	printk("lucid: %s: %s\n", what, why);
	machine_halt();
}

/* Modules must lie in RAM the map calls usable, or lucid would hand out
 * (or refuse to hand out) the wrong pages. */
static bool module_in_ram(const struct boot_module *m)
{
	u64 end = m->base + m->size;

	for (u32 i = 0; i < memmap.n; i++) {
		const struct mem_range *r = &memmap.r[i];
		if (r->type == MEM_USABLE && m->base >= r->base && end <= r->base + r->size)
			return true;
	}
	return false;
}

static void memory_init(struct boot_info *bi)
{
	static char warn[1024];
	char err[160];
	struct pa_reserve res[BOOT_MAX_MODULES + 1];
	u32 nres = 0;

	if (memmap_normalise(bi->mem, bi->nmem, &memmap, warn, sizeof(warn), err, sizeof(err)))
		boot_failed("bad boot data", err);
	printk_lines("memory: ", warn);

	res[nres++] = (struct pa_reserve){ (u64)(uintptr_t)__image_start,
					   (u64)(uintptr_t)(__image_end - __image_start), "lucid" };
	for (u32 i = 0; i < bi->nmod; i++) {
		struct boot_module *m = &bi->mod[i];
		if (!module_in_ram(m)) {
			printk("boot: module '%s' at [0x%llx, 0x%llx) is not in usable RAM; ignored\n",
			       m->name, (unsigned long long)m->base,
			       (unsigned long long)(m->base + m->size));
			m->size = 0;
			continue;
		}
		res[nres++] = (struct pa_reserve){ m->base, m->size, m->name };
	}
	if (page_alloc_init(&memmap, res, nres, GiB(4), err, sizeof(err)))
		boot_failed("cannot set up memory", err);
	paging_init(&memmap);

	/* The boot CPU's stacks: the boot stack is guarded by the linker
	 * script's layout; the IST stacks come with guard pages. */
	struct percpu *p = this_cpu();
	p->stack = (struct stack_range){ (u64)(uintptr_t)boot_stack_bottom,
					 (u64)(uintptr_t)boot_stack_top };
	for (int i = IST_DF; i <= IST_MC; i++)
		cpu_set_ist(p, i, stack_alloc());
}

static void print_banner(const struct boot_info *bi)
{
	char vsum[160];

	printk("boot: %s; cmdline \"%s\"\n", bi->loader, bi->cmdline);
	printk("cpu: %s \"%s\" family 0x%x model 0x%x stepping %u\n", features.vendor,
	       features.brand, features.family, features.model, features.stepping);
	if (machine.have_acpi)
		printk("cpus: %u (ACPI MADT)\n", machine.ncpus);
	else
		printk("cpus: 1 (no ACPI; boot CPU only)\n");
	printk("memory: %llu MiB usable, %llu MiB free\n",
	       (unsigned long long)(memmap_total(&memmap, MEM_USABLE) >> 20),
	       (unsigned long long)((page_alloc_free_pages() * PAGE_SIZE) >> 20));
	printk("timer: TSC %llu MHz, LAPIC timer %llu MHz, %s\n",
	       (unsigned long long)(lapic()->tsc_hz / 1000000),
	       (unsigned long long)(lapic()->timer_hz / 1000000),
	       lapic()->x2apic ? "x2APIC" : "xAPIC");
	cpu_features_virt_summary(&features, vsum, sizeof(vsum));
	printk("virt: %s\n", vsum);
	printk("modules: %u", bi->nmod);
	for (u32 i = 0; i < bi->nmod; i++)
		printk("%s%s %llu bytes", i ? ", " : " (", bi->mod[i].name,
		       (unsigned long long)bi->mod[i].size);
	printk("%s\n", bi->nmod ? ")" : "");
}

static u32 this_cpu_index(void)
{
	return this_cpu()->index;
}

__noreturn void hv_main(struct boot_info *bi)
{
	char test[32];

	percpu[0].index = 0;
	cpu_tables_init(&percpu[0]);
	log_set_cpu_id(this_cpu_index);
	printk("%s\n", version_line());

	memory_init(bi);
	cpu_features_detect(&features);
	machine.cpu = &features;
	machine_init(bi);
	lapic_init(features.x2apic, &pit);
	this_cpu()->apic_id = lapic()->id;
	machine_console_interrupts();
	print_banner(bi);
	wallclock_init();

	if (cmdline_get(bi->cmdline, "lucid.selftest", test, sizeof(test)))
		selftest_run(test);
	if (features.virt == VIRT_NONE) {
		printk("lucid: cannot run guests: %s\n", features.why_none);
		machine_halt();
	}
	if (virt_init(&features)) {
		printk("lucid: no VM will run; the console stays up\n");
		console_run();
	}
	cpuid_init();
	sched_init();
	atomic_store(&this_cpu()->online, true);
	cpus_start();
	vm_config_apply(bi);
	sched_loop();
}

/* An application processor, from boot/ap_start.asm: the boot CPU's steps
 * for one CPU, without what all CPUs share (memory, ACPI, the back end's
 * choice, calibration). */
__noreturn void hv_ap_main(struct percpu *p)
{
	cpu_tables_init(p);
	lapic_cpu_init();
	p->apic_id = lapic_id();
	if (virt_cpu_init())
		cpu_stop();
	sched_init();
	atomic_store(&p->online, true);
	sched_loop();
}
