/* The instruction-fetch TLB's misses (see fetch_tlb.h). */
#include "hv/emul/fetch_tlb.h"
#include "lib/string.h"

void fetch_tlb_flush(struct fetch_tlb *t)
{
	memset(t, 0, sizeof(*t));
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
