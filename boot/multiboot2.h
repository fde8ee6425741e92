/* The multiboot2 boot information's layout (multiboot2 spec 3.6), both
 * ways: what GRUB leaves lucid (boot/multiboot2.c reads it into a struct
 * boot_info) and what lucid leaves a multiboot2 guest (hv/loader/
 * multiboot2.c writes it). A u32 total size and a reserved u32, then
 * tags, each 8-byte aligned, up to an end tag. */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "lib/types.h"

/* What a multiboot2 loader leaves in EAX, with EBX the information. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_TAG_ALIGN 8

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	u32 type, size;
};
_Static_assert(sizeof(struct mb2_tag) == 8, "multiboot2 tag");

/* The memory map tag's entries, after its entry size and version. */
struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "multiboot2 mmap entry type");

struct boot_info;

/* Fills *bi from a multiboot2 information structure of at most `max_len`
 * bytes. Returns 0, or a negative value after writing a one-line reason into
 * err (size errlen). Pure: unit-tested on the host. */
int mb2_parse(const void *info, u64 max_len, struct boot_info *bi, char *err, size_t errlen);

#endif
