/* struct boot_info: everything lucid needs from the firmware or boot loader,
 * in one loader-independent form. Both boot paths (multiboot2 from GRUB, and
 * the UEFI loader lucid.efi) fill it; nothing after boot_entry() knows which
 * path was taken except the `loader` string shown in the banner.
 *
 * The UEFI loader hands over a filled struct directly, so this layout is an
 * ABI between boot/efi/loader.c and the kernel: bump BOOT_INFO_VERSION when
 * it changes. */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include "lib/types.h"

#define BOOT_INFO_MAGIC 0x4c55434944424f4full /* "LUCIDBOO" */
#define BOOT_INFO_VERSION 1

#define BOOT_MAX_MEM 256
#define BOOT_MAX_MODULES 64
#define BOOT_NAME_LEN 64
#define BOOT_CMDLINE_LEN 256
#define BOOT_LOADER_LEN 48

/* Memory types, ordered so that a larger value is more restrictive: when
 * ranges overlap, the larger type wins (see hv/mm/memmap.c). */
enum mem_type {
	MEM_USABLE = 1,
	MEM_ACPI_RECLAIM = 2, /* ACPI tables: kept, lucid reads them */
	MEM_ACPI_NVS = 3,
	MEM_RESERVED = 4,     /* firmware, MMIO, anything unknown */
	MEM_BAD = 5,          /* defective RAM */
};

struct mem_range {
	u64 base;
	u64 size;
	u32 type; /* enum mem_type */
	u32 reserved;
};

struct boot_module {
	u64 base;
	u64 size;
	char name[BOOT_NAME_LEN]; /* e.g. "lucid.cfg"; NUL-terminated */
};

struct boot_info {
	u64 magic;   /* BOOT_INFO_MAGIC */
	u32 version; /* BOOT_INFO_VERSION */
	u32 nmem;
	u32 nmod;
	u32 reserved;
	u64 rsdp;       /* physical address of the ACPI RSDP, 0 if unknown */
	u64 efi_systab; /* EFI system table, 0 on BIOS */
	char loader[BOOT_LOADER_LEN]; /* "GRUB (BIOS)", "lucid.efi (UEFI)" */
	char cmdline[BOOT_CMDLINE_LEN];
	struct mem_range mem[BOOT_MAX_MEM];
	struct boot_module mod[BOOT_MAX_MODULES];
	/* GRUB passes a copy of the RSDP rather than its address; it is kept
	 * here and rsdp is left 0. lucid.efi leaves this empty. */
	u32 rsdp_copy_len;
	u8 rsdp_copy[36];
};

_Static_assert(sizeof(struct mem_range) == 24, "mem_range layout");
_Static_assert(sizeof(struct boot_module) == 80, "boot_module layout");
_Static_assert(__builtin_offsetof(struct boot_info, rsdp) == 24, "boot_info layout");
_Static_assert(__builtin_offsetof(struct boot_info, loader) == 40, "boot_info layout");
_Static_assert(__builtin_offsetof(struct boot_info, mem) == 344, "boot_info layout");

/* The kernel's handoff header, placed in the first 32 KiB of lucid.elf's
 * first loadable segment, 8-byte aligned. lucid.efi finds it there and
 * jumps to entry64 in long mode with the SysV ABI:
 *     entry64(BOOT_INFO_MAGIC, struct boot_info *)
 * with interrupts off, boot services exited, and all of boot_info (and the
 * modules it lists) below 4 GiB. */
#define LUCID_HANDOFF_MAGIC 0x4646444e41484c4cull /* "LLHANDFF" */

struct lucid_handoff {
	u64 magic;      /* LUCID_HANDOFF_MAGIC */
	u64 entry64;    /* physical = virtual address of the 64-bit entry */
	u64 image_start;
	u64 image_end;  /* end of .bss */
};

/* Checks a boot_info handed over by lucid.efi. Returns 0, or a negative
 * value after writing a one-line reason into err (size errlen), as
 * mb2_parse (boot/multiboot2.h) does. */
int boot_info_check(const struct boot_info *bi, char *err, size_t errlen);

#endif
