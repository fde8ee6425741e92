/* The instruction-fetch TLB's misses (see fetch_tlb.h). */
#include "hv/emul/fetch_tlb.h"
#include "lib/string.h"

void fetch_tlb_flush(struct fetch_tlb *t)
{
	memset(t, 0, sizeof(*t));
	fetch_tlb_forget_last(t);
}

void fetch_tlb_remember(struct fetch_tlb *t, u64 rip, const u8 *insn, u8 len)
{
	u64 tag = (rip >> PAGE_SHIFT) + 1, off = rip & (PAGE_SIZE - 1);
	const struct fetch_tlb_entry *e = &t->e[tag % FETCH_TLB_SIZE];
	struct fetch_last *m = &t->last;

	static const u64 zero;

	fetch_tlb_forget_last(t);
	if (e->tag != tag || !len || len > sizeof(m->bytes) || off > PAGE_SIZE - sizeof(m->bytes) ||
	    e->walk.width != 8 || e->walk.n > FETCH_LAST_ENTRIES)
		return;
	for (u32 i = 0; i < FETCH_LAST_ENTRIES; i++) {
		m->entry[i] = i < e->walk.n ? e->walk.entry[i] : &zero;
		m->value[i] = i < e->walk.n ? e->walk.value[i] : 0;
	}
	m->cr3 = e->crs.cr3;
	m->code = e->page + off;
	m->mask = len == sizeof(m->bytes) ? ~0ull : (1ull << (8 * len)) - 1;
	memcpy(&m->bytes, insn, len);	/* the rest is masked off */
	m->len = len;
	m->rip = rip;
}

const u8 *fetch_tlb_fill(struct fetch_tlb *t, const struct gpt_ctx *c, u64 la)
{
	u64 tag = (la >> PAGE_SHIFT) + 1, gpa;
	struct fetch_tlb_entry *e = &t->e[tag % FETCH_TLB_SIZE];
	struct gpt_ctx walk = *c;
	const u8 *page;
	u32 err;

	e->tag = 0;
	walk.trace = &e->walk;
	if (gpt_translate(&walk, la, GPT_FETCH, &gpa, &err) != GPT_OK)
		return NULL;
	/* Guest RAM comes in whole pages (hv/core/guest_ram.c). */
	page = gmem_ptr(c->mem, gpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
	if (!page)
		return NULL;
	e->tag = tag;
	e->crs = c->crs;
	e->cpl = c->cpl;
	e->page = page;
	return page + (la & (PAGE_SIZE - 1));
}
