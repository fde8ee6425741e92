/* The final page tables. Everything up to the top of RAM (and at least the
 * first 4 GiB, where firmware puts device registers) is identity-mapped
 * read-write and non-executable, except:
 *   - page 0, left unmapped so null pointers fault;
 *   - lucid's text (read-execute), rodata (read-only), data/bss (read-write);
 *   - guard pages below stacks, unmapped.
 * Table pages come from the page allocator, below 4 GiB while the early
 * tables (which map only 4 GiB) are still live. */
#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pagetable.h"
#include "arch/x86/trap.h"
#include "hv/mm/page_alloc.h"
#include "lib/string.h"

extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
	__data_start[], __data_end[], boot_stack_guard[];

static struct pagetable kpt;
static u64 alloc_limit = GiB(4);
static u64 direct_map_top = GiB(4); /* the early tables' reach */

#define A(sym) ((u64)(uintptr_t)(sym))

static u64 *table_alloc(void *ctx)
{
	(void)ctx;
	u64 pa = page_alloc(1, PAGE_SIZE, alloc_limit - 1);
	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
	return (u64 *)(uintptr_t)pa;
}

static void map_or_panic(u64 pa, u64 size, u64 flags, const char *what)
{
	int rc = pt_map(&kpt, pa, pa, size, flags);

	if (rc)
		panic("cannot map %s [0x%llx, 0x%llx): error %d", what, (unsigned long long)pa,
		      (unsigned long long)(pa + size), rc);
}

void paging_init(const struct memmap *m)
{
	bool gb_pages = cpuid(0x80000001, 0).edx & (1u << 26);
	u64 top = ALIGN_UP(MAX(GiB(4), memmap_top(m, MEM_USABLE)), GiB(1));

	top = MAX(top, ALIGN_UP(memmap_top(m, MEM_ACPI_RECLAIM), GiB(1)));
	if (pt_init(&kpt, PT_FORMAT_X86, gb_pages, table_alloc, NULL))
		panic("no memory for the page tables");

	map_or_panic(PAGE_SIZE, A(__image_start) - PAGE_SIZE, PTE_W | PTE_NX, "low memory");
	map_or_panic(A(__text_start), A(__text_end) - A(__text_start), 0, "text");
	map_or_panic(A(__rodata_start), A(__rodata_end) - A(__rodata_start), PTE_NX, "rodata");
	map_or_panic(A(__data_start), A(boot_stack_guard) - A(__data_start), PTE_W | PTE_NX, "data");
	map_or_panic(A(boot_stack_guard) + PAGE_SIZE, A(__data_end) - A(boot_stack_guard) - PAGE_SIZE,
		     PTE_W | PTE_NX, "boot stack");
	map_or_panic(A(__data_end), top - A(__data_end), PTE_W | PTE_NX, "memory");

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP); /* rights hold for lucid itself too */
	write_cr3(A(kpt.root));
	alloc_limit = PA_NO_LIMIT;
	direct_map_top = top;
}

void paging_map_mmio(u64 pa, u64 size)
{
	u64 a = ALIGN_DOWN(pa, PAGE_SIZE), b = ALIGN_UP(pa + size, PAGE_SIZE);

	if (pt_unmap(&kpt, a, b - a))
		panic("cannot remap MMIO at 0x%llx", (unsigned long long)pa);
	map_or_panic(a, b - a, PTE_W | PTE_NX | PTE_PCD | PTE_PWT, "MMIO");
	write_cr3(read_cr3());
}

struct stack_range stack_alloc(void)
{
	u64 pages = STACK_SIZE / PAGE_SIZE + 1;
	u64 pa = page_alloc(pages, PAGE_SIZE, PA_NO_LIMIT);

	if (!pa)
		panic("out of memory for a stack");
	if (pt_unmap(&kpt, pa, PAGE_SIZE))
		panic("cannot unmap a stack guard page");
	invlpg(pa);
	return (struct stack_range){ pa + PAGE_SIZE, pa + pages * PAGE_SIZE };
}

u64 paging_direct_map_top(void)
{
	return direct_map_top;
}
