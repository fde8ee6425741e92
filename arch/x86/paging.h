/* lucid's own address space: physical memory identity-mapped, with W^X
 * rights on lucid's image and guard pages under every stack. */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "arch/x86/percpu.h"
#include "hv/mm/memmap.h"

/* Builds the final page tables from the memory map and switches to them.
 * Panics if it cannot (out of memory this early is fatal). */
void paging_init(const struct memmap *m);
/* Maps [pa, pa+size) uncached, for device registers. */
void paging_map_mmio(u64 pa, u64 size);
/* A stack of STACK_SIZE bytes with an unmapped guard page below it. */
struct stack_range stack_alloc(void);
/* End of the identity map: physical addresses below it are readable. */
u64 paging_direct_map_top(void);

#endif
