/* What the format loaders share: the load being built (struct loader), the
 * checks on where a kernel segment may go, the placement of modules and
 * boot information after the kernel, and the memory map a guest is told
 * about. A load is checked completely first and written by ld_commit(), so
 * a refused kernel leaves guest RAM as it was. Internal to hv/loader/. */
#ifndef HV_LOADER_LAYOUT_H
#define HV_LOADER_LAYOUT_H

#include "hv/loader/loader.h"
#include "lib/string.h"

/* The PC layout below 1 MiB that every guest is told about: 639 KiB of
 * conventional memory, then the EBDA's last KiB, the VGA hole, and the
 * BIOS area from 0xe0000, where a guest searches for the ACPI RSDP. */
#define LOW_MEM_END 0x9fc00ull
#define EBDA_END 0xa0000ull
#define BIOS_START 0xe0000ull
#define HIGH_MEM_START MiB(1)

/* Guest-physical addresses have at most 52 bits; nothing beyond is RAM. */
#define GPA_LIMIT (1ull << 52)

enum map_type { MAP_USABLE = 1, MAP_RESERVED = 2 };	/* multiboot's numbers */

struct map_entry {
	u64 base, len;
	u32 type;
};

#define MAP_MAX (2 * GMEM_MAX_REGIONS + 2)

/* The address of what no place was found for. */
#define NOWHERE (~0ull)

struct load_seg {
	u64 dst, filesz, memsz;
	const u8 *src;
	const char *what;	/* "ELF segment", "image"... */
	int idx;		/* printed after what when >= 0 */
};

struct loader {
	const struct guest_mem *gm;
	const struct load_request *rq;
	char *err;
	size_t errlen;
	/* Where the kernel may be put: below limit, and in the usable ranges
	 * of map (multiboot) or anywhere in RAM (flat). */
	u64 limit;
	bool usable_only;
	struct map_entry map[MAP_MAX];
	u32 nmap;
	struct load_seg seg[LOADER_MAX_SEGMENTS];
	u32 nseg;
	u64 kernel_end;			/* above the highest kernel byte */
	u64 mod_addr[LOADER_MAX_MODULES];
	u64 info_addr, info_size;
	bool write_failed;
};

/* A little-endian u32 at any alignment, from a file's bytes. */
static inline u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static inline unsigned long long ull(u64 v)
{
	return v;
}

/* A file's name for messages. */
static inline const char *ld_file_name(const struct load_file *f)
{
	return f->name ? f->name : "?";
}

void ld_init(struct loader *l, const struct guest_mem *gm, const struct load_request *rq,
	     char *err, size_t errlen);
/* "16 MiB", "640 KiB": whole units, rounded up or down; returns buf. */
const char *ld_size_str(char *buf, size_t len, u64 bytes, bool round_up);
/* Formats "kernel \"name\": " and the message into err; returns -1. */
int ld_fail(struct loader *l, const char *fmt, ...) __printf(2, 3);

/* May [addr, addr+len) hold kernel data: inside one usable range of the
 * map (anywhere in RAM for a flat image)? Checks no limit. */
bool ld_fits(const struct loader *l, u64 addr, u64 len);
/* Registers a kernel segment: memsz bytes at dst, the first filesz from
 * src, the rest zeroed. Checks the first page, the limit, RAM and overlap
 * with earlier segments. */
int ld_add_segment(struct loader *l, const char *what, int idx, u64 dst, const u8 *src,
		   u64 filesz, u64 memsz);
/* The entry point must lie inside a kernel segment. */
int ld_check_entry(struct loader *l, u64 entry);
/* Places the modules, then info_size bytes of boot information, page
 * aligned above the kernel (l->mod_addr, l->info_addr). */
int ld_place(struct loader *l, u64 info_size);
/* Writes the kernel segments and modules, and zeroes the info area. */
int ld_commit(struct loader *l);
/* Writes into guest RAM that ld_place() handed out; a failure (a bug) is
 * remembered in l->write_failed. */
void ld_put(struct loader *l, u64 gpa, const void *src, u64 len);

/* The string a module is given: its cmdline, else its file name. */
const char *ld_module_string(const struct load_module *m);
/* Multiboot's mem_lower and mem_upper, in KiB: RAM from 0 and from 1 MiB
 * up to the first hole. */
u32 ld_mem_lower_kib(const struct loader *l);
u32 ld_mem_upper_kib(const struct loader *l);

/* The format back ends (elf.c, aout.c, multiboot1.c, multiboot2.c,
 * bzimage.c, flat.c). */
bool elf_is_elf(const u8 *data, u64 size);
/* Registers an ELF32/ELF64 x86 executable's PT_LOAD segments by physical
 * address; *entry gets the physical entry point. */
int elf_load(struct loader *l, u64 *entry);
/* The a.out kludge (multiboot1 flags bit 16, multiboot2 address tag): the
 * file, from the offset that puts the header at header_addr, is loaded at
 * load_addr up to load_end_addr (0: the file's end) and zeroed up to
 * bss_end_addr (0: no bss). hdr_off is the header's offset in the file. */
int aout_kludge_load(struct loader *l, u64 hdr_off, u32 header_addr, u32 load_addr,
		     u32 load_end_addr, u32 bss_end_addr);

/* Offset of the first header with a valid checksum, or -1; *bad gets the
 * offset of the first magic number with a bad checksum, or -1. */
s64 mb1_find(const u8 *data, u64 size, s64 *bad);
s64 mb2_find(const u8 *data, u64 size, s64 *bad);
int mb1_load(struct loader *l, u64 hdr_off, struct guest_entry *e);
int mb2_load(struct loader *l, u64 hdr_off, struct guest_entry *e);
/* A Linux setup header: "HdrS" at 0x202. */
bool linux_is_bzimage(const u8 *data, u64 size);
int linux_load(struct loader *l, struct guest_entry *e);
int flat_image_load(struct loader *l, struct guest_entry *e);

#endif
