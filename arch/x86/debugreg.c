#include "arch/x86/debugreg.h"
#include "arch/x86/percpu.h"
#include "hv/vcpu.h"

static void save(u64 dr[4])
{
	asm volatile("mov %%db0, %0" : "=r"(dr[0]));
	asm volatile("mov %%db1, %0" : "=r"(dr[1]));
	asm volatile("mov %%db2, %0" : "=r"(dr[2]));
	asm volatile("mov %%db3, %0" : "=r"(dr[3]));
}

static void load(const u64 dr[4])
{
	asm volatile("mov %0, %%db0" : : "r"(dr[0]));
	asm volatile("mov %0, %%db1" : : "r"(dr[1]));
	asm volatile("mov %0, %%db2" : : "r"(dr[2]));
	asm volatile("mov %0, %%db3" : : "r"(dr[3]));
}

void dr_switch_to(struct vcpu *v)
{
	struct percpu *p = this_cpu();

	if (p->dr_owner == v)
		return;
	if (p->dr_owner)
		save(p->dr_owner->dr);
	load(v->dr);
	p->dr_owner = v;
}

void dr_vcpu_reset(struct vcpu *v)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu[i].dr_owner == v)
			percpu[i].dr_owner = NULL;
	for (int i = 0; i < 4; i++)
		v->dr[i] = 0;
}
