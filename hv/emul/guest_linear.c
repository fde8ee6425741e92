/* Segmentation and the guest's paging for instructions lucid completes
 * (see guest_linear.h). */
#include "hv/emul/guest_linear.h"
#include "arch/x86/cpu.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/emul/fetch_tlb.h"
#include "lib/string.h"

#define SEG_ATTR_READABLE SEG_ATTR_WRITABLE	/* the same bit, for code */

void glin_init(struct glin *g, struct vcpu *v, const struct exit_record *x)
{
	/* Field by field: every exit without nRIP comes here. */
	virt->vcpu_get_crs(&v->arch, &g->pt.crs);
	g->pt.rflags = v->regs.rflags;
	g->pt.cpl = x->cpl;
	g->pt.mem = &v->vm->mem;
	g->pt.trace = NULL;
	g->v = v;
	g->long_mode = x->long_mode;
	g->protected_mode = (g->pt.crs.cr0 & CR0_PE) && !(v->regs.rflags & RFLAGS_VM);
	g->fail = ACT_RESUME;
}

u8 glin_default_addr_size(const struct glin *g)
{
	struct guest_seg cs;

	if (g->long_mode)
		return 8;
	virt->vcpu_get_seg(&g->v->arch, SEG_CS, &cs);
	return g->protected_mode && (cs.attr & SEG_ATTR_DB) ? 4 : 2;
}

static bool canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la;
}

static bool seg_fault(struct glin *g, enum seg_reg seg)
{
	g->fail = vcpu_inject_exception(g->v, seg == SEG_SS ? EXC_SS : EXC_GP, true, 0);
	return false;
}

/* The checks the CPU makes on a data access through a segment. */
static bool linear(struct glin *g, enum seg_reg seg, u64 offset, u8 addr_size, u32 n,
		   bool write, u64 *la)
{
	struct guest_seg s;
	u64 last;

	virt->vcpu_get_seg(&g->v->arch, seg, &s);
	offset &= BYTES_MASK(addr_size);
	if (g->long_mode) {
		/* Only FS and GS keep a base; no limits, but canonical. */
		*la = ((seg == SEG_FS || seg == SEG_GS) ? s.base : 0) + offset;
		if (!canonical(*la) || !canonical(*la + n - 1))
			return seg_fault(g, seg);
		return true;
	}
	if (g->protected_mode) {
		bool code = s.attr & SEG_ATTR_CODE;

		if (!(s.attr & SEG_ATTR_P))	/* a null selector */
			return seg_fault(g, seg);
		if (write ? code || !(s.attr & SEG_ATTR_WRITABLE) : code && !(s.attr & SEG_ATTR_READABLE))
			return seg_fault(g, seg);
		if (!code && (s.attr & SEG_ATTR_EXPAND_DOWN)) {
			u64 top = (s.attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
			if (offset <= s.limit || offset + n - 1 > top)
				return seg_fault(g, seg);
			goto ok;
		}
	}
	last = offset + n - 1;
	if (last > s.limit)
		return seg_fault(g, seg);
ok:
	*la = (s.base + offset) & 0xffffffffull;
	return true;
}

static const char *access_name(unsigned access)
{
	return (access & GPT_FETCH) ? "instruction fetch" : (access & GPT_WRITE) ? "write" : "read";
}

/* The guest-physical address of linear la, or the exception or crash. */
static bool translate(struct glin *g, u64 la, unsigned access, u64 *gpa)
{
	u32 err;

	switch (gpt_translate(&g->pt, la, access, gpa, &err)) {
	case GPT_OK:
		return true;
	case GPT_FAULT:
		virt->vcpu_set_cr2(&g->v->arch, la);
		g->fail = vcpu_inject_exception(g->v, EXC_PF, true, err);
		return false;
	case GPT_BAD_TABLE:
		break;
	}
	vm_crash(g->v->vm, g->v, "its page tables for linear 0x%llx point at guest-physical "
		 "0x%llx, which is not the VM's memory", (unsigned long long)la,
		 (unsigned long long)*gpa);
	g->fail = ACT_STOP;
	return false;
}

static bool not_ram(struct glin *g, unsigned access, u64 gpa)
{
	vm_crash(g->v->vm, g->v, "%s of guest-physical 0x%llx, which is not the VM's memory, "
		 "by an instruction lucid completes", access_name(access), (unsigned long long)gpa);
	g->fail = ACT_STOP;
	return false;
}

bool glin_map(struct glin *g, enum seg_reg seg, u64 offset, u8 addr_size, u32 n,
	      unsigned access, struct glin_ref *ref)
{
	u64 la, mask = g->long_mode ? ~0ull : 0xffffffffull;
	u32 room;

	*ref = (struct glin_ref){ 0 };
	if (!n)
		return true;
	if (!linear(g, seg, offset, addr_size, n, access & GPT_WRITE, &la))
		return false;
	room = PAGE_SIZE - (la & (PAGE_SIZE - 1));
	ref->part[0] = n < room ? n : room;
	ref->part[1] = n - ref->part[0];
	for (int i = 0; i < 2 && ref->part[i]; i++) {
		if (!translate(g, (la + (i ? ref->part[0] : 0)) & mask, access, &ref->gpa[i]))
			return false;
	}
	for (int i = 0; i < 2 && ref->part[i]; i++) {
		if (!gmem_is_ram(g->pt.mem, ref->gpa[i], ref->part[i]))
			return not_ram(g, access, ref->gpa[i]);
	}
	return true;
}

void glin_put(struct glin *g, const struct glin_ref *ref, const void *buf)
{
	gmem_write(g->pt.mem, ref->gpa[0], buf, ref->part[0]);
	gmem_write(g->pt.mem, ref->gpa[1], (const u8 *)buf + ref->part[0], ref->part[1]);
}

void glin_get(struct glin *g, const struct glin_ref *ref, void *buf)
{
	gmem_read(g->pt.mem, ref->gpa[0], buf, ref->part[0]);
	gmem_read(g->pt.mem, ref->gpa[1], (u8 *)buf + ref->part[0], ref->part[1]);
}

/* The CPU fetched this instruction already: no segment checks. */
static u64 rip_linear(struct glin *g)
{
	struct guest_seg cs;

	if (g->long_mode)
		return g->v->regs.rip;
	virt->vcpu_get_seg(&g->v->arch, SEG_CS, &cs);
	return (cs.base + g->v->regs.rip) & 0xffffffffull;
}

const u8 *glin_code(struct glin *g, u32 *n)
{
	u64 la = rip_linear(g);
	const u8 *p = fetch_tlb_code(&g->v->fetch_tlb, &g->pt, la);

	*n = (u32)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	return p;
}

u32 glin_fetch(struct glin *g, u8 *buf, u32 n)
{
	u64 la = rip_linear(g), mask = g->long_mode ? ~0ull : 0xffffffffull;
	u32 got = 0;

	while (got < n) {
		u32 chunk = PAGE_SIZE - (la & (PAGE_SIZE - 1));
		const u8 *p = fetch_tlb_code(&g->v->fetch_tlb, &g->pt, la);

		if (!p)
			break;
		if (chunk > n - got)
			chunk = n - got;
		memcpy(buf + got, p, chunk);
		got += chunk;
		la = (la + chunk) & mask;
	}
	if (!got) {
		u64 gpa;

		if (translate(g, la, GPT_FETCH, &gpa))
			not_ram(g, GPT_FETCH, gpa);
	}
	return got;
}
