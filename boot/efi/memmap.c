/* lucid.efi: the memory-map work. Claims lucid's fixed physical range while
 * boot services run, then takes the firmware's final map, converts it into
 * boot_info.mem[] (sorted, adjacent ranges of one type merged) and leaves
 * boot services. Between GetMemoryMap and ExitBootServices nothing may
 * allocate, so this file prints only on the first attempt and never after
 * ExitBootServices was called. */
#include "boot/efi/loader.h"

/* Allocating the map buffer itself can split a free range or two. */
#define MAP_SLACK 8

/* The free parts of lucid's range, held as placeholders until the kernel is
 * copied there after ExitBootServices. A 16 MiB window rarely has more than
 * a few; running out is reported, not ignored. */
#define MAX_CLAIMS 32

static struct {
	u64 lo, hi;
	u32 n;
	struct { u64 base, pages; } piece[MAX_CLAIMS];
} claim;

/* UEFI's memory types as lucid's; 0 for the reserved ones. Loader and
 * boot-services memory is free once boot services have exited. */
static const u32 mem_types[] = {
	[EfiConventionalMemory] = MEM_USABLE,
	[EfiLoaderCode] = MEM_USABLE,
	[EfiLoaderData] = MEM_USABLE,
	[EfiBootServicesCode] = MEM_USABLE,
	[EfiBootServicesData] = MEM_USABLE,
	[EfiACPIReclaimMemory] = MEM_ACPI_RECLAIM,
	[EfiACPIMemoryNVS] = MEM_ACPI_NVS,
	[EfiUnusableMemory] = MEM_BAD,
};

static u32 mem_type(UINT32 efi_type)
{
	u32 t = efi_type < ARRAY_SIZE(mem_types) ? mem_types[efi_type] : 0;

	return t ? t : MEM_RESERVED;
}

/* Inserts [base, base+size) in address order, merging it with a neighbour
 * of the same type. Firmware maps are usually sorted already, so the
 * position is searched from the end. */
static bool mem_add(struct boot_info *bi, u64 base, u64 size, u32 type)
{
	struct mem_range *m = bi->mem;
	u32 i = bi->nmem;

	while (i > 0 && m[i - 1].base > base)
		i--;
	if (i > 0 && m[i - 1].type == type && m[i - 1].base + m[i - 1].size == base) {
		m[i - 1].size += size;
		if (i < bi->nmem && m[i].type == type && m[i].base == base + size) {
			m[i - 1].size += m[i].size;
			bi->nmem--;
			for (u32 j = i; j < bi->nmem; j++)
				m[j] = m[j + 1];
		}
		return true;
	}
	if (i < bi->nmem && m[i].type == type && m[i].base == base + size) {
		m[i].base = base;
		m[i].size += size;
		return true;
	}
	if (bi->nmem == BOOT_MAX_MEM)
		return false;
	for (u32 j = bi->nmem; j > i; j--)
		m[j] = m[j - 1];
	m[i] = (struct mem_range){ .base = base, .size = size, .type = type };
	bi->nmem++;
	return true;
}

static bool mem_convert(struct boot_info *bi, const u8 *map, UINTN size, UINTN dsize)
{
	bi->nmem = 0;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);

		if (d->NumberOfPages == 0)
			continue;
		if (!mem_add(bi, d->PhysicalStart, d->NumberOfPages << EFI_PAGE_SHIFT,
			     mem_type(d->Type)))
			return false;
	}
	return true;
}

/* Allocates a buffer with room for the map plus slack and fills it: *cap is
 * the buffer's size, *size the map's. NULL, said on the console, where the
 * firmware gives no map or no memory for it. */
static u8 *map_buffer(UINTN *cap, UINTN *size_out, UINTN *dsize)
{
	UINTN size = 0, key;
	UINT32 dver;
	u8 *buf;

	while (uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, dsize, &dver) ==
	       EFI_BUFFER_TOO_SMALL) {
		size += MAP_SLACK * *dsize;
		buf = AllocatePool(size);
		if (!buf)
			break;
		*cap = size;
		if (uefi_call_wrapper(BS->GetMemoryMap, 5, &size, buf, &key, dsize, &dver) ==
		    EFI_SUCCESS) {
			*size_out = size;
			return buf;
		}
		FreePool(buf);
		size = 0;
	}
	Print(L"lucid.efi: cannot get the memory map\n");
	return NULL;
}

static const CHAR16 *efi_type_name(UINT32 type)
{
	static const CHAR16 *const names[] = {
		L"reserved", L"loader code", L"loader data", L"boot services code",
		L"boot services data", L"runtime services code", L"runtime services data",
		L"free", L"unusable", L"ACPI reclaim", L"ACPI NVS", L"MMIO",
		L"MMIO port space", L"PAL code", L"persistent",
	};

	return type < ARRAY_SIZE(names) ? names[type] : L"unknown";
}

/* Memory the firmware stops using at ExitBootServices. */
static bool freed_at_exit(UINT32 type)
{
	return type == EfiBootServicesCode || type == EfiBootServicesData;
}

static bool claimed(u64 lo, u64 hi)
{
	for (u32 i = 0; i < claim.n; i++) {
		u64 b = claim.piece[i].base, e = b + (claim.piece[i].pages << EFI_PAGE_SHIFT);

		if (lo >= b && hi <= e)
			return true;
	}
	return false;
}

/* Returns the first part of a descriptor inside the claimed range that lucid
 * cannot overwrite: neither claimed by us nor given up by the firmware at
 * ExitBootServices. */
static bool conflicts(const EFI_MEMORY_DESCRIPTOR *d)
{
	u64 lo = MAX(d->PhysicalStart, claim.lo);
	u64 hi = MIN(d->PhysicalStart + (d->NumberOfPages << EFI_PAGE_SHIFT), claim.hi);

	if (lo >= hi || d->Type == EfiConventionalMemory || freed_at_exit(d->Type))
		return false;
	return !claimed(lo, hi);
}

/* Whether all of lucid's range is claimed or freed at ExitBootServices;
 * checked again on the final map, since boot services may have freed pages
 * there since memmap_claim, and our own later allocations may have landed
 * there. */
static bool claim_holds(const u8 *map, UINTN size, UINTN dsize)
{
	for (UINTN off = 0; off + dsize <= size; off += dsize)
		if (conflicts((const void *)(map + off)))
			return false;
	return true;
}

static void print_conflicts(const u8 *map, UINTN size, UINTN dsize)
{
	Print(L"lucid.efi: cannot load lucid: 0x%lx-0x%lx is in use:\n", claim.lo, claim.hi);
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);

		if (conflicts(d))
			Print(L"lucid.efi:   0x%lx-0x%lx is %s\n", d->PhysicalStart,
			      d->PhysicalStart + (d->NumberOfPages << EFI_PAGE_SHIFT),
			      efi_type_name(d->Type));
	}
}

void memmap_release(void)
{
	for (u32 i = 0; i < claim.n; i++)
		uefi_call_wrapper(BS->FreePages, 2, claim.piece[i].base, claim.piece[i].pages);
	claim.n = 0;
	claim.lo = claim.hi = 0;
}

/* lucid runs at fixed physical addresses, which firmware often uses for its
 * own boot-services data (OVMF does). Like GRUB, lucid.efi accepts that: it
 * allocates the free parts of [lo, hi) so nothing else lands there, and the
 * boot-services parts become free at ExitBootServices. Anything else there
 * (runtime services, ACPI, MMIO, another loader's data) stops the boot. */
EFI_STATUS memmap_claim(u64 lo, u64 hi)
{
	UINTN cap, size, dsize;
	EFI_STATUS st = EFI_SUCCESS;
	u8 *map = map_buffer(&cap, &size, &dsize);
	u64 covered = 0;

	if (!map)
		return EFI_OUT_OF_RESOURCES;
	claim.lo = lo;
	claim.hi = hi;
	claim.n = 0;
	for (UINTN off = 0; off + dsize <= size && !EFI_ERROR(st); off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);
		u64 b = MAX(d->PhysicalStart, lo);
		u64 e = MIN(d->PhysicalStart + (d->NumberOfPages << EFI_PAGE_SHIFT), hi);

		if (b >= e)
			continue;
		covered += e - b;
		if (d->Type != EfiConventionalMemory)
			continue;
		if (claim.n == MAX_CLAIMS) {
			Print(L"lucid.efi: 0x%lx-0x%lx is split into more than %d free pieces\n",
			      lo, hi, MAX_CLAIMS);
			st = EFI_OUT_OF_RESOURCES;
			break;
		}
		st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderData,
				       (e - b) >> EFI_PAGE_SHIFT, &b);
		if (EFI_ERROR(st))
			Print(L"lucid.efi: cannot claim free memory 0x%lx-0x%lx (%r)\n", b, e, st);
		else
			claim.piece[claim.n++] = (typeof(claim.piece[0])){ b, (e - b) >> EFI_PAGE_SHIFT };
	}
	/* Holes in the map (no descriptor at all) are not RAM. */
	if (!EFI_ERROR(st) && covered != hi - lo) {
		Print(L"lucid.efi: cannot load lucid: 0x%lx-0x%lx is not all RAM\n", lo, hi);
		st = EFI_LOAD_ERROR;
	}
	if (!EFI_ERROR(st) && !claim_holds(map, size, dsize)) {
		print_conflicts(map, size, dsize);
		st = EFI_LOAD_ERROR;
	}
	FreePool(map);
	if (EFI_ERROR(st))
		memmap_release();
	return st;
}

static __noreturn void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN cap, size, key, dsize;
	UINT32 dver;
	EFI_STATUS st;
	u8 *map = map_buffer(&cap, &size, &dsize);

	if (!map)
		return EFI_OUT_OF_RESOURCES;
	for (int try = 0; try < 2; try++) {
		const CHAR16 *why = NULL;

		size = cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &dsize, &dver);
		if (EFI_ERROR(st)) {
			why = L"cannot get the memory map";
		} else if (!claim_holds(map, size, dsize)) {
			why = L"lucid's range was taken after it was claimed";
			st = EFI_LOAD_ERROR;
		} else if (!mem_convert(bi, map, size, dsize)) {
			why = L"the memory map has more ranges than boot_info holds";
			st = EFI_OUT_OF_RESOURCES;
		}
		if (why && try > 0)
			break;
		if (why) {
			if (st == EFI_LOAD_ERROR)
				print_conflicts(map, size, dsize);
			Print(L"lucid.efi: %s (%r)\n", why, st);
			FreePool(map);
			return st;
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (st == EFI_SUCCESS)
		return st;
	/* Boot services are half gone: no printing, no return to firmware. */
	halt();
}
