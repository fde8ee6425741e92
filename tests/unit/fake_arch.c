/* What hv/core and hv/exits need from arch/ and the rest of lucid, on the
 * host (fake_hv.h): per-CPU data without a GS base, the lazily switched
 * guest registers (FPU, DR0-DR3, TSC_AUX) as ownership only, kicks,
 * the LAPIC timer and the interrupt table as records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/fpu.h"
#include "arch/x86/guest_regs.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "hv/console/console.h"
#include "hv/core/sched.h"
#include "hv/host/cpus.h"
#include "hv/mm/page_alloc.h"

struct percpu percpu[MAX_CPUS];
struct percpu *host_test_cpu = &percpu[0];
static u32 online = 1;
static irq_handler_fn handlers[256];
static u8 host_irq[MAX_CPUS];	/* the vector waiting for each CPU, 0 if none */

void host_set_cpu(u32 cpu)
{
	assert_in_range(cpu, 0, MAX_CPUS - 1);
	host_test_cpu = &percpu[cpu];
}

void host_set_online(u32 ncpus)
{
	assert_in_range(ncpus, 1, MAX_CPUS);
	online = ncpus;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		percpu[i].self = &percpu[i];
		percpu[i].index = i;
		percpu[i].apic_id = i;
		percpu[i].online = i < ncpus;
	}
}

u32 cpus_online(void)
{
	return online;
}

/* A kicked CPU leaves guest mode and, on its next turn, parks the vCPUs
 * whose VM pauses (sched_loop). There are no other threads here: the
 * kicked CPU takes that turn at once. */
void smp_kick(const struct percpu *p)
{
	struct percpu *me = this_cpu();

	fake_record(FAKE_KICK, NULL, NULL, p->index, 0, 0, 0);
	host_test_cpu = &percpu[p->index];
	percpu[p->index].need_resched = true;
	sched_park_here();
	host_test_cpu = me;
}

/* --- FPU/SSE/AVX: who owns this CPU's registers ----------------------------- */

#define FAKE_XFEATURES 7ull	/* x87, SSE, AVX */

int fpu_vcpu_init(struct vcpu_arch *a)
{
	if (fake_fail.fpu_init && --fake_fail.fpu_init == 0)
		return -1;
	a->fpu_area = (void *)(uintptr_t)page_alloc(1, PAGE_SIZE, PA_NO_LIMIT);
	a->xcr0 = 1;
	return a->fpu_area ? 0 : -1;
}

void fpu_forget(struct vcpu_arch *a)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu[i].fpu_owner == a)
			percpu[i].fpu_owner = NULL;
}

void fpu_vcpu_reset(struct vcpu_arch *a)
{
	fake_record(FAKE_FPU_RESET, fake_vcpu_of(a), NULL, 0, 0, 0, 0);
	fpu_forget(a);
	a->xcr0 = 1;
}

void fpu_vcpu_free(struct vcpu_arch *a)
{
	fpu_forget(a);
	if (a->fpu_area)
		assert_int_equal(page_free((u64)(uintptr_t)a->fpu_area, 1), 0);
	a->fpu_area = NULL;
}

void fpu_switch_to(struct vcpu_arch *a)
{
	struct percpu *p = this_cpu();

	fake_record(FAKE_FPU_SWITCH, fake_vcpu_of(a), NULL, 0, 0, 0, 0);
	p->fpu_owner = a;
	p->xcr0 = a->xcr0;
}

/* arg 0: whether this CPU held v's registers and saved them. */
void fpu_put(struct vcpu_arch *a)
{
	struct percpu *p = this_cpu();
	bool held = p->fpu_owner == a;

	fake_record(FAKE_FPU_PUT, fake_vcpu_of(a), NULL, held, 0, 0, 0);
	if (held)
		p->fpu_owner = NULL;
}

void fpu_set_guest_xcr0(struct vcpu_arch *a, u64 val)
{
	a->xcr0 = val;
	if (this_cpu()->fpu_owner == a)
		this_cpu()->xcr0 = val;
}

u64 fpu_guest_xcr0(struct vcpu_arch *a)
{
	return a->xcr0;
}

u64 fpu_guest_xfeatures(void)
{
	return FAKE_XFEATURES;
}

/* XSETBV's rules for a machine with x87, SSE and AVX. */
bool fpu_xcr0_valid(u64 val)
{
	return (val & 1) && !(val & ~FAKE_XFEATURES) && (!(val & 4) || (val & 2));
}

/* --- DR0-DR3 and TSC_AUX ------------------------------------------------------ */

void guest_regs_switch_to(struct vcpu_arch *a)
{
	fake_record(FAKE_REGS_SWITCH, fake_vcpu_of(a), NULL, 0, 0, 0, 0);
	this_cpu()->regs_owner = a;
}

void guest_regs_put(struct vcpu_arch *a)
{
	struct percpu *p = this_cpu();
	bool held = p->regs_owner == a;

	fake_record(FAKE_REGS_PUT, fake_vcpu_of(a), NULL, held, 0, 0, 0);
	if (held)
		p->regs_owner = NULL;
}

void guest_regs_reset(struct vcpu_arch *a)
{
	fake_record(FAKE_REGS_RESET, fake_vcpu_of(a), NULL, 0, 0, 0, 0);
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu[i].regs_owner == a)
			percpu[i].regs_owner = NULL;
	for (int i = 0; i < 4; i++)
		a->dr[i] = 0;
	a->tsc_aux = 0;
}

int guest_tsc_aux_read(const struct vcpu_arch *a, u64 *val)
{
	if (fake_fail.no_tsc_aux)
		return -1;
	*val = a->tsc_aux;
	return 0;
}

int guest_tsc_aux_write(struct vcpu_arch *a, u64 val)
{
	if (fake_fail.no_tsc_aux || (val >> 32))
		return -1;
	a->tsc_aux = val;
	return 0;
}

/* --- the LAPIC, the interrupt table, the console --------------------------- */

void lapic_eoi(void)
{
	fake_record(FAKE_EOI, NULL, NULL, 0, 0, 0, 0);
}

void lapic_timer_oneshot(u8 vector)
{
	fake_record(FAKE_TIMER, NULL, NULL, vector, 0, 0, 0);
}

void lapic_timer_arm(u64 tsc)
{
	fake_record(FAKE_TIMER_ARM, NULL, NULL, tsc, 0, 0, 0);
}

const struct lapic_info *lapic(void)
{
	static const struct lapic_info info = { .tsc_hz = FAKE_TSC_HZ, .timer_hz = FAKE_TSC_HZ };

	return &info;
}

u64 fake_tsc;

u64 rdtsc(void)
{
	return fake_tsc;
}

void trap_set_handler(u8 vector, irq_handler_fn fn)
{
	fake_record(FAKE_SET_HANDLER, NULL, NULL, vector, 0, 0, 0);
	handlers[vector] = fn;
}

irq_handler_fn fake_handler(u8 vector)
{
	return handlers[vector];
}

void fake_host_irq(u32 cpu, u8 vector)
{
	assert_in_range(cpu, 0, MAX_CPUS - 1);
	host_irq[cpu] = vector;
}

/* The interrupt waiting for this CPU goes to the handler lucid installed,
 * as the CPU delivers it once interrupts are on. */
void irq_window(void)
{
	struct percpu *p = this_cpu();
	u8 vector = host_irq[p->index];
	struct trap_frame f = { .vector = vector };

	fake_record(FAKE_IRQ_WINDOW, NULL, NULL, vector, 0, 0, 0);
	if (!vector)
		return;
	host_irq[p->index] = 0;
	if (!handlers[vector])
		fail_msg("interrupt %#x on CPU %u has no handler", vector, p->index);
	handlers[vector](&f);
}

/* Weak: test_console links the real one. */
__attribute__((weak)) void console_poll(void)
{
	fake_record(FAKE_CONSOLE_POLL, NULL, NULL, 0, 0, 0, 0);
}
