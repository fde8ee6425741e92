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

#include "hv/emul/guest_mem.h"
#include "lib/types.h"

/* What the walk needs of the vCPU. */
struct gpt_ctx {
	u64 cr0, cr3, cr4, efer;
	u64 rflags;			/* for SMAP: EFLAGS.AC */
	u8 cpl;
	const struct guest_mem *mem;	/* the tables live here */
};

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
