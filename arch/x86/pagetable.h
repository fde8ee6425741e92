/* 4-level page tables: map, unmap and look up ranges. Two entry formats
 * share one walker, because they differ only in a few flag bits: the x86-64
 * format (lucid's own address space, and AMD's nested page tables, which
 * use it unchanged) and Intel's EPT. Both have the same shape, the same
 * address bits (51:12) and the same large-page bit (PTE_PS); EPT has no
 * present bit (an entry is present when it allows read, write or execute)
 * and keeps the memory type in the leaf. Ranges are mapped with the
 * largest pages their alignment allows (1 GiB where permitted, 2 MiB,
 * else 4 KiB); unmapping part of a large page splits it. Table pages are
 * addressed directly (lucid is identity-mapped), so this is pure code,
 * unit-tested on the host. */
#ifndef ARCH_X86_PAGETABLE_H
#define ARCH_X86_PAGETABLE_H

#include "lib/types.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_FLAGS (~PTE_ADDR & ~PTE_PS)

/* EPT leaf bits (Intel SDM vol. 3C, 29.3.2). Whether a combination is
 * allowed (write without read needs the CPU's execute-only support) is the
 * caller's to decide. */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_UC (0ull << 3)
#define EPT_MT_WC (1ull << 3)
#define EPT_MT_WT (4ull << 3)
#define EPT_MT_WP (5ull << 3)
#define EPT_MT_WB (6ull << 3)
#define EPT_MT_MASK (7ull << 3)
#define EPT_IGNORE_PAT (1ull << 6)

enum pt_format {
	PT_FORMAT_X86,  /* lucid's own tables and AMD NPT; addresses canonical */
	PT_FORMAT_EPT,  /* Intel EPT; addresses guest-physical, below 2^48 */
};

/* Returns a zeroed, page-aligned page for a table, or NULL. */
typedef u64 *(*pt_alloc_fn)(void *ctx);

struct pagetable {
	u64 *root;        /* the PML4 */
	enum pt_format format;
	bool allow_1g;    /* CPU supports 1 GiB pages */
	pt_alloc_fn alloc;
	void *ctx;
};

enum {
	PT_OK = 0,
	PT_ENOMEM = -1,   /* no page for a table */
	PT_EEXIST = -2,   /* part of the range is already mapped */
	PT_EINVAL = -3,   /* unaligned, outside the address space, or no access */
};

int pt_init(struct pagetable *pt, enum pt_format format, bool allow_1g, pt_alloc_fn alloc,
	    void *ctx);
/* Maps [va, va+size) to [pa, pa+size) with leaf flags in the table's
 * format. x86: PTE_P is implied. EPT: the flags must allow some access
 * (EPT_R, EPT_W or EPT_X), as a leaf without is not present; else
 * PT_EINVAL. Fails without changing anything visible if part is already
 * mapped. */
int pt_map(struct pagetable *pt, u64 va, u64 pa, u64 size, u64 flags);
/* Unmaps [va, va+size); unmapped holes inside are fine. The caller flushes
 * the TLB. */
int pt_unmap(struct pagetable *pt, u64 va, u64 size);
/* Gives every page mapped in [va, va+size) the leaf flags `flags` (as for
 * pt_map), addresses kept; holes stay holes. The caller flushes. */
int pt_protect(struct pagetable *pt, u64 va, u64 size, u64 flags);
/* Translates va: returns true and fills *pa and *flags (leaf flags, without
 * PTE_PS) when it is mapped. */
bool pt_lookup(const struct pagetable *pt, u64 va, u64 *pa, u64 *flags);
/* Gives back every table page, the root last. */
typedef void (*pt_free_fn)(u64 *table, void *ctx);
void pt_destroy(struct pagetable *pt, pt_free_fn free_table);

#endif
