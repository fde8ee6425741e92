/* Where a guest's kernel, modules and boot information go. The kernel's
 * segments go where the image says, if that is allowed; modules follow the
 * kernel's highest byte, each on a page boundary, and the boot information
 * follows the modules. Each piece sits inside one usable range of the
 * memory map the guest is given, skipping holes, and below the limit of the
 * mode the guest starts in. All sizes and addresses are compared as
 * offsets within a range, so hostile values cannot overflow a sum. */
#include "hv/loader/layout.h"
#include "lib/fmt.h"
#include "lib/string.h"

static int vfail(struct loader *l, bool prefix, const char *fmt, va_list ap)
{
	size_t n = 0;

	if (!l->errlen)
		return -1;
	if (prefix)
		n = (size_t)snprintf(l->err, l->errlen, "kernel \"%s\": ",
				     ld_file_name(&l->rq->kernel));
	if (n < l->errlen)
		vsnprintf(l->err + n, l->errlen - n, fmt, ap);
	return -1;
}

int ld_fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(l, true, fmt, ap);
	va_end(ap);
	return -1;
}

static int __printf(2, 3) fail_raw(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(l, false, fmt, ap);
	va_end(ap);
	return -1;
}

const char *ld_size_str(char *buf, size_t len, u64 bytes, bool round_up)
{
	u64 unit = bytes >= MiB(1) ? MiB(1) : KiB(1);
	u64 n = bytes / unit + (round_up && bytes % unit);

	snprintf(buf, len, "%llu %s", ull(n), unit == MiB(1) ? "MiB" : "KiB");
	return buf;
}

static void map_add(struct loader *l, u64 base, u64 end, u32 type)
{
	if (end > base && l->nmap < MAP_MAX)
		l->map[l->nmap++] = (struct map_entry){ base, end - base, type };
}

/* The guest's memory map, from its RAM: conventional memory below the
 * EBDA, the PC's reserved areas below 1 MiB, and RAM from 1 MiB on. RAM
 * between the EBDA and 1 MiB is left out, as on a PC. Regions that touch
 * become one range. */
static void build_map(struct loader *l)
{
	struct { u64 base, end; } run[GMEM_MAX_REGIONS];
	u32 nrun = 0;

	for (u32 i = 0; i < l->gm->n && i < GMEM_MAX_REGIONS; i++) {
		const struct gmem_region *r = &l->gm->r[i];
		u64 end;

		if (r->gpa >= GPA_LIMIT || !r->size)
			continue;
		end = r->gpa + MIN(r->size, GPA_LIMIT - r->gpa);
		if (nrun && run[nrun - 1].end == r->gpa)
			run[nrun - 1].end = end;
		else
			run[nrun].base = r->gpa, run[nrun++].end = end;
	}
	for (u32 i = 0; i < nrun; i++)
		map_add(l, run[i].base, MIN(run[i].end, LOW_MEM_END), MAP_USABLE);
	map_add(l, LOW_MEM_END, EBDA_END, MAP_RESERVED);
	map_add(l, BIOS_START, HIGH_MEM_START, MAP_RESERVED);
	for (u32 i = 0; i < nrun; i++)
		map_add(l, MAX(run[i].base, HIGH_MEM_START), run[i].end, MAP_USABLE);
}

void ld_init(struct loader *l, const struct guest_mem *gm, const struct load_request *rq,
	     char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->gm = gm;
	l->rq = rq;
	l->err = err;
	l->errlen = err ? errlen : 0;
	l->limit = GiB(4);
	l->usable_only = true;
	build_map(l);
}

bool ld_fits(const struct loader *l, u64 addr, u64 len)
{
	if (!l->usable_only)
		return gmem_is_ram(l->gm, addr, len);
	for (u32 i = 0; i < l->nmap; i++) {
		const struct map_entry *m = &l->map[i];

		if (m->type == MAP_USABLE && addr >= m->base && addr - m->base <= m->len &&
		    len <= m->len - (addr - m->base))
			return true;
	}
	return false;
}

static void seg_name(char *buf, size_t len, const char *what, int idx)
{
	if (idx >= 0)
		snprintf(buf, len, "%s %d", what, idx);
	else
		snprintf(buf, len, "%s", what);
}

int ld_add_segment(struct loader *l, const char *what, int idx, u64 dst, const u8 *src,
		   u64 filesz, u64 memsz)
{
	char name[48], other[48], size[24];
	bool real = l->limit <= HIGH_MEM_START;

	seg_name(name, sizeof(name), what, idx);
	if (l->nseg == LOADER_MAX_SEGMENTS)
		return ld_fail(l, "has more than %u loadable segments", LOADER_MAX_SEGMENTS);
	if (memsz > l->limit || dst > l->limit - memsz)
		return ld_fail(l, "%s at 0x%llx (0x%llx bytes) ends above %s, out of reach in %s",
			       name, ull(dst), ull(memsz), real ? "1 MiB" : "4 GiB",
			       real ? "real mode" : "32-bit protected mode");
	if (dst < LOADER_LOW_RESERVED)
		return ld_fail(l, "%s [0x%llx, 0x%llx) overlaps the first page, which lucid keeps free",
			       name, ull(dst), ull(dst + memsz));
	if (!ld_fits(l, dst, memsz))
		return ld_fail(l, "%s [0x%llx, 0x%llx) is not in the VM's %sRAM (%s)",
			       name, ull(dst), ull(dst + memsz), l->usable_only ? "usable " : "",
			       ld_size_str(size, sizeof(size), l->gm->size, false));
	for (u32 i = 0; i < l->nseg; i++) {
		const struct load_seg *s = &l->seg[i];

		if (dst < s->dst + s->memsz && s->dst < dst + memsz) {
			seg_name(other, sizeof(other), s->what, s->idx);
			return ld_fail(l, "%s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
				       name, ull(dst), ull(dst + memsz), other, ull(s->dst),
				       ull(s->dst + s->memsz));
		}
	}
	l->seg[l->nseg++] = (struct load_seg){ dst, filesz, memsz, src, what, idx };
	l->kernel_end = MAX(l->kernel_end, dst + memsz);
	return 0;
}

int ld_check_entry(struct loader *l, u64 entry)
{
	for (u32 i = 0; i < l->nseg; i++)
		if (entry >= l->seg[i].dst && entry - l->seg[i].dst < l->seg[i].memsz)
			return 0;
	return ld_fail(l, "entry point 0x%llx is outside the loaded kernel", ull(entry));
}

/* The first page-aligned address at or above from where len bytes fit in
 * one usable range below the limit, or NOWHERE. */
static u64 place_one(const struct loader *l, u64 from, u64 len)
{
	for (u32 i = 0; i < l->nmap; i++) {
		const struct map_entry *m = &l->map[i];
		u64 end = m->base + m->len, a;

		if (m->type != MAP_USABLE)
			continue;
		a = ALIGN_UP(MAX(MAX(from, m->base), LOADER_LOW_RESERVED), PAGE_SIZE);
		if (a > l->limit || len > l->limit - a)
			return NOWHERE;	/* the ranges are sorted: no later one fits */
		if (a < end && MAX(len, 1) <= end - a)
			return a;
	}
	return NOWHERE;
}

static u64 add_sat(u64 a, u64 b)
{
	return a > ~0ull - b ? ~0ull : a + b;
}

/* Explains why nothing is left for what: too little RAM, too little below
 * the limit, or no hole big enough. need is the RAM the whole layout
 * takes from address 0 on. */
static int no_room(struct loader *l, u64 need, const char *what, u64 from, u64 len)
{
	const char *kernel = ld_file_name(&l->rq->kernel);
	char a[24], b[24];

	ld_size_str(a, sizeof(a), need, true);
	if (need > l->gm->size)
		return fail_raw(l, "kernel \"%s\" plus modules need %s, the VM has %s", kernel, a,
				ld_size_str(b, sizeof(b), l->gm->size, false));
	if (need > l->limit)
		return fail_raw(l, "kernel \"%s\" plus modules need %s, but only the first 4 GiB "
				"can be used", kernel, a);
	return ld_fail(l, "%s (%s) does not fit in the VM's usable RAM above 0x%llx", what,
		       ld_size_str(b, sizeof(b), len, true), ull(from));
}

int ld_place(struct loader *l, u64 info_size)
{
	const struct load_request *rq = l->rq;
	u64 need = ALIGN_UP(l->kernel_end, PAGE_SIZE), cur = l->kernel_end, a;
	char what[64];

	for (u32 i = 0; i < rq->nmods; i++)
		need = add_sat(need, ALIGN_UP(MIN(rq->mods[i].file.size, GPA_LIMIT), PAGE_SIZE));
	need = add_sat(need, info_size);

	for (u32 i = 0; i < rq->nmods; i++) {
		const struct load_file *f = &rq->mods[i].file;

		a = place_one(l, cur, f->size);
		if (a == NOWHERE) {
			snprintf(what, sizeof(what), "module \"%s\"", ld_file_name(f));
			return no_room(l, need, what, cur, f->size);
		}
		l->mod_addr[i] = a;
		cur = a + f->size;
	}
	a = place_one(l, cur, info_size);
	if (a == NOWHERE)
		return no_room(l, need, "the boot information", cur, info_size);
	l->info_addr = a;
	l->info_size = info_size;
	return 0;
}

int ld_commit(struct loader *l)
{
	const struct load_request *rq = l->rq;
	int rc = 0;

	for (u32 i = 0; i < l->nseg; i++) {
		const struct load_seg *s = &l->seg[i];

		rc |= gmem_write(l->gm, s->dst, s->src, s->filesz);
		rc |= gmem_zero(l->gm, s->dst + s->filesz, s->memsz - s->filesz);
	}
	for (u32 i = 0; i < rq->nmods; i++)
		rc |= gmem_write(l->gm, l->mod_addr[i], rq->mods[i].file.data, rq->mods[i].file.size);
	rc |= gmem_zero(l->gm, l->info_addr, l->info_size);
	return rc ? ld_fail(l, "writing guest RAM failed (a lucid bug)") : 0;
}

void ld_put(struct loader *l, u64 gpa, const void *src, u64 len)
{
	if (gmem_write(l->gm, gpa, src, len))
		l->write_failed = true;
}

const char *ld_module_string(const struct load_module *m)
{
	if (m->cmdline)
		return m->cmdline;
	return m->file.name ? m->file.name : "";
}

static u64 usable_from(const struct loader *l, u64 base)
{
	for (u32 i = 0; i < l->nmap; i++)
		if (l->map[i].type == MAP_USABLE && l->map[i].base == base)
			return l->map[i].len;
	return 0;
}

u32 ld_mem_lower_kib(const struct loader *l)
{
	return (u32)(usable_from(l, 0) / KiB(1));
}

u32 ld_mem_upper_kib(const struct loader *l)
{
	return (u32)MIN(usable_from(l, HIGH_MEM_START) / KiB(1), 0xffffffffull);
}
