/* Turns the multiboot2 information structure GRUB leaves us into a
 * struct boot_info. GRUB is trusted to follow the spec, but a damaged or
 * foreign structure must end in a clear message, not a fault: every tag is
 * bounds-checked against the total size before it is read. */
#include "boot/multiboot2.h"
#include "boot/boot_info.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MB2_MAX_TOTAL (1u << 20) /* far beyond what any loader produces */

#define fail(...) ({ snprintf(err, errlen, __VA_ARGS__); -1; })

/* Multiboot2's memory types (2 is reserved) as lucid's; 0 where none. */
static const u32 mem_types[] = { [1] = MEM_USABLE, [3] = MEM_ACPI_RECLAIM, [4] = MEM_ACPI_NVS,
				 [5] = MEM_BAD };

static u32 mem_type_from_mb2(u32 t)
{
	u32 type = t < ARRAY_SIZE(mem_types) ? mem_types[t] : 0;

	return type ? type : MEM_RESERVED;
}

/* A string tag's payload must be NUL-terminated inside the tag. */
static const char *tag_string(const u8 *payload, u32 len)
{
	return strnlen((const char *)payload, len) < len ? (const char *)payload : NULL;
}

static int parse_mmap(const u8 *p, u32 len, struct boot_info *bi, char *err, size_t errlen)
{
	u32 esize, n;

	if (len < 8)
		return fail("multiboot2 memory map tag is truncated");
	memcpy(&esize, p, 4);
	if (esize < sizeof(struct mb2_mmap_entry) || esize % 8)
		return fail("multiboot2 memory map entry size %u is invalid", esize);
	n = (len - 8) / esize;
	if (n > BOOT_MAX_MEM)
		return fail("memory map has %u entries; lucid accepts at most %u", n, BOOT_MAX_MEM);
	for (u32 i = 0; i < n; i++) {
		struct mb2_mmap_entry e;
		memcpy(&e, p + 8 + i * esize, sizeof(e));
		bi->mem[i] = (struct mem_range){ e.base, e.len, mem_type_from_mb2(e.type), 0 };
	}
	bi->nmem = n;
	return 0;
}

static int parse_module(const u8 *p, u32 len, struct boot_info *bi, char *err, size_t errlen)
{
	u32 start, end;
	const char *name;

	if (len < 9 || !(name = tag_string(p + 8, len - 8)))
		return fail("multiboot2 module tag is malformed");
	memcpy(&start, p, 4);
	memcpy(&end, p + 4, 4);
	if (end < start)
		return fail("module '%s' ends (0x%x) before it starts (0x%x)", name, end, start);
	if (bi->nmod == BOOT_MAX_MODULES)
		return fail("more than %u modules; lucid accepts at most %u", BOOT_MAX_MODULES, BOOT_MAX_MODULES);
	if (strlen(name) >= BOOT_NAME_LEN)
		return fail("module name '%.32s...' is longer than %u bytes", name, BOOT_NAME_LEN - 1);
	struct boot_module *m = &bi->mod[bi->nmod++];
	m->base = start;
	m->size = end - start;
	strlcpy(m->name, name, sizeof(m->name));
	return 0;
}

int mb2_parse(const void *info, u64 max_len, struct boot_info *bi, char *err, size_t errlen)
{
	const u8 *base = info;
	u32 total;
	bool efi = false, have_mmap = false, have_end = false;
	char loader[BOOT_LOADER_LEN] = "multiboot2";

	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	if (!info || (uintptr_t)info % 8)
		return fail("multiboot2 information pointer %p is null or misaligned", info);
	if (max_len < 16)
		return fail("multiboot2 information has room for only %u bytes", (u32)max_len);
	memcpy(&total, base, 4);
	if (total < 16 || total > max_len || total > MB2_MAX_TOTAL)
		return fail("multiboot2 information size %u is implausible", total);

	for (u32 off = 8; off < total && !have_end;) {
		struct mb2_tag tag;
		if (total - off < sizeof(tag))
			return fail("multiboot2 tag at offset %u is truncated", off);
		memcpy(&tag, base + off, sizeof(tag));
		if (tag.size < sizeof(tag) || tag.size > total - off)
			return fail("multiboot2 tag %u at offset %u has bad size %u", tag.type, off, tag.size);
		const u8 *p = base + off + sizeof(tag);
		u32 len = tag.size - sizeof(tag);
		const char *s;
		int rc = 0;

		switch (tag.type) {
		case MB2_TAG_END:
			have_end = true;
			break;
		case MB2_TAG_CMDLINE:
			if (!(s = tag_string(p, len)))
				return fail("multiboot2 command line is not terminated");
			if (strlen(s) >= BOOT_CMDLINE_LEN)
				return fail("command line is %zu bytes; lucid accepts at most %u",
					    strlen(s), BOOT_CMDLINE_LEN - 1);
			strlcpy(bi->cmdline, s, sizeof(bi->cmdline));
			break;
		case MB2_TAG_LOADER_NAME:
			if ((s = tag_string(p, len)))
				strlcpy(loader, strncmp(s, "GRUB", 4) ? s : "GRUB", sizeof(loader) - 8);
			break;
		case MB2_TAG_MODULE:
			rc = parse_module(p, len, bi, err, errlen);
			break;
		case MB2_TAG_MMAP:
			rc = parse_mmap(p, len, bi, err, errlen);
			have_mmap = true;
			break;
		case MB2_TAG_EFI64:
			if (len >= 8)
				memcpy(&bi->efi_systab, p, 8);
			efi = true;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0 copy: it carries the XSDT. */
			if (len >= 20 && (tag.type == MB2_TAG_ACPI_NEW || !bi->rsdp_copy_len)) {
				bi->rsdp_copy_len = MIN(len, (u32)sizeof(bi->rsdp_copy));
				memcpy(bi->rsdp_copy, p, bi->rsdp_copy_len);
			}
			break;
		}
		if (rc)
			return rc;
		off += ALIGN_UP(tag.size, 8u);
	}
	if (!have_end)
		return fail("multiboot2 information has no end tag");
	if (!have_mmap || !bi->nmem)
		return fail("boot loader gave no memory map");
	snprintf(bi->loader, sizeof(bi->loader), "%s (%s)", loader, efi ? "UEFI" : "BIOS");
	return 0;
}
