/* Multiboot (version 0.6.96), as QEMU's -kernel and GRUB's `multiboot` do
 * it: the header in the first 8 KiB names the features the kernel needs;
 * the kernel is an ELF file or carries its load addresses in the header
 * (the a.out kludge). lucid hands over memory sizes, a memory map, the
 * command line, modules and its name, and starts the kernel in 32-bit
 * protected mode with EAX = 0x2BADB002 and EBX = the information's
 * address. Anything the kernel requires beyond that is refused. */
#include "hv/loader/layout.h"
#include "lib/string.h"

#define MB1_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC 0x2badb002u
#define MB1_SEARCH 8192u

enum {
	MB1_PAGE_ALIGN = 1u << 0,	/* modules on page boundaries */
	MB1_MEMORY_INFO = 1u << 1,	/* mem_* and the memory map */
	MB1_VIDEO_MODE = 1u << 2,
	MB1_REQUIRED = 0xffffu,		/* bits a loader must understand */
	MB1_AOUT_KLUDGE = 1u << 16,
};

struct mb1_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;	/* bit 16 */
	u32 mode_type, width, height, depth;					/* bit 2 */
};
_Static_assert(sizeof(struct mb1_header) == 48, "multiboot header");
_Static_assert(offsetof(struct mb1_header, header_addr) == 12, "multiboot header_addr");
_Static_assert(offsetof(struct mb1_header, entry_addr) == 28, "multiboot entry_addr");
_Static_assert(offsetof(struct mb1_header, mode_type) == 32, "multiboot mode_type");

enum {
	MB1_INFO_MEMORY = 1u << 0,
	MB1_INFO_CMDLINE = 1u << 2,
	MB1_INFO_MODS = 1u << 3,
	MB1_INFO_MEM_MAP = 1u << 6,
	MB1_INFO_LOADER_NAME = 1u << 9,
};

struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe_control_info, vbe_mode_info;
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	u64 framebuffer_addr;
	u32 framebuffer_pitch, framebuffer_width, framebuffer_height;
	u8 framebuffer_bpp, framebuffer_type, color_info[6];
} __packed;
_Static_assert(sizeof(struct mb1_info) == 116, "multiboot info");
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "multiboot info cmdline");
_Static_assert(offsetof(struct mb1_info, mods_count) == 20, "multiboot info mods_count");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "multiboot info mmap_length");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "multiboot info loader name");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "multiboot info framebuffer");

struct mb1_module {
	u32 mod_start, mod_end, string, reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot module");

/* size counts the bytes after itself, so entries can grow. */
struct mb1_mmap_entry {
	u32 size;
	u64 base_addr, length;
	u32 type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot mmap entry");
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "multiboot mmap base_addr");

s64 mb1_find(const u8 *data, u64 size, s64 *bad)
{
	u64 end = MIN(size, MB1_SEARCH);

	*bad = -1;
	for (u64 off = 0; end >= 12 && off <= end - 12; off += 4) {
		if (get32(data + off) != MB1_MAGIC)
			continue;
		if (MB1_MAGIC + get32(data + off + 4) + get32(data + off + 8) == 0)
			return (s64)off;
		if (*bad < 0)
			*bad = (s64)off;
	}
	return -1;
}

/* Where the pieces of the information go, relative to its start. */
struct mb1_layout {
	u64 mmap, mods, cmdline, name, strings, size;
};

static const char loader_name[] = "lucid";

static void layout_info(const struct loader *l, struct mb1_layout *o)
{
	const struct load_request *rq = l->rq;

	o->mmap = ALIGN_UP(sizeof(struct mb1_info), 8);
	o->mods = o->mmap + l->nmap * sizeof(struct mb1_mmap_entry);
	o->cmdline = o->mods + rq->nmods * sizeof(struct mb1_module);
	o->name = o->cmdline + strlen(rq->cmdline ? rq->cmdline : "") + 1;
	o->strings = o->name + sizeof(loader_name);
	o->size = o->strings;
	for (u32 i = 0; i < rq->nmods; i++)
		o->size += strlen(ld_module_string(&rq->mods[i])) + 1;
}

static void write_info(struct loader *l, const struct mb1_layout *o)
{
	const struct load_request *rq = l->rq;
	const char *cmdline = rq->cmdline ? rq->cmdline : "";
	u64 base = l->info_addr, str = base + o->strings;
	struct mb1_info info = {
		.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MEM_MAP |
			 MB1_INFO_LOADER_NAME,
		.mem_lower = ld_mem_lower_kib(l),
		.mem_upper = ld_mem_upper_kib(l),
		.cmdline = (u32)(base + o->cmdline),
		.mods_count = rq->nmods,
		.mods_addr = (u32)(base + o->mods),
		.mmap_length = (u32)(l->nmap * sizeof(struct mb1_mmap_entry)),
		.mmap_addr = (u32)(base + o->mmap),
		.boot_loader_name = (u32)(base + o->name),
	};

	ld_put(l, base, &info, sizeof(info));
	for (u32 i = 0; i < l->nmap; i++) {
		struct mb1_mmap_entry m = {
			.size = sizeof(m) - sizeof(m.size),
			.base_addr = l->map[i].base,
			.length = l->map[i].len,
			.type = l->map[i].type,
		};
		ld_put(l, base + o->mmap + i * sizeof(m), &m, sizeof(m));
	}
	for (u32 i = 0; i < rq->nmods; i++) {
		const char *s = ld_module_string(&rq->mods[i]);
		struct mb1_module m = {
			.mod_start = (u32)l->mod_addr[i],
			.mod_end = (u32)(l->mod_addr[i] + rq->mods[i].file.size),
			.string = (u32)str,
		};
		ld_put(l, base + o->mods + i * sizeof(m), &m, sizeof(m));
		ld_put(l, str, s, strlen(s) + 1);
		str += strlen(s) + 1;
	}
	ld_put(l, base + o->cmdline, cmdline, strlen(cmdline) + 1);
	ld_put(l, base + o->name, loader_name, sizeof(loader_name));
}

int mb1_load(struct loader *l, u64 hdr_off, struct guest_entry *e)
{
	const struct load_file *k = &l->rq->kernel;
	u64 room = MIN(k->size, MB1_SEARCH) - hdr_off, entry;
	struct mb1_header h = { 0 };
	struct mb1_layout o;

	/* mb1_find() saw magic, flags and checksum inside the window. */
	memcpy(&h, k->data + hdr_off, MIN(room, sizeof(h)));
	if (h.flags & MB1_VIDEO_MODE)
		return ld_fail(l, "multiboot header at 0x%llx asks for a video mode (flags bit 2), "
			       "which lucid does not provide", ull(hdr_off));
	if (h.flags & MB1_REQUIRED & ~(MB1_PAGE_ALIGN | MB1_MEMORY_INFO))
		return ld_fail(l, "multiboot header at 0x%llx requires features lucid does not know "
			       "(flags 0x%x)", ull(hdr_off), h.flags);
	/* Modules are always page aligned and memory information is always
	 * given, which is all bits 0 and 1 ask for. */
	if (h.flags & MB1_AOUT_KLUDGE) {
		if (room < offsetof(struct mb1_header, mode_type))
			return ld_fail(l, "multiboot header at 0x%llx is cut off by the %s",
				       ull(hdr_off), k->size < MB1_SEARCH ? "end of the file"
				       : "end of the first 8 KiB");
		if (aout_kludge_load(l, hdr_off, h.header_addr, h.load_addr, h.load_end_addr,
				     h.bss_end_addr))
			return -1;
		entry = h.entry_addr;
	} else {
		if (!elf_is_elf(k->data, k->size))
			return ld_fail(l, "is not an ELF file and its multiboot header has no load "
				       "addresses (flags bit 16)");
		if (elf_load(l, &entry))
			return -1;
	}
	if (ld_check_entry(l, entry))
		return -1;

	layout_info(l, &o);
	if (ld_place(l, o.size) || ld_commit(l))
		return -1;
	write_info(l, &o);
	if (l->write_failed)
		return ld_fail(l, "writing the multiboot information failed (a lucid bug)");

	e->mode = GUEST_PROTECTED;
	e->ip = entry;
	e->eax = MB1_BOOT_MAGIC;
	e->ebx = (u32)l->info_addr;
	e->end = l->info_addr + l->info_size;
	return 0;
}
