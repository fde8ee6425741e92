/* Walking the guest's page tables (see guest_paging.h). One loop serves
 * every format: they differ only in entry width, index bits per level,
 * how many levels, and PAE's four PDPTEs in front. */
#include "hv/emul/guest_paging.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pagetable.h"

struct walk_format {
	u64 table;	/* guest-physical address of the top table */
	int levels;
	int width;	/* entry size: 4 or 8 bytes */
	int bits;	/* address bits each level indexes: 10 or 9 */
	int top_shift;	/* the lowest address bit the top level indexes */
	bool nx;	/* entries have an NX bit */
};

/* 32-bit paging maps a 4 MiB page's physical bits 39:32 from PDE bits 20:13
 * (PSE-36); the other formats keep the address where it is. */
static u64 leaf_base(u64 e, int width, u64 size)
{
	if (width == 4 && size == PAGE_SIZE)
		return e & 0xfffff000ull;
	if (width == 4)
		return (e & 0xffc00000ull) | ((e & 0x1fe000ull) << 19);
	return e & PTE_ADDR & ~(size - 1);
}

/* PAE: CR3 points at four PDPTEs, which hold no rights and no A bit. */
static enum gpt_result pae_pdpte(const struct gpt_ctx *c, u64 la, u64 *table, u64 *gpa,
				  struct gpt_trace *t)
{
	u64 addr = (c->crs.cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8;
	const void *p = gmem_ptr(c->mem, addr, 8);
	u64 e;

	if (!p) {
		*gpa = addr;
		return GPT_BAD_TABLE;
	}
	e = gpt_read_entry(p, 8);
	if (!(e & PTE_P))
		return GPT_FAULT;
	*table = e & PTE_ADDR;
	t->entry[t->n] = p;
	t->value[t->n++] = e;
	return GPT_OK;
}

static u32 fault_bits(const struct gpt_ctx *c, unsigned access, bool nx_paging)
{
	u32 err = 0;

	if (access & GPT_WRITE)
		err |= PF_WRITE;
	if (c->cpl == 3)
		err |= PF_USER;
	/* I/D is reported only where fetches can fault for it. */
	if ((access & GPT_FETCH) && ((nx_paging && (c->crs.efer & EFER_NXE)) || (c->crs.cr4 & CR4_SMEP)))
		err |= PF_FETCH;
	return err;
}

/* The rights the walk gathered against the access; true if allowed. */
static bool allowed(const struct gpt_ctx *c, unsigned access, bool w, bool u, bool nx)
{
	bool user = c->cpl == 3;

	if (user && !u)
		return false;
	if ((access & GPT_WRITE) && !w && (user || (c->crs.cr0 & CR0_WP)))
		return false;
	if ((access & GPT_FETCH) && nx)
		return false;
	if (!user && u) {
		if ((access & GPT_FETCH) && (c->crs.cr4 & CR4_SMEP))
			return false;
		if (!(access & GPT_FETCH) && (c->crs.cr4 & CR4_SMAP) && !(c->rflags & RFLAGS_AC))
			return false;
	}
	return true;
}

enum gpt_result gpt_translate(const struct gpt_ctx *c, u64 la, unsigned access, u64 *gpa,
			      u32 *pf_error)
{
	struct walk_format f;
	struct gpt_trace t = { 0 };
	u8 first;	/* t's first entry of the walk below (PAE's PDPTE before) */
	bool w = true, u = true, nx = false;
	enum gpt_result r;

	if (!(c->crs.cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffull;
		if (c->trace)
			*c->trace = t;
		return GPT_OK;
	}
	if (c->crs.efer & EFER_LMA) {
		int levels = (c->crs.cr4 & CR4_LA57) ? 5 : 4;
		f = (struct walk_format){ c->crs.cr3 & PTE_ADDR, levels, 8, 9, 12 + 9 * (levels - 1), true };
	} else if (c->crs.cr4 & CR4_PAE) {
		f = (struct walk_format){ 0, 2, 8, 9, 21, true };
		la &= 0xffffffffull;
		r = pae_pdpte(c, la, &f.table, gpa, &t);
		if (r == GPT_FAULT)
			*pf_error = fault_bits(c, access, true);
		if (r != GPT_OK)
			return r;
	} else {
		f = (struct walk_format){ c->crs.cr3 & 0xfffff000ull, 2, 4, 10, 22, false };
		la &= 0xffffffffull;
	}

	first = t.n;
	for (int i = 0, shift = f.top_shift; i < f.levels; i++, shift -= f.bits) {
		u64 addr, e, size;
		void *p;

		addr = f.table + ((la >> shift) & ((1ull << f.bits) - 1)) * (u64)f.width;
		p = gmem_ptr(c->mem, addr, (u64)f.width);
		if (!p) {
			*gpa = addr;
			return GPT_BAD_TABLE;
		}
		e = gpt_read_entry(p, f.width);
		if (!(e & PTE_P)) {
			*pf_error = fault_bits(c, access, f.nx);
			return GPT_FAULT;
		}
		t.entry[t.n] = p;
		t.value[t.n++] = e | PTE_A;
		w = w && (e & PTE_W);
		u = u && (e & PTE_U);
		nx = nx || (f.nx && (c->crs.efer & EFER_NXE) && (e & PTE_NX));

		/* A large page: 2 MiB/1 GiB (PS in a PD/PDPT entry), or 4 MiB
		 * in 32-bit paging with CR4.PSE. */
		bool large = (e & PTE_PS) && i < f.levels - 1 && shift <= 30 &&
			     (f.width == 8 || (c->crs.cr4 & CR4_PSE));
		if (i < f.levels - 1 && !large) {
			f.table = e & (f.width == 8 ? PTE_ADDR : 0xfffff000ull);
			continue;
		}
		if (!allowed(c, access, w, u, nx)) {
			*pf_error = fault_bits(c, access, f.nx) | PF_PRESENT;
			return GPT_FAULT;
		}
		/* Accessed bits in what the walk read; PAE's PDPTEs have none. */
		for (u8 j = first; j < t.n; j++)
			__atomic_fetch_or((u32 *)t.entry[j], (u32)PTE_A, __ATOMIC_RELAXED);
		if (access & GPT_WRITE) {
			__atomic_fetch_or((u32 *)p, (u32)PTE_D, __ATOMIC_RELAXED);
			t.value[t.n - 1] |= PTE_D;
		}
		if (c->trace) {
			t.width = (u8)f.width;
			*c->trace = t;
		}
		size = 1ull << shift;
		*gpa = leaf_base(e, f.width, size) | (la & (size - 1));
		return GPT_OK;
	}
	*pf_error = 0;
	return GPT_FAULT; /* not reached: the last level is always a leaf */
}
