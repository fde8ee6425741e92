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

/* The instruction lucid last completed in 64-bit code, kept as its bytes:
 * exits without nRIP mostly come back to the same few instructions (a
 * loop's CPUID, a driver's RDMSR), and a hit gives the length with no
 * translating or decoding. It holds while RIP and CR3 are what they were,
 * the entries its walk read hold what they did, and the same bytes lie
 * at the same place. Nothing else changes where 64-bit RIP leads (LA57 is
 * fixed in long mode; a CR4 write outside it forgets the memo), and the
 * CPU has just fetched there, so the fetch's rights need no check. */
#define FETCH_LAST_ENTRIES 4

struct fetch_last {
	u64 rip;	/* FETCH_LAST_NONE: empty */
	u64 cr3;
	const u8 *code;	/* in lucid's mapping; its page goes on 8 bytes or more */
	u64 bytes;	/* the instruction's bytes, under mask */
	u64 mask;
	u8 len;
	/* The entries the walk read and what they held. A slot the walk did
	 * not use points at a zero and holds 0, so a hit compares all four
	 * with no loop; a 5-level walk is not kept. */
	const u64 *entry[FETCH_LAST_ENTRIES];
	u64 value[FETCH_LAST_ENTRIES];
};

#define FETCH_LAST_NONE (1ull << 63)	/* not canonical: never a 64-bit RIP */

/* Holds pointers into the VM's RAM: flushed whenever a vCPU is reset, and
 * must be whenever the VM's RAM (struct guest_mem) changes. */
struct fetch_tlb {
	struct fetch_tlb_entry e[FETCH_TLB_SIZE];
	struct fetch_last last;
};

void fetch_tlb_flush(struct fetch_tlb *t);

/* Remembers insn, len bytes fetched through t at 64-bit RIP a moment ago
 * (so its entry is current), as the last instruction; one longer than 8
 * bytes, or within 8 of its page's end, is not kept. */
void fetch_tlb_remember(struct fetch_tlb *t, u64 rip, const u8 *insn, u8 len);

static inline void fetch_tlb_forget_last(struct fetch_tlb *t)
{
	t->last.rip = FETCH_LAST_NONE;
}

/* The length of the instruction at 64-bit RIP where it is the one
 * remembered, unchanged; else 0. A few dozen instructions: inline, as the
 * one thing most exits without nRIP add. */
static inline u8 fetch_last_len(const struct fetch_tlb *t, u64 rip, u64 cr3)
{
	const struct fetch_last *m = &t->last;
	u64 now, changed = 0;

	if (m->rip != rip || m->cr3 != cr3)
		return 0;
#pragma GCC unroll 4
	for (int i = 0; i < FETCH_LAST_ENTRIES; i++)
		changed |= __atomic_load_n(m->entry[i], __ATOMIC_RELAXED) ^ m->value[i];
	__builtin_memcpy(&now, m->code, sizeof(now)); /* one load: lucid builds -fno-builtin */
	changed |= (now ^ m->bytes) & m->mask;
	return changed ? 0 : m->len;
}

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
