/* Multiboot2 (version 2.0), as GRUB's `multiboot2` does it for i386: the
 * header in the first 32 KiB is a list of tags saying what the kernel
 * needs. The kernel is an ELF file, or the address tag carries its load
 * addresses (with the entry address tag). lucid hands over the command
 * line, its name, modules, basic memory information and a memory map, and
 * starts the kernel in 32-bit protected mode with EAX = 0x36d76289 and
 * EBX = the information's address. A tag not marked optional that asks
 * for more (a framebuffer, EFI, other information) is refused. */
#include "boot/multiboot2.h"
#include "hv/loader/layout.h"
#include "lib/string.h"

#define MB2_MAGIC 0xe85250d6u
#define MB2_SEARCH 32768u
#define MB2_ARCH_I386 0

/* Header tags. */
enum {
	MB2_HT_END = 0,
	MB2_HT_INFO_REQUEST = 1,
	MB2_HT_ADDRESS = 2,
	MB2_HT_ENTRY = 3,
	MB2_HT_CONSOLE = 4,
	MB2_HT_FRAMEBUFFER = 5,
	MB2_HT_MODULE_ALIGN = 6,
	MB2_HT_EFI_BS = 7,
	MB2_HT_ENTRY_EFI32 = 8,
	MB2_HT_ENTRY_EFI64 = 9,
	MB2_HT_RELOCATABLE = 10,
};
#define MB2_HT_OPTIONAL 1u
#define MB2_CONSOLE_REQUIRED 1u

struct mb2_header {
	u32 magic, architecture, header_length, checksum;
};
_Static_assert(sizeof(struct mb2_header) == 16, "multiboot2 header");

struct mb2_htag {
	u16 type, flags;
	u32 size;
};
_Static_assert(sizeof(struct mb2_htag) == 8, "multiboot2 header tag");

struct mb2_htag_address {
	struct mb2_htag h;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr;
};
_Static_assert(sizeof(struct mb2_htag_address) == 24, "multiboot2 address tag");

struct mb2_htag_entry {
	struct mb2_htag h;
	u32 entry_addr;
};
_Static_assert(sizeof(struct mb2_htag_entry) == 12, "multiboot2 entry address tag");

struct mb2_htag_console {
	struct mb2_htag h;
	u32 console_flags;
};
_Static_assert(sizeof(struct mb2_htag_console) == 12, "multiboot2 console flags tag");

struct mb2_info_header {
	u32 total_size, reserved;
};
_Static_assert(sizeof(struct mb2_info_header) == 8, "multiboot2 information header");

struct mb2_tag_module {
	u32 type, size, mod_start, mod_end;	/* then the NUL-terminated string */
};
_Static_assert(sizeof(struct mb2_tag_module) == 16, "multiboot2 module tag");

struct mb2_tag_meminfo {
	u32 type, size, mem_lower, mem_upper;
};
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "multiboot2 basic meminfo tag");

struct mb2_tag_mmap {
	u32 type, size, entry_size, entry_version;	/* then the entries */
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "multiboot2 mmap tag");

s64 mb2_find(const u8 *data, u64 size, s64 *bad)
{
	u64 end = MIN(size, MB2_SEARCH);

	*bad = -1;
	for (u64 off = 0; end >= 16 && off <= end - 16; off += 8) {
		if (get32(data + off) != MB2_MAGIC)
			continue;
		if (MB2_MAGIC + get32(data + off + 4) + get32(data + off + 8) +
		    get32(data + off + 12) == 0)
			return (s64)off;
		if (*bad < 0)
			*bad = (s64)off;
	}
	return -1;
}

static const char *info_name(u32 type)
{
	static const char *const names[] = {
		[5] = "boot device", [7] = "VBE", [8] = "framebuffer", [9] = "ELF sections",
		[10] = "APM", [11] = "EFI32 system table", [12] = "EFI64 system table",
		[13] = "SMBIOS", [14] = "ACPI 1.0 RSDP", [15] = "ACPI 2.0 RSDP",
		[16] = "network", [17] = "EFI memory map", [18] = "EFI boot services",
		[19] = "EFI32 image handle", [20] = "EFI64 image handle",
		[21] = "load base address",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

static bool info_provided(u32 type)
{
	return type == MB2_TAG_END || type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER_NAME ||
	       type == MB2_TAG_MODULE || type == MB2_TAG_BASIC_MEMINFO || type == MB2_TAG_MMAP;
}

/* What the header's tags ask for. */
struct mb2_request {
	bool have_address, have_entry;
	struct mb2_htag_address address;
	u32 entry;
};

static u32 min_tag_size(u16 type)
{
	switch (type) {
	case MB2_HT_ADDRESS:
		return sizeof(struct mb2_htag_address);
	case MB2_HT_ENTRY:
	case MB2_HT_ENTRY_EFI32:
	case MB2_HT_ENTRY_EFI64:
		return sizeof(struct mb2_htag_entry);
	case MB2_HT_CONSOLE:
		return sizeof(struct mb2_htag_console);
	default:
		return sizeof(struct mb2_htag);
	}
}

static int read_tag(struct loader *l, const u8 *p, u32 off, const struct mb2_htag *t,
		    struct mb2_request *rq)
{
	bool optional = t->flags & MB2_HT_OPTIONAL;

	switch (t->type) {
	case MB2_HT_INFO_REQUEST:
		for (u32 i = 8; !optional && i + 4 <= t->size; i += 4) {
			u32 want = get32(p + i);

			if (!info_provided(want))
				return ld_fail(l, "multiboot2 header requires information tag %u (%s), "
					       "which lucid does not provide", want, info_name(want));
		}
		return 0;
	case MB2_HT_ADDRESS:
		memcpy(&rq->address, p, sizeof(rq->address));
		rq->have_address = true;
		return 0;
	case MB2_HT_ENTRY:
		rq->entry = get32(p + 8);
		rq->have_entry = true;
		return 0;
	case MB2_HT_CONSOLE:
		if (!optional && (get32(p + 8) & MB2_CONSOLE_REQUIRED))
			return ld_fail(l, "multiboot2 header requires a text console, which lucid "
				       "does not provide (its guests have serial ports)");
		return 0;
	case MB2_HT_FRAMEBUFFER:
		if (!optional)
			return ld_fail(l, "multiboot2 header requires a framebuffer, which lucid "
				       "does not provide");
		return 0;
	case MB2_HT_MODULE_ALIGN:
		return 0;	/* modules are always page aligned */
	case MB2_HT_RELOCATABLE:
		return 0;	/* loading at the linked addresses is allowed */
	case MB2_HT_EFI_BS:
	case MB2_HT_ENTRY_EFI32:
	case MB2_HT_ENTRY_EFI64:
		if (!optional)
			return ld_fail(l, "multiboot2 header tag %u requires EFI, which lucid guests "
				       "do not have", t->type);
		return 0;
	default:
		if (!optional)
			return ld_fail(l, "multiboot2 header tag %u at 0x%x is not supported", t->type,
				       off);
		return 0;
	}
}

/* Checks the header at hdr_off and its tags, all inside the file and the
 * first 32 KiB. */
static int read_header(struct loader *l, u64 hdr_off, struct mb2_request *rq)
{
	const struct load_file *k = &l->rq->kernel;
	struct mb2_header h;
	u32 end, off;

	memcpy(&h, k->data + hdr_off, sizeof(h));
	if (h.architecture != MB2_ARCH_I386)
		return ld_fail(l, "multiboot2 header at 0x%llx is for architecture %u, not i386 (0)",
			       ull(hdr_off), h.architecture);
	if (h.header_length < sizeof(h) + sizeof(struct mb2_htag))
		return ld_fail(l, "multiboot2 header at 0x%llx has bad length %u", ull(hdr_off),
			       h.header_length);
	if (h.header_length > MIN(k->size, MB2_SEARCH) - hdr_off)
		return ld_fail(l, "multiboot2 header at 0x%llx (%u bytes) runs past the %s",
			       ull(hdr_off), h.header_length,
			       k->size < MB2_SEARCH ? "end of the file" : "first 32 KiB");

	/* The window is at most 32 KiB: u32 offsets cannot overflow. */
	end = (u32)hdr_off + h.header_length;
	off = (u32)hdr_off + sizeof(h);
	for (;;) {
		struct mb2_htag t;

		if (off > end || end - off < sizeof(t))
			return ld_fail(l, "multiboot2 header at 0x%llx has no end tag", ull(hdr_off));
		memcpy(&t, k->data + off, sizeof(t));
		if (t.size < min_tag_size(t.type) || t.size > end - off)
			return ld_fail(l, "multiboot2 header tag %u at 0x%x has bad size %u", t.type,
				       off, t.size);
		if (t.type == MB2_HT_END)
			return 0;
		if (read_tag(l, k->data + off, off, &t, rq))
			return -1;
		off += ALIGN_UP(t.size, MB2_TAG_ALIGN);
	}
}

static const char loader_name[] = "lucid";

static u64 tag_size(u64 payload)
{
	return ALIGN_UP(sizeof(struct mb2_tag) + payload, MB2_TAG_ALIGN);
}

static u64 info_size(const struct loader *l)
{
	const struct load_request *rq = l->rq;
	u64 n = sizeof(struct mb2_info_header);

	n += tag_size(strlen(rq->cmdline ? rq->cmdline : "") + 1);
	n += tag_size(sizeof(loader_name));
	for (u32 i = 0; i < rq->nmods; i++)
		n += ALIGN_UP(sizeof(struct mb2_tag_module) + strlen(ld_module_string(&rq->mods[i])) + 1,
			      MB2_TAG_ALIGN);
	n += sizeof(struct mb2_tag_meminfo);
	n += sizeof(struct mb2_tag_mmap) + l->nmap * sizeof(struct mb2_mmap_entry);
	n += sizeof(struct mb2_tag);
	return n;
}

/* Writes a string tag at *at and moves *at past it. The area is zeroed:
 * padding needs no writing. */
static void put_string_tag(struct loader *l, u64 *at, u32 type, const char *s)
{
	u64 len = strlen(s) + 1;
	struct mb2_tag t = { type, (u32)(sizeof(t) + len) };

	ld_put(l, *at, &t, sizeof(t));
	ld_put(l, *at + sizeof(t), s, len);
	*at += tag_size(len);
}

static void write_info(struct loader *l)
{
	const struct load_request *rq = l->rq;
	u64 at = l->info_addr + sizeof(struct mb2_info_header);
	struct mb2_info_header ih = { (u32)l->info_size, 0 };
	struct mb2_tag_meminfo mem = {
		MB2_TAG_BASIC_MEMINFO, sizeof(mem), ld_mem_lower_kib(l), ld_mem_upper_kib(l)
	};
	struct mb2_tag_mmap mmap = {
		MB2_TAG_MMAP, (u32)(sizeof(mmap) + l->nmap * sizeof(struct mb2_mmap_entry)),
		sizeof(struct mb2_mmap_entry), 0
	};
	struct mb2_tag end = { MB2_TAG_END, sizeof(end) };

	ld_put(l, l->info_addr, &ih, sizeof(ih));
	put_string_tag(l, &at, MB2_TAG_CMDLINE, rq->cmdline ? rq->cmdline : "");
	put_string_tag(l, &at, MB2_TAG_LOADER_NAME, loader_name);
	for (u32 i = 0; i < rq->nmods; i++) {
		const char *s = ld_module_string(&rq->mods[i]);
		u64 len = strlen(s) + 1;
		struct mb2_tag_module m = {
			MB2_TAG_MODULE, (u32)(sizeof(m) + len), (u32)l->mod_addr[i],
			(u32)(l->mod_addr[i] + rq->mods[i].file.size)
		};

		ld_put(l, at, &m, sizeof(m));
		ld_put(l, at + sizeof(m), s, len);
		at += ALIGN_UP(sizeof(m) + len, MB2_TAG_ALIGN);
	}
	ld_put(l, at, &mem, sizeof(mem));
	at += sizeof(mem);
	ld_put(l, at, &mmap, sizeof(mmap));
	at += sizeof(mmap);
	for (u32 i = 0; i < l->nmap; i++) {
		struct mb2_mmap_entry e = { l->map[i].base, l->map[i].len, l->map[i].type, 0 };

		ld_put(l, at, &e, sizeof(e));
		at += sizeof(e);
	}
	ld_put(l, at, &end, sizeof(end));
}

int mb2_load(struct loader *l, u64 hdr_off, struct guest_entry *e)
{
	const struct load_file *k = &l->rq->kernel;
	struct mb2_request rq = { 0 };
	u64 entry = 0;

	if (read_header(l, hdr_off, &rq))
		return -1;
	if (rq.have_address) {
		struct mb2_htag_address *a = &rq.address;

		if (!rq.have_entry)
			return ld_fail(l, "multiboot2 header has an address tag but no entry address tag");
		/* load_addr -1: the file is loaded from its first byte. */
		if (a->load_addr == 0xffffffffu) {
			if (a->header_addr < hdr_off)
				return ld_fail(l, "multiboot2 header address 0x%x is below its offset "
					       "0x%llx in the file", a->header_addr, ull(hdr_off));
			a->load_addr = a->header_addr - (u32)hdr_off;
		}
		if (aout_kludge_load(l, hdr_off, a->header_addr, a->load_addr, a->load_end_addr,
				     a->bss_end_addr))
			return -1;
	} else {
		if (!elf_is_elf(k->data, k->size))
			return ld_fail(l, "is not an ELF file and its multiboot2 header has no address tag");
		if (elf_load(l, &entry))
			return -1;
	}
	/* The entry address tag wins over the ELF header, as in GRUB. */
	if (rq.have_entry)
		entry = rq.entry;
	if (ld_check_entry(l, entry))
		return -1;

	if (ld_place(l, info_size(l)) || ld_commit(l))
		return -1;
	write_info(l);
	if (l->write_failed)
		return ld_fail(l, "writing the multiboot2 information failed (a lucid bug)");

	e->mode = GUEST_PROTECTED;
	e->ip = entry;
	e->eax = MB2_BOOTLOADER_MAGIC;
	e->ebx = (u32)l->info_addr;
	e->end = l->info_addr + l->info_size;
	return 0;
}
