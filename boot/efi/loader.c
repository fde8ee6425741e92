/* lucid.efi: boots lucid straight from UEFI firmware, without GRUB. It
 * carries lucid.elf inside itself, loads it at its physical addresses, loads
 * the files beside it as modules, fills a struct boot_info (boot_info.h) and
 * enters the kernel through its handoff header, boot services exited. */
#include "boot/efi/loader.h"

/* kernel.asm */
extern const u8 lucid_elf_start[] __attribute__((visibility("hidden")));
extern const u8 lucid_elf_end[] __attribute__((visibility("hidden")));

EFI_STATUS alloc_low(u64 size, u64 *addr)
{
	*addr = BELOW_4G;
	return uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
				 EFI_SIZE_TO_PAGES(size), addr);
}

void free_pages(u64 addr, u64 size)
{
	uefi_call_wrapper(BS->FreePages, 2, addr, EFI_SIZE_TO_PAGES(size));
}

/* Copies at most n characters, stopping at a NUL; dst is always terminated. */
void ucs2_to_ascii(char *dst, size_t len, const CHAR16 *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < len && src[i]; i++)
		dst[i] = src[i] < 0x80 ? (char)src[i] : '?';
	dst[i] = 0;
}

/* The ACPI 2.0 RSDP carries the XSDT, so it is preferred when both exist. */
static u64 find_rsdp(EFI_SYSTEM_TABLE *st)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	u64 rsdp = 0;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (u64)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			rsdp = (u64)t->VendorTable;
	}
	return rsdp;
}

static void get_cmdline(EFI_HANDLE image, char *dst, size_t len)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	dst[0] = 0;
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st) || !li->LoadOptions)
		return;
	ucs2_to_ascii(dst, len, li->LoadOptions, li->LoadOptionsSize / sizeof(CHAR16));
}

static struct boot_info *boot_info_new(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_info *bi;
	u64 addr;

	if (EFI_ERROR(alloc_low(sizeof(*bi), &addr))) {
		Print(L"lucid.efi: no memory below 4 GiB for boot_info\n");
		return NULL;
	}
	bi = (struct boot_info *)addr;
	uefi_call_wrapper(BS->SetMem, 3, bi, sizeof(*bi), 0);
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->efi_systab = (u64)systab;
	bi->rsdp = find_rsdp(systab);
	ucs2_to_ascii(bi->loader, sizeof(bi->loader), L"lucid.efi (UEFI)", sizeof(bi->loader));
	get_cmdline(image, bi->cmdline, BOOT_CMDLINE_LEN);
	return bi;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct kernel_image k = { 0 };
	struct handover *h = NULL;
	struct boot_info *bi;
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(L"lucid.efi: loading lucid\n");
	st = kernel_load(lucid_elf_start, lucid_elf_end - lucid_elf_start, &k);
	if (EFI_ERROR(st))
		return st;
	bi = boot_info_new(image, systab);
	if (!bi) {
		kernel_unload(&k);
		return EFI_OUT_OF_RESOURCES;
	}
	modules_load(image, bi);
	h = handover_prepare(&k, bi);
	st = h ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
	if (!EFI_ERROR(st)) {
		Print(L"lucid.efi: %d modules, cmdline \"%a\", entering lucid\n", bi->nmod,
		      bi->cmdline);
		st = exit_boot_services(image, bi);
	}
	if (EFI_ERROR(st)) {
		handover_free(h);
		modules_free(bi);
		free_pages((u64)bi, sizeof(*bi));
		kernel_unload(&k);
		return st;
	}
	handover_enter(h);
}
