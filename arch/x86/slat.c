/* Second-level address translation, for both back ends (see slat.h). */
#include "arch/x86/slat.h"
#include "hv/mm/page_alloc.h"
#include "lib/string.h"

void *slat_zalloc_pages(u64 n)
{
	u64 pa = page_alloc(n, PAGE_SIZE, PA_NO_LIMIT);

	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, n * PAGE_SIZE);
	return (void *)(uintptr_t)pa;
}

void slat_free_pages(void *p, u64 n)
{
	if (p)
		page_free((u64)(uintptr_t)p, n);
}

static u64 *table_alloc(void *ctx)
{
	(void)ctx;
	return slat_zalloc_pages(1);
}

static void table_free(u64 *table, void *ctx)
{
	(void)ctx;
	slat_free_pages(table, 1);
}

int slat_init(struct slat *s, enum pt_format format, bool allow_1g, slat_leaf_fn leaf)
{
	s->leaf = leaf;
	return pt_init(&s->pt, format, allow_1g, table_alloc, NULL) ? -1 : 0;
}

void slat_free(struct slat *s)
{
	if (s->pt.root)
		pt_destroy(&s->pt, table_free);
}

int slat_vm_map(struct vm_arch *vm, u64 gpa, u64 hpa, u64 size, u32 rights,
		enum cache_type type)
{
	if (!(rights & GPA_R))
		return -1;
	return pt_map(&vm->slat->pt, gpa, hpa, size, vm->slat->leaf(rights, type)) ? -1 : 0;
}

int slat_vm_unmap(struct vm_arch *vm, u64 gpa, u64 size)
{
	return pt_unmap(&vm->slat->pt, gpa, size) ? -1 : 0;
}

int slat_vm_protect(struct vm_arch *vm, u64 gpa, u64 size, u32 rights, enum cache_type type)
{
	if (!(rights & GPA_R))
		return -1;
	return pt_protect(&vm->slat->pt, gpa, size, vm->slat->leaf(rights, type)) ? -1 : 0;
}

bool slat_vm_translate(const struct vm_arch *vm, u64 gpa, u64 *hpa)
{
	u64 flags;

	return pt_lookup(&vm->slat->pt, gpa, hpa, &flags);
}
