#include "arch/x86/guest_regs.h"
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vcpu_arch.h"

static bool have_tsc_aux, vmx;	/* vmx: the syscall MSRs, CR2 and DR6 too */

static const u32 syscall_msrs[GUEST_SYSCALL_MSRS] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	0xc0000102,                                      /* KERNEL_GS_BASE */
};

const u32 guest_passthrough_msrs[GUEST_PASSTHROUGH_MSRS] = {
	0x174, 0x175, 0x176,                     /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,      /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
};

void guest_regs_init(const struct cpu_features *f)
{
	have_tsc_aux = f->rdtscp;
	vmx = f->virt == VIRT_VMX;
}

static void save_dr(u64 dr[4])
{
	asm volatile("mov %%db0, %0" : "=r"(dr[0]));
	asm volatile("mov %%db1, %0" : "=r"(dr[1]));
	asm volatile("mov %%db2, %0" : "=r"(dr[2]));
	asm volatile("mov %%db3, %0" : "=r"(dr[3]));
}

static void load_dr(const u64 dr[4])
{
	asm volatile("mov %0, %%db0" : : "r"(dr[0]));
	asm volatile("mov %0, %%db1" : : "r"(dr[1]));
	asm volatile("mov %0, %%db2" : : "r"(dr[2]));
	asm volatile("mov %0, %%db3" : : "r"(dr[3]));
}

/* TSC_AUX changes only through an intercepted WRMSR: never saved. */
static void save(struct vcpu_arch *v)
{
	save_dr(v->dr);
	if (!vmx)
		return;
	for (int i = 0; i < GUEST_SYSCALL_MSRS; i++)
		v->syscall_msrs[i] = rdmsr(syscall_msrs[i]);
	v->cr2 = read_cr2();
	v->dr6 = read_dr6();
}

void guest_regs_switch_to(struct vcpu_arch *v)
{
	struct percpu *p = this_cpu();

	if (p->regs_owner == v)
		return;
	if (p->regs_owner)
		save(p->regs_owner);
	load_dr(v->dr);
	if (vmx) {
		for (int i = 0; i < GUEST_SYSCALL_MSRS; i++)
			wrmsr(syscall_msrs[i], v->syscall_msrs[i]);
		write_cr2(v->cr2);
		write_dr6(v->dr6);
	}
	if (have_tsc_aux)
		wrmsr(MSR_TSC_AUX, v->tsc_aux);
	p->regs_owner = v;
}

void guest_regs_put(struct vcpu_arch *v)
{
	struct percpu *p = this_cpu();

	if (p->regs_owner != v)
		return;
	save(v);
	p->regs_owner = NULL;
}

void guest_regs_reset(struct vcpu_arch *v)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu[i].regs_owner == v)
			percpu[i].regs_owner = NULL;
	for (int i = 0; i < 4; i++)
		v->dr[i] = 0;
	for (int i = 0; i < GUEST_SYSCALL_MSRS; i++)
		v->syscall_msrs[i] = 0;
	v->tsc_aux = 0;
	v->cr2 = 0;
	v->dr6 = DR6_INIT;
}

int guest_tsc_aux_read(const struct vcpu_arch *v, u64 *val)
{
	if (!have_tsc_aux)
		return -1;
	*val = v->tsc_aux;
	return 0;
}

int guest_tsc_aux_write(struct vcpu_arch *v, u64 val)
{
	if (!have_tsc_aux || (val >> 32))
		return -1;
	v->tsc_aux = val;
	wrmsr(MSR_TSC_AUX, val);	/* v owns this CPU's registers now */
	return 0;
}

static bool owns(const struct vcpu_arch *v)
{
	return this_cpu()->regs_owner == v;
}

void guest_set_cr2(struct vcpu_arch *v, u64 val)
{
	if (owns(v))
		write_cr2(val);
	v->cr2 = val;
}

u64 guest_dr6(const struct vcpu_arch *v)
{
	return owns(v) ? read_dr6() : v->dr6;
}

void guest_set_dr6(struct vcpu_arch *v, u64 val)
{
	if (owns(v))
		write_dr6(val);
	v->dr6 = val;
}
