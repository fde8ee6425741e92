/* Application processor start-up, as the Intel SDM's MP initialisation
 * protocol describes it (vol. 3, 9.4): an INIT IPI, 10 ms, then a start-up
 * IPI whose vector is the page number of the real-mode code, and a second
 * one if the CPU did not answer the first within 200 us. The code is
 * boot/ap_start.asm; the CPU says it is online from hv_ap_main. */
#include "arch/x86/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/trap.h"
#include "hv/mm/page_alloc.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* How long a CPU may take from the first start-up IPI to online. Real
 * CPUs answer in microseconds; emulators on a busy host take far longer. */
#define START_TIMEOUT_MS 5000

extern const u8 ap_trampoline[], ap_trampoline_end[];
extern u64 ap_boot_cr3, ap_boot_stack, ap_boot_percpu, ap_boot_cr0;

static u64 start_page;
static bool started_any;	/* some other CPU runs lucid */
static bool stopping;		/* smp_stop_others was called */

static void udelay(u64 us)
{
	u64 end = rdtsc() + lapic()->tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}

int smp_prepare(void)
{
	u64 len = (u64)(ap_trampoline_end - ap_trampoline);

	start_page = page_alloc(1, PAGE_SIZE, MiB(1) - 1);
	if (!start_page) {
		printk("smp: no free page below 1 MiB for the start-up code; one CPU only\n");
		return -1;
	}
	memcpy((void *)(uintptr_t)start_page, ap_trampoline, len);
	return 0;
}

static bool wait_online(const struct percpu *p, u64 ms)
{
	u64 end = rdtsc() + lapic()->tsc_hz / 1000 * ms;

	while (rdtsc() < end) {
		if (atomic_load(&p->online))
			return true;
		cpu_relax();
	}
	return atomic_load(&p->online);
}

int smp_start_cpu(struct percpu *p, u32 apic_id)
{
	u32 sipi = ICR_STARTUP | (u32)(start_page >> PAGE_SHIFT);

	ap_boot_cr3 = read_cr3();
	ap_boot_stack = p->stack.top;
	ap_boot_percpu = (u64)(uintptr_t)p;
	ap_boot_cr0 = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	udelay(10000);
	lapic_send_ipi(apic_id, sipi);
	if (!wait_online(p, 1)) {
		lapic_send_ipi(apic_id, sipi);
		if (!wait_online(p, START_TIMEOUT_MS)) {
			/* Back to waiting for a start-up IPI, so that a late start
			 * cannot run on the next CPU's stack. */
			lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
			return -1;
		}
	}
	atomic_store(&started_any, true);
	smp_check_caches(p->index, ap_boot_cr0);
	return 0;
}

void smp_check_caches(u32 cpu, u64 cr0)
{
	if (cr0 & (CR0_CD | CR0_NW))
		printk("cpu %u: caches disabled (CR0 0x%llx)\n", cpu, (unsigned long long)cr0);
}

void smp_finish(void)
{
	if (start_page)
		page_free(start_page, 1);
	start_page = 0;
}


void smp_stop_others(void)
{
	atomic_store_fence(&stopping, true);
	if (atomic_load(&started_any))
		lapic_send_ipi(0, ICR_ALL_BUT_SELF | ICR_NMI);
}

bool smp_stopping(void)
{
	return atomic_load(&stopping);
}

void smp_kick(const struct percpu *p)
{
	lapic_send_ipi(p->apic_id, ICR_FIXED | VEC_KICK);
}
