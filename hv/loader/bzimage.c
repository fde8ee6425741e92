/* The Linux x86 boot protocol (the kernel's Documentation/arch/x86/boot.rst
 * and zero-page.rst) as a 64-bit boot loader uses it: the bzImage's
 * real-mode setup code never runs. lucid copies the file's setup header
 * into a boot_params ("zero page") it fills itself, loads the
 * protected-mode kernel, the initrd and the command line, builds a GDT and
 * identity page tables, and starts the kernel at its 64-bit entry (load
 * address + 0x200) in long mode with RSI = boot_params. Protocol 2.12
 * (Linux 3.8) is the oldest taken: its xloadflags say whether that entry
 * exists.
 *
 * Where things go (docs/loaders.md):
 *   0x1000 up        GDT (and a stack above it), boot_params, command line,
 *                    PML4, PDPT, PDs, a page or more each, below 0x9f000
 *   pref_address     the kernel and init_size bytes of room for it
 *   high             the initrd, as high as fits below initrd_addr_max
 * The top of conventional memory is left alone: Linux's decompressor puts
 * its 5-level paging trampoline just below 0x9f000 while it still runs on
 * lucid's page tables. */
#include "hv/loader/layout.h"
#include "lib/string.h"

/* The setup header, file offsets 0x1f1 to 0x268 (protocol 2.13). */
#define HDR_OFF 0x1f1
#define HDR_MAGIC 0x53726448u		/* "HdrS" at 0x202 */
#define HDR_MIN_END 0x264		/* lucid reads up to init_size */
#define HDR_MAX_END 0x290		/* its room in boot_params */
#define MIN_VERSION 0x020c

struct setup_header {
	u8 setup_sects;
	u16 root_flags;
	u32 syssize;
	u16 ram_size, vid_mode, root_dev, boot_flag;
	u16 jump;
	u32 header;
	u16 version;
	u32 realmode_swtch;
	u16 start_sys_seg, kernel_version;
	u8 type_of_loader, loadflags;
	u16 setup_move_size;
	u32 code32_start, ramdisk_image, ramdisk_size, bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver, ext_loader_type;
	u32 cmd_line_ptr, initrd_addr_max, kernel_alignment;
	u8 relocatable_kernel, min_alignment;
	u16 xloadflags;
	u32 cmdline_size, hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset, payload_length;
	u64 setup_data, pref_address;
	u32 init_size, handover_offset;
} __packed;
#define HDR_AT(field, off) \
	_Static_assert(offsetof(struct setup_header, field) == (off) - HDR_OFF, #field)
HDR_AT(syssize, 0x1f4);
HDR_AT(boot_flag, 0x1fe);
HDR_AT(header, 0x202);
HDR_AT(type_of_loader, 0x210);
HDR_AT(code32_start, 0x214);
HDR_AT(ramdisk_image, 0x218);
HDR_AT(heap_end_ptr, 0x224);
HDR_AT(cmd_line_ptr, 0x228);
HDR_AT(kernel_alignment, 0x230);
HDR_AT(xloadflags, 0x236);
HDR_AT(hardware_subarch, 0x23c);
HDR_AT(setup_data, 0x250);
HDR_AT(pref_address, 0x258);
HDR_AT(init_size, 0x260);
_Static_assert(sizeof(struct setup_header) == 0x268 - HDR_OFF, "setup header");

#define LOADED_HIGH 0x01		/* loadflags: a bzImage, loaded at 1 MiB or above */
#define XLF_KERNEL_64 0x01		/* xloadflags: the 64-bit entry at +0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x02
#define ENTRY64 0x200
#define LOADER_ID 0xff			/* type_of_loader: no assigned ID */

/* boot_params (zero-page.rst): the fields lucid writes besides the header. */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define BP_SIZE PAGE_SIZE

struct e820_entry {
	u64 addr, size;
	u32 type;		/* 1 usable, 2 reserved: the map's own numbers */
} __packed;
_Static_assert(sizeof(struct e820_entry) == 20, "e820 entry");
_Static_assert(MAP_MAX <= BP_E820_MAX, "the memory map fits boot_params' e820 table");

/* The GDT the protocol asks for: __BOOT_CS 0x10 (64-bit code) and
 * __BOOT_DS 0x18 (flat data), both present and accessed. */
static const u64 boot_gdt[4] = {
	0, 0,
	0x00af9b000000ffffull,	/* G, L, P, code execute/read */
	0x00cf93000000ffffull,	/* G, D/B, P, data read/write */
};

/* Conventional memory the loader's own pieces may use: whole pages below
 * the EBDA. */
#define LINUX_LOW_END ALIGN_DOWN(LOW_MEM_END, PAGE_SIZE)
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull

struct linux_layout {
	struct setup_header h;
	u32 hdr_end;			/* file offset after the header */
	u64 kernel_off, kernel_len;	/* the protected-mode kernel in the file */
	u64 kernel, room;		/* where it goes, and init_size */
	u64 initrd;			/* NOWHERE: none */
	u64 gdt, bp, cmdline, pml4, pdpt, pd, low_end;
	u32 npd;			/* one page directory per GiB mapped */
};

bool linux_is_bzimage(const u8 *data, u64 size)
{
	return size >= 0x206 && get32(data + 0x202) == HDR_MAGIC;
}

static int read_header(struct loader *l, struct linux_layout *o)
{
	const struct load_file *k = &l->rq->kernel;
	struct setup_header *h = &o->h;
	u32 sects;

	if (!linux_is_bzimage(k->data, k->size))
		return ld_fail(l, "has no Linux setup header (\"HdrS\" at 0x202)");
	if (k->size < HDR_MIN_END)
		return ld_fail(l, "ends (at 0x%llx) inside its Linux setup header", ull(k->size));
	o->hdr_end = 0x202 + k->data[0x201];	/* the jump at 0x200 skips the header */
	memset(h, 0, sizeof(*h));
	memcpy(h, k->data + HDR_OFF, MIN(k->size, sizeof(*h) + HDR_OFF) - HDR_OFF);
	if (h->version < MIN_VERSION)
		return ld_fail(l, "uses Linux boot protocol %u.%02u; lucid needs 2.12 or later "
			       "(Linux 3.8), whose 64-bit entry it uses", h->version >> 8,
			       h->version & 0xff);
	if (o->hdr_end < HDR_MIN_END || o->hdr_end > HDR_MAX_END)
		return ld_fail(l, "Linux setup header ends at 0x%x (the jump at 0x200), not between "
			       "0x%x and 0x%x", o->hdr_end, HDR_MIN_END, HDR_MAX_END);
	if (o->hdr_end > k->size)
		return ld_fail(l, "Linux setup header (to 0x%x) runs past the end of the file "
			       "(0x%llx bytes)", o->hdr_end, ull(k->size));
	if (!(h->loadflags & LOADED_HIGH))
		return ld_fail(l, "is a zImage (loadflags bit 0 clear), which lucid cannot load; "
			       "only bzImages are taken");
	if (!(h->xloadflags & XLF_KERNEL_64))
		return ld_fail(l, "has no 64-bit entry point (xloadflags bit 0, XLF_KERNEL_64, is "
			       "clear); lucid starts Linux there");

	sects = h->setup_sects ? h->setup_sects : 4;	/* 0 means 4 */
	o->kernel_off = (u64)(sects + 1) * 512;
	o->kernel_len = (u64)h->syssize * 16;
	if (o->kernel_off > k->size)
		return ld_fail(l, "Linux setup code (%u sectors) runs past the end of the file "
			       "(0x%llx bytes)", sects, ull(k->size));
	if (o->kernel_len > k->size - o->kernel_off)
		return ld_fail(l, "protected-mode kernel (syssize 0x%x, 0x%llx bytes) runs past the "
			       "end of the file (0x%llx bytes after the setup code)", h->syssize,
			       ull(o->kernel_len), ull(k->size - o->kernel_off));
	if (o->kernel_len <= ENTRY64)
		return ld_fail(l, "protected-mode kernel (0x%llx bytes) ends before its 64-bit entry "
			       "at offset 0x%x", ull(o->kernel_len), ENTRY64);
	if (h->init_size < o->kernel_len)
		return ld_fail(l, "init_size 0x%x is smaller than the protected-mode kernel "
			       "(0x%llx bytes)", h->init_size, ull(o->kernel_len));
	if (h->relocatable_kernel &&
	    (!h->kernel_alignment || h->kernel_alignment & (h->kernel_alignment - 1)))
		return ld_fail(l, "kernel_alignment 0x%x is not a power of two", h->kernel_alignment);
	return 0;
}

/* The lowest address from `from` up, aligned to align, where len bytes fit
 * in one usable range; NOWHERE if none. */
static u64 lowest_fit(const struct loader *l, u64 from, u64 align, u64 len)
{
	for (u32 i = 0; i < l->nmap; i++) {
		const struct map_entry *m = &l->map[i];
		u64 a = ALIGN_UP(MAX(m->base, from), align);

		if (m->type == MAP_USABLE && a >= m->base && ld_fits(l, a, len))
			return a;
	}
	return NOWHERE;
}

/* At pref_address, which is where Linux runs anyway: its decompressor
 * moves a kernel loaded lower up to LOAD_PHYSICAL_ADDR, which is what
 * pref_address holds. A relocatable kernel whose pref_address is not in
 * RAM (or unaligned) goes to the lowest kernel_alignment-aligned address
 * from 16 MiB on, Linux's default LOAD_PHYSICAL_ADDR, so that it need not
 * move. */
static int place_kernel(struct loader *l, struct linux_layout *o)
{
	const struct setup_header *h = &o->h;
	u64 pref = h->pref_address ? h->pref_address : HIGH_MEM_START;
	u64 align = MAX((u64)h->kernel_alignment, PAGE_SIZE);
	char a[24], b[24];

	o->room = h->init_size;
	if (pref >= HIGH_MEM_START && ld_fits(l, pref, o->room) &&
	    (!h->relocatable_kernel || IS_ALIGNED(pref, align))) {
		o->kernel = pref;
		return 0;
	}
	ld_size_str(a, sizeof(a), o->room, true);
	ld_size_str(b, sizeof(b), l->gm->size, false);
	if (!h->relocatable_kernel)
		return ld_fail(l, "is not relocatable and needs its init_size (%s) at pref_address "
			       "0x%llx, which is not in the VM's usable RAM (%s) above 1 MiB", a,
			       ull(pref), b);
	o->kernel = lowest_fit(l, MiB(16), align, o->room);
	if (o->kernel == NOWHERE)
		return ld_fail(l, "needs its init_size (%s) at pref_address 0x%llx or at a "
			       "0x%llx-aligned address from 16 MiB on; the VM's usable RAM (%s) "
			       "has no such room", a, ull(pref), ull(align), b);
	return 0;
}

/* The highest page-aligned address from 1 MiB up where len bytes fit in one
 * usable range, end at or below limit and stay clear of the kernel's
 * [lo, hi); NOWHERE if none. */
static u64 highest_fit(const struct loader *l, u64 len, u64 limit, u64 lo, u64 hi)
{
	for (u32 i = l->nmap; i-- > 0;) {
		const struct map_entry *m = &l->map[i];
		u64 base = MAX(m->base, HIGH_MEM_START), end = MIN(m->base + m->len, limit);
		/* the part above the kernel, then the part below it */
		u64 win[2][2] = { { MAX(base, hi), end }, { base, MIN(end, lo) } };

		if (m->type != MAP_USABLE)
			continue;
		for (int w = 0; w < 2; w++) {
			u64 a;

			if (win[w][1] <= win[w][0] || len > win[w][1] - win[w][0])
				continue;
			a = ALIGN_DOWN(win[w][1] - len, PAGE_SIZE);
			if (a >= win[w][0])
				return a;
		}
	}
	return NOWHERE;
}

static int place_initrd(struct loader *l, struct linux_layout *o)
{
	const struct load_file *f = &l->rq->initrd;
	u64 max = (u64)o->h.initrd_addr_max + 1;	/* its highest byte, inclusive */
	char a[24], b[24];

	o->initrd = NOWHERE;
	if (!f->size)
		return 0;
	o->initrd = highest_fit(l, f->size, max, o->kernel, o->kernel + o->room);
	if (o->initrd == NOWHERE && (o->h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		o->initrd = highest_fit(l, f->size, GPA_LIMIT, o->kernel, o->kernel + o->room);
	if (o->initrd != NOWHERE)
		return 0;
	ld_size_str(a, sizeof(a), f->size, true);
	ld_size_str(b, sizeof(b), l->gm->size, false);
	if (o->h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
		return ld_fail(l, "initrd \"%s\" (%s) does not fit in the VM's usable RAM (%s) from "
			       "1 MiB up beside the kernel at [0x%llx, 0x%llx)", ld_file_name(f), a, b,
			       ull(o->kernel), ull(o->kernel + o->room));
	return ld_fail(l, "initrd \"%s\" (%s) does not fit below initrd_addr_max 0x%x in the VM's "
		       "usable RAM (%s) beside the kernel at [0x%llx, 0x%llx)", ld_file_name(f), a,
		       o->h.initrd_addr_max, b, ull(o->kernel), ull(o->kernel + o->room));
}

/* The pieces in conventional memory, a page or more each, and identity
 * page tables with 2 MiB pages over all RAM and at least the first 4 GiB
 * (what a 32-bit kernel would have reached, MMIO holes included). */
static int place_low(struct loader *l, struct linux_layout *o)
{
	const struct guest_mem *gm = l->gm;
	u64 ram_top = gm->n ? gm->r[gm->n - 1].gpa + gm->r[gm->n - 1].size : 0;
	u64 cover = MAX(GiB(4), ALIGN_UP(MIN(ram_top, GPA_LIMIT), GiB(1)));
	u64 cmdline = strlen(l->rq->cmdline ? l->rq->cmdline : "") + 1, at;

	if (cmdline - 1 > o->h.cmdline_size)
		return ld_fail(l, "command line (%llu characters) is longer than the kernel's "
			       "cmdline_size (%u)", ull(cmdline - 1), o->h.cmdline_size);
	o->npd = (u32)(cover / GiB(1));
	at = LOADER_LOW_RESERVED;
	o->gdt = at;
	at += PAGE_SIZE;
	o->bp = at;
	at += BP_SIZE;
	o->cmdline = at;
	at += ALIGN_UP(cmdline, PAGE_SIZE);
	o->pml4 = at;
	o->pdpt = at + PAGE_SIZE;
	o->pd = at + 2 * PAGE_SIZE;
	/* npd < 2^22: no overflow; one PDPT serves while npd <= 512, which
	 * conventional memory's 158 pages ensure. */
	o->low_end = o->pd + (u64)o->npd * PAGE_SIZE;
	if (o->low_end > LINUX_LOW_END)
		return ld_fail(l, "identity page tables for %llu GiB of RAM do not fit below 0x%llx",
			       ull(cover / GiB(1)), ull(LINUX_LOW_END));
	return 0;
}

static void put_page_tables(struct loader *l, const struct linux_layout *o)
{
	u64 e[64];

	memset(e, 0, sizeof(e));
	e[0] = o->pdpt | PTE_P | PTE_W;
	ld_put(l, o->pml4, e, 8);
	for (u32 i = 0; i < o->npd; i++) {
		e[0] = (o->pd + (u64)i * PAGE_SIZE) | PTE_P | PTE_W;
		ld_put(l, o->pdpt + i * 8ull, e, 8);
	}
	for (u64 va = 0; va < (u64)o->npd * GiB(1); va += ARRAY_SIZE(e) * MiB(2)) {
		for (u32 i = 0; i < ARRAY_SIZE(e); i++)
			e[i] = (va + i * MiB(2)) | PTE_P | PTE_W | PTE_PS;
		ld_put(l, o->pd + va / MiB(2) * 8, e, sizeof(e));
	}
}

static void put32_at(struct loader *l, u64 gpa, u32 v)
{
	ld_put(l, gpa, &v, sizeof(v));
}

/* boot_params: zeroed by ld_commit(), then the file's setup header with
 * the fields a boot loader writes, the e820 map and the high halves of
 * the addresses. acpi_rsdp_addr stays 0: the kernel looks for the RSDP in
 * the BIOS area, which the map keeps reserved for it. */
static void put_boot_params(struct loader *l, const struct linux_layout *o)
{
	const struct load_request *rq = l->rq;
	u8 raw[HDR_MAX_END - HDR_OFF];
	struct setup_header *h = (struct setup_header *)raw;
	u64 initrd = o->initrd == NOWHERE ? 0 : o->initrd;
	u64 initrd_size = o->initrd == NOWHERE ? 0 : rq->initrd.size;

	_Static_assert(sizeof(raw) >= sizeof(*h), "the header fits its room");
	memset(raw, 0, sizeof(raw));
	memcpy(raw, rq->kernel.data + HDR_OFF, o->hdr_end - HDR_OFF);
	h->type_of_loader = LOADER_ID;
	h->ext_loader_ver = h->ext_loader_type = 0;
	/* No real-mode setup runs: no heap, messages wanted, the kernel's
	 * own KASLR bit not ours to set. */
	h->loadflags = LOADED_HIGH;
	h->code32_start = (u32)o->kernel;
	h->ramdisk_image = (u32)initrd;
	h->ramdisk_size = (u32)initrd_size;
	h->cmd_line_ptr = (u32)o->cmdline;
	h->hardware_subarch = 0;	/* a PC */
	h->setup_data = 0;		/* lucid passes none */
	ld_put(l, o->bp + HDR_OFF, raw, o->hdr_end - HDR_OFF);
	put32_at(l, o->bp + BP_EXT_RAMDISK_IMAGE, (u32)(initrd >> 32));
	put32_at(l, o->bp + BP_EXT_RAMDISK_SIZE, (u32)(initrd_size >> 32));
	put32_at(l, o->bp + BP_EXT_CMD_LINE_PTR, (u32)(o->cmdline >> 32));

	for (u32 i = 0; i < l->nmap; i++) {
		struct e820_entry m = { l->map[i].base, l->map[i].len, l->map[i].type };

		ld_put(l, o->bp + BP_E820_TABLE + i * sizeof(m), &m, sizeof(m));
	}
	ld_put(l, o->bp + BP_E820_ENTRIES, &(u8){ (u8)l->nmap }, 1);
}

int linux_load(struct loader *l, struct guest_entry *e)
{
	const struct load_request *rq = l->rq;
	const char *cmdline = rq->cmdline ? rq->cmdline : "";
	struct linux_layout o;

	if (rq->nmods)
		return ld_fail(l, "is a Linux kernel, which takes no modules (an initrd is given "
			       "as initrd)");
	if (read_header(l, &o))
		return -1;
	/* The kernel may be anywhere in usable RAM; its pieces are placed
	 * below. */
	l->limit = GPA_LIMIT;
	if (place_kernel(l, &o) || place_initrd(l, &o) || place_low(l, &o))
		return -1;
	if (ld_add_segment(l, "the boot information", -1, LOADER_LOW_RESERVED, NULL, 0,
			   o.low_end - LOADER_LOW_RESERVED) ||
	    ld_add_segment(l, "the Linux kernel", -1, o.kernel, rq->kernel.data + o.kernel_off,
			   o.kernel_len, o.room))
		return -1;
	if (o.initrd != NOWHERE &&
	    ld_add_segment(l, "the initrd", -1, o.initrd, rq->initrd.data, rq->initrd.size,
			   rq->initrd.size))
		return -1;
	if (ld_commit(l))
		return -1;

	ld_put(l, o.gdt, boot_gdt, sizeof(boot_gdt));
	put_boot_params(l, &o);
	ld_put(l, o.cmdline, cmdline, strlen(cmdline) + 1);
	put_page_tables(l, &o);
	if (l->write_failed)
		return ld_fail(l, "writing the Linux boot information failed (a lucid bug)");

	e->mode = GUEST_LONG;
	e->ip = o.kernel + ENTRY64;
	e->rsi = o.bp;
	e->cr3 = o.pml4;
	e->gdt = o.gdt;
	e->gdt_limit = sizeof(boot_gdt) - 1;
	/* The protocol promises no stack; the rest of the GDT's page serves
	 * a kernel that pushes before it takes its own. */
	e->sp = o.gdt + PAGE_SIZE;
	e->end = l->kernel_end;
	return 0;
}
