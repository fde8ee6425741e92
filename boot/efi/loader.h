/* Internal interface between the parts of lucid.efi, the UEFI loader that
 * boots lucid without GRUB. Each part owns one step of the boot: loading the
 * kernel image (elf.c), the modules (modules.c), the memory map plus
 * ExitBootServices (memmap.c) and the jump into lucid (handover.c);
 * loader.c ties them together. */
#ifndef BOOT_EFI_LOADER_H
#define BOOT_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"

/* boot_info and the modules must lie below 4 GiB (see boot_info.h). */
#define BELOW_4G 0xffffffffull

struct kernel_image {
	u64 dst, size; /* the page-aligned range lucid is linked for */
	u64 staging;   /* below 4 GiB: a copy laid out exactly as at dst */
	u64 entry64;
};

/* elf.c */
EFI_STATUS kernel_load(const u8 *elf, u64 size, struct kernel_image *k);
void kernel_unload(struct kernel_image *k);

/* modules.c */
void modules_load(EFI_HANDLE image, struct boot_info *bi);
void modules_free(struct boot_info *bi);

/* memmap.c */
EFI_STATUS memmap_claim(u64 lo, u64 hi);
void memmap_release(void);
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi);

/* handover.c */
struct handover;
struct handover *handover_prepare(const struct kernel_image *k, struct boot_info *bi);
void handover_free(struct handover *h);
__noreturn void handover_enter(struct handover *h);

/* loader.c */
EFI_STATUS alloc_low(u64 size, u64 *addr);
void free_pages(u64 addr, u64 size);
void ucs2_to_ascii(char *dst, size_t len, const CHAR16 *src, size_t n);

#endif
