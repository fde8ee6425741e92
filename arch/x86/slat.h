/* A VM's second-level address translation: the tables that take its
 * guest-physical addresses to host-physical ones, AMD's nested page tables
 * or Intel's EPT. pagetable.c builds both; what differs is the entry
 * format and how virt.h's rights and memory types become leaf bits, which
 * each back end gives as a function. */
#ifndef ARCH_X86_SLAT_H
#define ARCH_X86_SLAT_H

#include "arch/x86/pagetable.h"
#include "arch/x86/virt.h"

typedef u64 (*slat_leaf_fn)(u32 rights, enum cache_type type);

struct slat {
	struct pagetable pt;
	slat_leaf_fn leaf;
};

/* 0, or -1 without memory for the root table. */
int slat_init(struct slat *s, enum pt_format format, bool allow_1g, slat_leaf_fn leaf);
/* virt.h's vm_map, vm_unmap, vm_protect and vm_translate, on vm->slat:
 * both back ends' ops. A page must be readable (neither format is used
 * with execute- or write-only pages). */
int slat_vm_map(struct vm_arch *vm, u64 gpa, u64 hpa, u64 size, u32 rights,
		enum cache_type type);
int slat_vm_unmap(struct vm_arch *vm, u64 gpa, u64 size);
int slat_vm_protect(struct vm_arch *vm, u64 gpa, u64 size, u32 rights, enum cache_type type);
bool slat_vm_translate(const struct vm_arch *vm, u64 gpa, u64 *hpa);
/* Gives back every table; s may be half set up. */
void slat_free(struct slat *s);

/* Zeroed pages for hardware structures (VMCB, VMCS, bitmaps, tables), in
 * lucid's identity mapping; NULL when there are none. pa_of: the physical
 * address the hardware takes for one. */
void *slat_zalloc_pages(u64 n);
void slat_free_pages(void *p, u64 n);
static inline u64 pa_of(const void *p)
{
	return (u64)(uintptr_t)p; /* lucid is identity-mapped */
}

#endif
