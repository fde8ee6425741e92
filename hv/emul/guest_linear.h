/* Memory through the guest's eyes, for the instructions lucid completes
 * on its behalf (INS/OUTS, MMIO): segment:offset becomes a linear address
 * (segmentation, with its limit and rights checks), then a guest-physical
 * one (the guest's paging, guest_paging.h), then bytes of the VM's RAM.
 * A check that fails queues the exception the CPU would raise (#GP, #SS,
 * #PF with CR2) or, for what lucid cannot complete, crashes the VM; either
 * way the caller returns g->fail from its exit handler. */
#ifndef HV_GUEST_LINEAR_H
#define HV_GUEST_LINEAR_H

#include "arch/x86/virt.h"
#include "hv/emul/guest_paging.h"

struct vcpu;

/* The vCPU's view, read once per instruction. */
struct glin {
	struct vcpu *v;
	struct gpt_ctx pt;
	bool long_mode;		/* 64-bit code */
	bool protected_mode;	/* CR0.PE and not virtual-8086 */
	enum exit_action fail;	/* what to return when a call says false */
};

void glin_init(struct glin *g, struct vcpu *v, const struct exit_record *x);

/* The address size (2, 4 or 8 bytes) of an instruction without a 0x67
 * prefix: the code segment's default. */
u8 glin_default_addr_size(const struct glin *g);

/* Where n bytes (at most a page) at seg:offset lie in the VM's RAM, after
 * every check the access needs (offset taken modulo the address size).
 * False: g->fail says what to do. Separate from the copy so that a device
 * is only read once its data has somewhere to go. */
struct glin_ref {
	u64 gpa[2];
	u32 part[2];	/* bytes on the first and the second page */
};
bool glin_map(struct glin *g, enum seg_reg seg, u64 offset, u8 addr_size, u32 n,
	      unsigned access, struct glin_ref *ref);
void glin_put(struct glin *g, const struct glin_ref *ref, const void *buf);
void glin_get(struct glin *g, const struct glin_ref *ref, void *buf);

/* Up to n instruction bytes at CS:RIP, fewer where the code ends at a page
 * that cannot be fetched (the instruction may be shorter). Returns the
 * count; 0 with g->fail set if not even the first byte can be fetched. */
u32 glin_fetch(struct glin *g, u8 *buf, u32 n);

/* The bytes at CS:RIP where they lie in lucid's mapping of the guest's
 * RAM, *n of them up to the end of the page, with no copy; NULL if the
 * first page cannot be fetched (glin_fetch then says why). The guest may
 * change them while lucid reads: read each byte once. */
const u8 *glin_code(struct glin *g, u32 *n);

#endif
