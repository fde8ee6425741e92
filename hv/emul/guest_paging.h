/* The guest's own page tables, walked the way its CPU walks them: lucid
 * needs this when it completes an instruction for the guest (INS/OUTS,
 * MMIO) whose operands are linear addresses. Nested paging is not
 * involved: the tables and the result are guest-physical.
 *
 * Covered: paging off, 32-bit (4 KiB and 4 MiB pages), PAE, 4- and 5-level
 * long mode; R/W, U/S, NX, SMEP, SMAP and CR0.WP; accessed and dirty bits
 * are set as the CPU would. Not covered: reserved-bit faults (a reserved
 * bit is ignored), protection keys, and the TLB (a walk always sees the
 * tables as they are now). */
#ifndef HV_GUEST_PAGING_H
#define HV_GUEST_PAGING_H

#include "arch/x86/virt.h"
#include "hv/emul/guest_mem.h"
#include "lib/types.h"

#define GPT_MAX_ENTRIES 5	/* 5-level paging reads five entries */

/* The entries one walk used: where they lie in lucid's mapping and what
 * they held once the walk set their accessed bits. While each still holds
 * that value the walk's result stands (hv/emul/fetch_tlb.c). */
struct gpt_trace {
	u8 n;
	u8 width;			/* 4 or 8 bytes */
	const void *entry[GPT_MAX_ENTRIES];
	u64 value[GPT_MAX_ENTRIES];
};

/* What the walk needs of the vCPU. */
struct gpt_ctx {
	struct guest_crs crs;		/* CR0, CR3, CR4, EFER */
	u64 rflags;			/* for SMAP: EFLAGS.AC */
	u8 cpl;
	const struct guest_mem *mem;	/* the tables live here */
	struct gpt_trace *trace;	/* filled on GPT_OK where not NULL */
};

static inline u64 gpt_read_entry(const void *p, int width)
{
	return width == 8 ? __atomic_load_n((const u64 *)p, __ATOMIC_RELAXED)
			  : __atomic_load_n((const u32 *)p, __ATOMIC_RELAXED);
}

/* True while every entry the walk used holds what it held then. */
static inline bool gpt_trace_holds(const struct gpt_trace *t)
{
	u32 n = t->n;	/* read once: the compiler reloads it after each atomic load */

	if (t->width == 8) {
		for (u32 i = 0; i < n; i++)
			if (gpt_read_entry(t->entry[i], 8) != t->value[i])
				return false;
	} else {
		for (u32 i = 0; i < n; i++)
			if (gpt_read_entry(t->entry[i], 4) != t->value[i])
				return false;
	}
	return true;
}

/* Kinds of access (flags). */
#define GPT_WRITE 1u
#define GPT_FETCH 2u

/* #PF error code bits. */
#define PF_PRESENT 1u	/* a protection fault, not a missing page */
#define PF_WRITE   2u
#define PF_USER    4u
#define PF_FETCH   16u

enum gpt_result {
	GPT_OK,
	GPT_FAULT,	/* the guest takes #PF with *pf_error, CR2 = the address */
	GPT_BAD_TABLE,	/* a table entry is not in the VM's RAM: *gpa says where */
};

/* Translates linear address la for an access of the given kind at the
 * context's CPL; on GPT_OK *gpa is the guest-physical address. */
enum gpt_result gpt_translate(const struct gpt_ctx *c, u64 la, unsigned access, u64 *gpa,
			      u32 *pf_error);

#endif
