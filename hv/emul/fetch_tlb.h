/* A small per-vCPU TLB for the instruction bytes lucid reads at CS:RIP.
 * Without nRIP or decode assists every exit whose instruction lucid
 * completes, and every MMIO exit, needs those bytes, and a walk of the
 * guest's page tables costs more than the rest of the exit. Most exits
 * come from a few places, so each entry keeps a walk's result with the
 * entries it read (struct gpt_trace): a hit is a compare of the paging
 * registers and of those few entries, so it sees every change a guest can
 * make to its tables, with or without INVLPG. */
#ifndef HV_FETCH_TLB_H
#define HV_FETCH_TLB_H

#include "hv/emul/guest_paging.h"

#define FETCH_TLB_SIZE 4	/* entries, chosen by the page's low bits */

struct fetch_tlb_entry {
	u64 tag;		/* linear page number + 1; 0: empty */
	struct guest_crs crs;
	u8 cpl;
	struct gpt_trace walk;
	const u8 *page;		/* the code page in lucid's mapping */
};

/* Holds pointers into the VM's RAM: flushed whenever a vCPU is reset, and
 * must be whenever the VM's RAM (struct guest_mem) changes. */
struct fetch_tlb {
	struct fetch_tlb_entry e[FETCH_TLB_SIZE];
};

void fetch_tlb_flush(struct fetch_tlb *t);

/* The miss: walks, and fills the entry if the page is RAM. */
const u8 *fetch_tlb_fill(struct fetch_tlb *t, const struct gpt_ctx *c, u64 la);

/* A hit only: the bytes from linear la to the end of its page, in lucid's
 * mapping, where an entry holds la's page for these paging registers and
 * CPL and the entries its walk read still hold what they did; else NULL.
 * Inline: a hit is most of what an exit without nRIP adds, and it needs
 * nothing of the walk's context but what it compares. */
static inline const u8 *fetch_tlb_hit(const struct fetch_tlb *t, const struct guest_crs *crs,
				      u8 cpl, u64 la)
{
	u64 tag = (la >> PAGE_SHIFT) + 1;
	const struct fetch_tlb_entry *e = &t->e[tag % FETCH_TLB_SIZE];

	if (e->tag != tag || e->crs.cr3 != crs->cr3 || e->crs.cr0 != crs->cr0 ||
	    e->crs.cr4 != crs->cr4 || e->crs.efer != crs->efer || e->cpl != cpl)
		return NULL;
	if (!gpt_trace_holds(&e->walk))
		return NULL;
	return e->page + (la & (PAGE_SIZE - 1));
}

/* The bytes from linear la to the end of its page, in lucid's mapping,
 * as an instruction fetch in context c sees them; NULL where the walk
 * faults or the page is not RAM (the caller finds out which). */
static inline const u8 *fetch_tlb_code(struct fetch_tlb *t, const struct gpt_ctx *c, u64 la)
{
	const u8 *p = fetch_tlb_hit(t, &c->crs, c->cpl, la);

	return p ? p : fetch_tlb_fill(t, c, la);
}

#endif
