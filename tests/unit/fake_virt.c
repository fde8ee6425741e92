/* The fake virtualisation back end (fake_hv.h): struct virt_ops as the SVM
 * back end implements it, with a script in place of the guest. It holds
 * what the hardware would (control registers, EFER, PAT, segments) so
 * that exit handlers find a believable vCPU, and records every call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "hv/mm/page_alloc.h"
#include "lib/string.h"

static struct fake_call calls[FAKE_MAX_CALLS];
static u32 ncalls;
struct fake_faults fake_fail;

_Static_assert(sizeof(struct fake_vcpu) <= PAGE_SIZE, "one page per vCPU, as a VMCB");
_Static_assert(sizeof(struct fake_vm) <= PAGE_SIZE, "one page per VM");

void fake_record(enum fake_op op, const struct vcpu *v, const struct vm *vm, u64 a0, u64 a1,
		 u64 a2, u64 a3)
{
	if (ncalls == FAKE_MAX_CALLS)
		fail_msg("more than %d calls into the fake back end", FAKE_MAX_CALLS);
	calls[ncalls++] = (struct fake_call){ op, v, v ? v->vm : vm, this_cpu()->index,
					      { a0, a1, a2, a3 } };
}

void fake_calls_clear(void)
{
	ncalls = 0;
}

u32 fake_ncalls(void)
{
	return ncalls;
}

const struct fake_call *fake_call(u32 i)
{
	assert_in_range(i, 0, ncalls - 1);
	return &calls[i];
}

static bool matches(const struct fake_call *c, enum fake_op op, const struct vcpu *v)
{
	return c->op == op && (!v || c->v == v);
}

u32 fake_count(enum fake_op op, const struct vcpu *v)
{
	u32 n = 0;

	for (u32 i = 0; i < ncalls; i++)
		n += matches(&calls[i], op, v);
	return n;
}

int fake_first(enum fake_op op, const struct vcpu *v)
{
	for (u32 i = 0; i < ncalls; i++)
		if (matches(&calls[i], op, v))
			return (int)i;
	return -1;
}

int fake_last(enum fake_op op, const struct vcpu *v)
{
	for (u32 i = ncalls; i-- > 0;)
		if (matches(&calls[i], op, v))
			return (int)i;
	return -1;
}

const struct fake_call *fake_last_call(enum fake_op op, const struct vcpu *v)
{
	int i = fake_last(op, v);

	if (i < 0)
		fail_msg("no call %d into the fake back end", op);
	return &calls[i];
}

/* The back end is handed arch/'s part of a vCPU or VM; the fake, which
 * records calls by vCPU and VM, finds the whole. */
struct vcpu *fake_vcpu_of(const struct vcpu_arch *a)
{
	return (struct vcpu *)((uintptr_t)a - offsetof(struct vcpu, arch));
}

struct vm *fake_vm_of(const struct vm_arch *a)
{
	return (struct vm *)((uintptr_t)a - offsetof(struct vm, arch));
}

/* --- scripts ---------------------------------------------------------- */

struct fake_vcpu *fake_vcpu(const struct vcpu *v)
{
	assert_non_null(v->arch.virt);
	return v->arch.virt;
}

void fake_script(struct vcpu *v, const struct fake_exit *e)
{
	struct fake_vcpu *f = fake_vcpu(v);

	assert_true(f->nscript < FAKE_SCRIPT_MAX);
	f->script[f->nscript++] = *e;
}

void fake_script_reason(struct vcpu *v, enum exit_reason r, bool tick)
{
	struct fake_exit e = { .x = { .reason = r, .long_mode = true, .insn_len = FAKE_INSN_LEN },
			       .tick = tick };

	fake_script(v, &e);
}

u32 fake_script_left(const struct vcpu *v)
{
	const struct fake_vcpu *f = fake_vcpu(v);

	return f->nscript - f->next;
}

/* --- the back end ------------------------------------------------------- */

static int fake_cpu_init(void)
{
	return 0;
}

static bool counts_down(u32 *n)
{
	return *n && --*n == 0;
}

struct fake_vm *fake_vm(const struct vm *vm)
{
	assert_non_null(vm->arch.virt);
	return vm->arch.virt;
}

static int fake_vm_init(struct vm_arch *a)
{
	struct vm *vm = fake_vm_of(a);
	struct fake_vm *f;

	fake_record(FAKE_VM_INIT, NULL, vm, 0, 0, 0, 0);
	if (fake_fail.vm_init) {
		fake_fail.vm_init = false;
		return -1;
	}
	f = (struct fake_vm *)(uintptr_t)page_alloc(1, PAGE_SIZE, PA_NO_LIMIT);
	if (!f)
		return -1;
	memset(f, 0, sizeof(*f));
	vm->arch.virt = f;
	return 0;
}

static bool overlaps(const struct fake_map *m, u64 gpa, u64 size)
{
	return gpa < m->gpa + m->size && m->gpa < gpa + size;
}

static int fake_vm_map(struct vm_arch *a, u64 gpa, u64 hpa, u64 size, u32 rights,
		       enum cache_type type)
{
	struct vm *vm = fake_vm_of(a);
	struct fake_vm *f = fake_vm(vm);

	fake_record(FAKE_MAP, NULL, vm, gpa, hpa, size, rights);
	assert_true(IS_ALIGNED(gpa | hpa | size, PAGE_SIZE) && size && (rights & GPA_R));
	if (counts_down(&fake_fail.vm_map) || f->nmaps == FAKE_MAX_MAPS)
		return -1;
	for (u32 i = 0; i < f->nmaps; i++)
		if (overlaps(&f->map[i], gpa, size))
			return -1;
	f->map[f->nmaps++] = (struct fake_map){ gpa, hpa, size, rights, type };
	return 0;
}

/* Whole mappings only: lucid unmaps what it mapped. */
static int fake_vm_unmap(struct vm_arch *a, u64 gpa, u64 size)
{
	struct vm *vm = fake_vm_of(a);
	struct fake_vm *f = fake_vm(vm);

	fake_record(FAKE_UNMAP, NULL, vm, gpa, size, 0, 0);
	for (u32 i = 0; i < f->nmaps;) {
		if (!overlaps(&f->map[i], gpa, size)) {
			i++;
			continue;
		}
		assert_true(f->map[i].gpa >= gpa && f->map[i].gpa + f->map[i].size <= gpa + size);
		f->map[i] = f->map[--f->nmaps];
	}
	return 0;
}

/* Gives back the page a fake's state lives in, once. */
static void free_state(void **virt)
{
	if (*virt)
		assert_int_equal(page_free((u64)(uintptr_t)*virt, 1), 0);
	*virt = NULL;
}

static void fake_vm_free(struct vm_arch *a)
{
	fake_record(FAKE_VM_FREE, NULL, fake_vm_of(a), 0, 0, 0, 0);
	free_state(&a->virt);
}

static bool fake_vm_translate(const struct vm_arch *a, u64 gpa, u64 *hpa)
{
	const struct vm *vm = fake_vm_of(a);
	const struct fake_vm *f = fake_vm(vm);

	for (u32 i = 0; i < f->nmaps; i++)
		if (overlaps(&f->map[i], gpa, 1)) {
			*hpa = f->map[i].hpa + (gpa - f->map[i].gpa);
			return true;
		}
	return false;
}

/* A 64-bit guest with flat segments, as a long-mode kernel runs. */
static void fake_vcpu_defaults(struct fake_vcpu *f)
{
	static const u16 data = SEG_ATTR_P | SEG_ATTR_WRITABLE | 1u << 4 | 1u;

	memset(f->cr, 0, sizeof(f->cr));
	f->cr[0] = CR0_PE | CR0_PG;
	f->cr[4] = CR4_PAE;
	f->efer = EFER_LME | EFER_LMA;
	f->pat = 0x0007040600070406ull;
	f->tsc = 0;
	f->dr6 = DR6_INIT;
	f->dr7 = DR7_INIT;
	for (int s = 0; s < NR_SEGS; s++)
		f->seg[s] = (struct guest_seg){ 0, 0xffffffff, 0x10, data };
	f->seg[SEG_CS] = (struct guest_seg){ 0, 0xffffffff, 0x08,
					     SEG_ATTR_P | SEG_ATTR_CODE | SEG_ATTR_L | 1u << 4 |
					     SEG_ATTR_WRITABLE };
	f->can_take_nmi = f->can_take_intr = true;
	f->nmi_window = f->intr_window = false;
}

static int fake_vcpu_init(struct vcpu_arch *a)
{
	struct vcpu *v = fake_vcpu_of(a);
	struct fake_vcpu *f;

	fake_record(FAKE_VCPU_INIT, v, NULL, 0, 0, 0, 0);
	/* What generic code sets before it asks (virt.h). */
	assert_ptr_equal(a->regs, &v->regs);
	assert_ptr_equal(a->vm, &v->vm->arch);
	if (counts_down(&fake_fail.vcpu_init))
		return -1;
	f = (struct fake_vcpu *)(uintptr_t)page_alloc(1, PAGE_SIZE, PA_NO_LIMIT);
	if (!f)
		return -1;
	memset(f, 0, sizeof(*f));
	fake_vcpu_defaults(f);
	v->arch.virt = f;
	return 0;
}

static void fake_vcpu_free(struct vcpu_arch *a)
{
	fake_record(FAKE_VCPU_FREE, fake_vcpu_of(a), NULL, 0, 0, 0, 0);
	free_state(&a->virt);
}

/* The state asked for, the rest as after RESET; the script stays (it is
 * the test's). */
static void fake_vcpu_reset(struct vcpu_arch *a, const struct vcpu_state *st)
{
	struct vcpu *v = fake_vcpu_of(a);
	struct fake_vcpu *f = fake_vcpu(v);

	fake_record(FAKE_VCPU_RESET, v, NULL, st->rip, st->cr0, st->tsc_offset, 0);
	fake_vcpu_defaults(f);
	f->cr[0] = st->cr0;
	f->cr[3] = st->cr3;
	f->cr[4] = st->cr4;
	f->efer = st->efer;
	memcpy(f->seg, st->seg, sizeof(f->seg));
	memcpy(a->regs->gpr, st->gpr, sizeof(a->regs->gpr));
	a->regs->rip = st->rip;
	a->regs->rflags = st->rflags;
}

static void fake_vcpu_load(struct vcpu_arch *a)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_LOAD, v, NULL, 0, 0, 0, 0);
}

/* A parked vCPU has its state in memory already (vcpu.h): it is put
 * before it counts as parked, never after. */
static void fake_vcpu_put(struct vcpu_arch *a)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_PUT, v, NULL, 0, 0, 0, 0);
	if (atomic_load(&v->parked))
		fail_msg("vCPU %u of VM %s was put after it was parked", v->id, v->vm->name);
}

static void fake_vcpu_flush_tlb(struct vcpu_arch *a)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_FLUSH_TLB, v, NULL, 0, 0, 0, 0);
}

/* The next exit of the script. The contract of vcpu_run: v runs on its
 * own CPU, with its lazily switched registers in that CPU. */
static void fake_vcpu_run(struct vcpu_arch *a, struct exit_record *x)
{
	struct vcpu *v = fake_vcpu_of(a);
	struct fake_vcpu *f = fake_vcpu(v);
	struct percpu *p = this_cpu();
	const struct fake_exit *e;

	fake_record(FAKE_RUN, v, NULL, 0, 0, 0, 0);
	if (f->next == f->nscript)
		fail_msg("vCPU %u of VM %s ran past its script (%u exits)", v->id, v->vm->name,
			 f->nscript);
	if (v->cpu != p->index || p->fpu_owner != a || p->regs_owner != a)
		fail_msg("vCPU %u of VM %s ran on CPU %u (placed on %u) without its own state",
			 v->id, v->vm->name, p->index, v->cpu);
	e = &f->script[f->next++];
	if (e->guest)
		e->guest(v, e->arg);
	*x = e->x;
	if (e->tick)
		p->need_resched = true;
}

/* Only what the one point of delivery may inject; taken as soon as the
 * guest runs. */
static void fake_vcpu_inject(struct vcpu_arch *a, const struct event *e)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_INJECT, v, NULL, e->vector, e->has_error, e->error, e->type);
	assert_true(e->type == EV_EXCEPTION || e->type == EV_NMI || e->type == EV_INTR);
}

static bool fake_vcpu_can_take(const struct vcpu_arch *a, enum event_type type)
{
	const struct vcpu *v = fake_vcpu_of(a);

	assert_true(type == EV_NMI || type == EV_INTR);
	return type == EV_NMI ? fake_vcpu(v)->can_take_nmi : fake_vcpu(v)->can_take_intr;
}

static void fake_vcpu_want_windows(struct vcpu_arch *a, bool nmi, bool intr)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_WINDOWS, v, NULL, nmi, intr, 0, 0);
	fake_vcpu(v)->nmi_window = nmi;
	fake_vcpu(v)->intr_window = intr;
}

static u64 *msr_slot(struct fake_vcpu *f, u32 msr)
{
	switch (msr) {
	case MSR_EFER:
		return &f->efer;
	case MSR_PAT:
		return &f->pat;
	case MSR_TSC:
		return &f->tsc;
	default:
		return NULL;
	}
}

static int fake_vcpu_get_msr(struct vcpu_arch *a, u32 msr, u64 *val)
{
	struct vcpu *v = fake_vcpu_of(a);
	u64 *slot = msr_slot(fake_vcpu(v), msr);

	if (!slot || fake_fail.get_msr)
		return -1;
	*val = *slot;
	return 0;
}

static int fake_vcpu_set_msr(struct vcpu_arch *a, u32 msr, u64 val)
{
	struct vcpu *v = fake_vcpu_of(a);
	u64 *slot = msr_slot(fake_vcpu(v), msr);

	fake_record(FAKE_SET_MSR, v, NULL, msr, val, 0, 0);
	if (!slot || fake_fail.set_msr)
		return -1;
	*slot = val;
	return 0;
}

static void fake_vcpu_get_crs(const struct vcpu_arch *a, struct guest_crs *out)
{
	const struct vcpu *v = fake_vcpu_of(a);
	const struct fake_vcpu *f = fake_vcpu(v);

	*out = (struct guest_crs){ f->cr[0], f->cr[3], f->cr[4], f->efer };
}

static void fake_vcpu_set_cr2(struct vcpu_arch *a, u64 cr2)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_SET_CR2, v, NULL, cr2, 0, 0, 0);
	fake_vcpu(v)->cr[2] = cr2;
}

static void fake_vcpu_set_cr(struct vcpu_arch *a, int cr, u64 val)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_SET_CR, v, NULL, (u64)cr, val, 0, 0);
	assert_true(cr == 0 || cr == 3 || cr == 4);
	fake_vcpu(v)->cr[cr] = val;
}

static u64 fake_vcpu_get_dr(const struct vcpu_arch *a, int dr)
{
	const struct fake_vcpu *f = fake_vcpu(fake_vcpu_of(a));

	assert_true(dr == 6 || dr == 7);
	return dr == 6 ? f->dr6 : f->dr7;
}

static void fake_vcpu_set_dr(struct vcpu_arch *a, int dr, u64 val)
{
	struct vcpu *v = fake_vcpu_of(a);

	fake_record(FAKE_SET_DR, v, NULL, (u64)dr, val, 0, 0);
	assert_true(dr == 6 || dr == 7);
	*(dr == 6 ? &fake_vcpu(v)->dr6 : &fake_vcpu(v)->dr7) = val;
}

static void fake_vcpu_get_seg(const struct vcpu_arch *a, enum seg_reg seg, struct guest_seg *out)
{
	const struct vcpu *v = fake_vcpu_of(a);

	assert_in_range(seg, 0, NR_SEGS - 1);
	*out = fake_vcpu(v)->seg[seg];
}

static const struct virt_ops fake_ops = {
	.name = "fake",
	.cpu_init = fake_cpu_init,
	.vm_init = fake_vm_init,
	.vm_map = fake_vm_map,
	.vm_unmap = fake_vm_unmap,
	.vm_free = fake_vm_free,
	.vcpu_init = fake_vcpu_init,
	.vcpu_free = fake_vcpu_free,
	.vcpu_reset = fake_vcpu_reset,
	.vcpu_load = fake_vcpu_load,
	.vcpu_put = fake_vcpu_put,
	.vcpu_flush_tlb = fake_vcpu_flush_tlb,
	.vcpu_run = fake_vcpu_run,
	.vcpu_inject = fake_vcpu_inject,
	.vcpu_can_take = fake_vcpu_can_take,
	.vcpu_want_windows = fake_vcpu_want_windows,
	.vcpu_get_msr = fake_vcpu_get_msr,
	.vcpu_set_msr = fake_vcpu_set_msr,
	.vcpu_get_crs = fake_vcpu_get_crs,
	.vcpu_set_cr2 = fake_vcpu_set_cr2,
	.vcpu_set_cr = fake_vcpu_set_cr,
	.vcpu_get_dr = fake_vcpu_get_dr,
	.vcpu_set_dr = fake_vcpu_set_dr,
	.vcpu_get_seg = fake_vcpu_get_seg,
	.vm_translate = fake_vm_translate,
};

const struct virt_ops *virt = &fake_ops;
