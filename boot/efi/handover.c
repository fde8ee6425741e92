/* lucid.efi: prepares the jump into lucid. Everything the jump needs is
 * allocated while boot services still run: identity page tables for 0-4 GiB
 * and a copy of jump.asm's code, both below 4 GiB, where neither the
 * firmware's tables nor lucid's range can be in the way. */
#include "boot/efi/loader.h"

/* jump.asm */
extern const u8 handover_blob[] __attribute__((visibility("hidden")));
extern const u8 handover_blob_end[] __attribute__((visibility("hidden")));

#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_PS (1ull << 7)

/* Page 0: this struct, then the code; pages 1-6: PML4, PDPT and 4 PDs. */
#define HANDOVER_PAGES 7
#define BLOB_OFFSET 256

struct handover {
	u64 cr3, src, len, entry64, boot_info, dst, magic; /* read by jump.asm */
};
_Static_assert(sizeof(struct handover) == 56, "jump.asm's HO_* offsets");

struct handover *handover_prepare(const struct kernel_image *k, struct boot_info *bi)
{
	u64 blob_size = handover_blob_end - handover_blob;
	u64 base = BELOW_4G;
	struct handover *h;
	u64 *pml4, *pdpt, *pd;
	EFI_STATUS st;

	if (BLOB_OFFSET + blob_size > PAGE_SIZE) /* only if jump.asm grows a lot */
		return NULL;
	/* Loader code: the one type firmware keeps executable. */
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderCode,
			       HANDOVER_PAGES, &base);
	if (EFI_ERROR(st)) {
		Print(L"lucid.efi: no memory below 4 GiB for the handover (%r)\n", st);
		return NULL;
	}
	uefi_call_wrapper(BS->SetMem, 3, (void *)base, HANDOVER_PAGES * PAGE_SIZE, 0);
	pml4 = (u64 *)(base + PAGE_SIZE);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = (u64)pdpt | PTE_P | PTE_W;
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = (u64)(pd + 512 * i) | PTE_P | PTE_W;
	for (u64 i = 0; i < 4 * 512; i++)
		pd[i] = i * MiB(2) | PTE_P | PTE_W | PTE_PS;

	h = (struct handover *)base;
	*h = (struct handover){
		.cr3 = (u64)pml4,
		.src = k->staging,
		.len = k->size,
		.entry64 = k->entry64,
		.boot_info = (u64)bi,
		.dst = k->dst,
		.magic = BOOT_INFO_MAGIC,
	};
	uefi_call_wrapper(BS->CopyMem, 3, (void *)(base + BLOB_OFFSET), (void *)handover_blob,
			  blob_size);
	return h;
}

void handover_free(struct handover *h)
{
	if (h)
		uefi_call_wrapper(BS->FreePages, 2, (u64)h, HANDOVER_PAGES);
}

__noreturn void handover_enter(struct handover *h)
{
	void (*blob)(struct handover *) = (void *)((u64)h + BLOB_OFFSET);

	blob(h);
	__builtin_unreachable();
}
