/* ACPI table parser: validates the RSDP and the XSDT/RSDT, then takes the
 * CPUs, IOAPICs and interrupt overrides from the MADT and the reset register
 * from the FADT. Firmware tables are packed, possibly unaligned and possibly
 * garbage, so every byte is fetched through the caller's accessor with the
 * exact length, checked, and copied into locals before it is interpreted.
 * A pointer from the accessor is never used after the next accessor call,
 * so a mapper with a single temporary window is enough. */
#include "drivers/acpi.h"
#include "drivers/acpi_layout.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define RSDP_MAX_LEN 1024u	/* 36 in every spec so far */
#define ROOT_MAX_LEN 65536u
#define TABLE_MAX_LEN 0x100000u	/* 64k x2APIC entries would still fit */

struct parser {
	acpi_map_fn map;
	void *ctx;
	struct acpi_info *out;
	char *warn;
	size_t warnlen;
	bool have_fadt;
	u32 cpus_dropped, ioapics_dropped, overrides_dropped;
};

static const u8 *map_range(acpi_map_fn map, void *ctx, u64 phys, u64 len)
{
	if (len == 0 || phys + len < phys)
		return NULL;
	return map(phys, len, ctx);
}

static bool copy_phys(struct parser *p, u64 phys, void *dst, u64 len)
{
	const u8 *src = map_range(p->map, p->ctx, phys, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* Appends one line to warn without ever overrunning it; later lines are
 * simply lost once it is full. */
static void __printf(2, 3) warnf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!p->warn || p->warnlen == 0)
		return;
	used = strnlen(p->warn, p->warnlen - 1);
	va_start(ap, fmt);
	vsnprintf(p->warn + used, p->warnlen - used, fmt, ap);
	va_end(ap);
}

/* Maps a whole table whose header h was already read, and checks what every
 * table must satisfy. On failure says why in `why` (no trailing newline). */
static const u8 *map_table(struct parser *p, u64 phys, const struct sdt_hdr *h,
			   u32 min_len, u32 max_len, char *why, size_t whylen)
{
	const u8 *t;

	if (h->length < min_len) {
		snprintf(why, whylen, "length %u is too small", h->length);
		return NULL;
	}
	if (h->length > max_len) {
		snprintf(why, whylen, "length %u is too large", h->length);
		return NULL;
	}
	t = map_range(p->map, p->ctx, phys, h->length);
	if (!t) {
		snprintf(why, whylen, "truncated, %u bytes not readable", h->length);
		return NULL;
	}
	if (acpi_sum(t, h->length) != 0) {
		snprintf(why, whylen, "bad checksum");
		return NULL;
	}
	return t;
}

static void add_cpu(struct parser *p, u32 apic_id, u32 uid, u32 flags, bool x2apic)
{
	struct acpi_info *out = p->out;
	bool enabled = flags & LAPIC_ENABLED;
	struct acpi_cpu *c;

	/* Online-capable only means something for a disabled entry. */
	if (!enabled && !(flags & LAPIC_ONLINE_CAPABLE))
		return;
	/* Firmware may list a CPU both as LAPIC and x2APIC: keep the first. */
	for (u32 i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id != apic_id)
			continue;
		if (out->cpus[i].x2apic == x2apic)
			warnf(p, "MADT: APIC id %u listed twice, second ignored\n", apic_id);
		return;
	}
	if (out->ncpus == ACPI_MAX_CPUS) {
		p->cpus_dropped++;
		return;
	}
	c = &out->cpus[out->ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->x2apic = x2apic;
	c->enabled = enabled;
	c->online_capable = !enabled;
	if (enabled)
		out->ncpus_enabled++;
}

static void add_ioapic(struct parser *p, const struct madt_ioapic *e)
{
	struct acpi_info *out = p->out;

	if (out->nioapics == ACPI_MAX_IOAPICS) {
		p->ioapics_dropped++;
		return;
	}
	out->ioapics[out->nioapics++] = (struct acpi_ioapic){
		.id = e->id, .addr = e->addr, .gsi_base = e->gsi_base,
	};
}

static void add_override(struct parser *p, const struct madt_iso *e)
{
	struct acpi_info *out = p->out;

	if (out->noverrides == ACPI_MAX_OVERRIDES) {
		p->overrides_dropped++;
		return;
	}
	out->overrides[out->noverrides++] = (struct acpi_override){
		.bus = e->bus, .source = e->source, .flags = e->flags, .gsi = e->gsi,
	};
}

/* Copies a MADT entry into its struct if it is long enough to be one. */
static bool get_entry(struct parser *p, const u8 *e, u32 off, void *dst, size_t size)
{
	if (e[1] < size) {
		warnf(p, "MADT: type %u entry at offset %u has length %u < %zu, skipped\n",
		      e[0], off, e[1], size);
		return false;
	}
	memcpy(dst, e, size);
	return true;
}

static void madt_entry(struct parser *p, const u8 *e, u32 off)
{
	struct madt_lapic la;
	struct madt_x2apic x2;
	struct madt_ioapic io;
	struct madt_iso iso;
	struct madt_lapic_addr addr;

	switch (e[0]) {
	case MADT_LAPIC:
		if (get_entry(p, e, off, &la, sizeof(la)))
			add_cpu(p, la.apic_id, la.uid, la.flags, false);
		break;
	case MADT_X2APIC:
		if (get_entry(p, e, off, &x2, sizeof(x2)))
			add_cpu(p, x2.apic_id, x2.uid, x2.flags, true);
		break;
	case MADT_IOAPIC:
		if (get_entry(p, e, off, &io, sizeof(io)))
			add_ioapic(p, &io);
		break;
	case MADT_ISO:
		if (get_entry(p, e, off, &iso, sizeof(iso)))
			add_override(p, &iso);
		break;
	case MADT_LAPIC_ADDR:
		if (get_entry(p, e, off, &addr, sizeof(addr)))
			p->out->lapic_addr = addr.addr;
		break;
	}
}

static void parse_madt(struct parser *p, u64 phys, const struct sdt_hdr *h)
{
	struct madt_fixed m;
	const u8 *t;
	char why[64];
	u32 off;

	if (p->out->have_madt) {
		warnf(p, "MADT at 0x%llx: second MADT, ignored\n", (unsigned long long)phys);
		return;
	}
	t = map_table(p, phys, h, sizeof(m), TABLE_MAX_LEN, why, sizeof(why));
	if (!t) {
		warnf(p, "MADT at 0x%llx: %s, ignored\n", (unsigned long long)phys, why);
		return;
	}
	memcpy(&m, t, sizeof(m));
	p->out->have_madt = true;
	p->out->lapic_addr = m.lapic_addr;
	p->out->pcat_compat = m.flags & MADT_PCAT_COMPAT;

	for (off = sizeof(m); off < h->length; off += t[off + 1]) {
		if (h->length - off < 2 || t[off + 1] < 2 || t[off + 1] > h->length - off) {
			warnf(p, "MADT at 0x%llx: bad entry length at offset %u, rest ignored\n",
			      (unsigned long long)phys, off);
			break;
		}
		madt_entry(p, t + off, off);
	}
	if (p->cpus_dropped)
		warnf(p, "MADT: %u CPUs beyond %u ignored\n", p->cpus_dropped, ACPI_MAX_CPUS);
	if (p->ioapics_dropped)
		warnf(p, "MADT: %u IOAPICs beyond %u ignored\n", p->ioapics_dropped,
		      ACPI_MAX_IOAPICS);
	if (p->overrides_dropped)
		warnf(p, "MADT: %u overrides beyond %u ignored\n", p->overrides_dropped,
		      ACPI_MAX_OVERRIDES);
}

static void parse_fadt(struct parser *p, u64 phys, const struct sdt_hdr *h)
{
	struct fadt f;
	const u8 *t;
	char why[64];

	if (p->have_fadt) {
		warnf(p, "FADT at 0x%llx: second FADT, ignored\n", (unsigned long long)phys);
		return;
	}
	t = map_table(p, phys, h, SDT_HDR_LEN, TABLE_MAX_LEN, why, sizeof(why));
	if (!t) {
		warnf(p, "FADT at 0x%llx: %s, ignored\n", (unsigned long long)phys, why);
		return;
	}
	p->have_fadt = true;
	/* ACPI 1.0 FADTs end before RESET_REG; they have no reset register. */
	if (h->length < FADT_V2_LEN)
		return;
	memcpy(&f, t, FADT_V2_LEN);
	if (!(f.flags & FADT_RESET_REG_SUP))
		return;
	if (f.reset_reg.space > 2 || f.reset_reg.addr == 0) {
		warnf(p, "FADT: reset register in space %u at 0x%llx unusable\n",
		      f.reset_reg.space, (unsigned long long)f.reset_reg.addr);
		return;
	}
	p->out->have_reset_reg = true;
	p->out->reset_reg = (struct acpi_gas){
		.space = f.reset_reg.space,
		.bit_width = f.reset_reg.bit_width,
		.addr = f.reset_reg.addr,
	};
	p->out->reset_value = f.reset_value;
}

static void parse_entry(struct parser *p, u64 phys, u32 idx)
{
	struct sdt_hdr h;

	if (phys == 0) {
		warnf(p, "root entry %u is null, ignored\n", idx);
		return;
	}
	if (!copy_phys(p, phys, &h, sizeof(h))) {
		warnf(p, "table at 0x%llx (root entry %u): not readable, ignored\n",
		      (unsigned long long)phys, idx);
		return;
	}
	/* Tables lucid does not use are not read past their header. */
	if (!memcmp(h.sig, "APIC", 4))
		parse_madt(p, phys, &h);
	else if (!memcmp(h.sig, "FACP", 4))
		parse_fadt(p, phys, &h);
}

/* Says why in err (NULL with errlen 0 takes nothing) and returns -1. */
static int __printf(3, 4) fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_rsdp(struct parser *p, u64 phys, char *err, size_t errlen)
{
	struct rsdp r;
	const u8 *b;
	unsigned long long at = phys;

	memset(&r, 0, sizeof(r));
	b = map_range(p->map, p->ctx, phys, RSDP_V1_LEN);
	if (!b)
		return fail(err, errlen, "RSDP at 0x%llx is not readable", at);
	memcpy(&r, b, RSDP_V1_LEN);
	if (memcmp(r.sig, "RSD PTR ", 8))
		return fail(err, errlen, "RSDP at 0x%llx has a bad signature", at);
	if (acpi_sum(b, RSDP_V1_LEN))
		return fail(err, errlen, "RSDP at 0x%llx has a bad checksum", at);
	if (r.revision >= 2) {
		if (!copy_phys(p, phys, &r, sizeof(r)))
			return fail(err, errlen, "RSDP at 0x%llx: revision %u part not readable",
				    at, r.revision);
		if (r.length < sizeof(r) || r.length > RSDP_MAX_LEN)
			return fail(err, errlen, "RSDP at 0x%llx has a bad length %u", at,
				    r.length);
		b = map_range(p->map, p->ctx, phys, r.length);
		if (!b)
			return fail(err, errlen, "RSDP at 0x%llx: %u bytes not readable", at,
				    r.length);
		if (acpi_sum(b, r.length))
			return fail(err, errlen, "RSDP at 0x%llx has a bad extended checksum",
				    at);
	}
	p->out->revision = r.revision;
	memcpy(p->out->oem_id, r.oem_id, sizeof(r.oem_id));
	p->out->use_xsdt = r.revision >= 2 && r.xsdt_addr != 0;
	p->out->root = p->out->use_xsdt ? r.xsdt_addr : r.rsdt_addr;
	if (p->out->root == 0)
		return fail(err, errlen, "RSDP at 0x%llx has no RSDT address", at);
	return 0;
}

static int walk_root(struct parser *p, char *err, size_t errlen)
{
	const char *name = p->out->use_xsdt ? "XSDT" : "RSDT";
	u32 esize = p->out->use_xsdt ? 8 : 4;
	unsigned long long at = p->out->root;
	struct sdt_hdr h;
	char why[64];
	u32 n;

	if (!copy_phys(p, at, &h, sizeof(h)))
		return fail(err, errlen, "%s at 0x%llx is not readable", name, at);
	if (memcmp(h.sig, name, 4))
		return fail(err, errlen, "%s at 0x%llx has a bad signature", name, at);
	if (!map_table(p, at, &h, SDT_HDR_LEN, ROOT_MAX_LEN, why, sizeof(why)))
		return fail(err, errlen, "%s at 0x%llx: %s", name, at, why);

	/* A ragged tail shorter than one entry is ignored. */
	n = (h.length - SDT_HDR_LEN) / esize;
	for (u32 i = 0; i < n; i++) {
		u64 entry = 0;

		/* Re-read each entry: the table mapping may not outlive the
		 * accessor calls made for the previous entry's table. */
		if (!copy_phys(p, at + SDT_HDR_LEN + (u64)i * esize, &entry, esize))
			return fail(err, errlen, "%s at 0x%llx: entry %u not readable",
				    name, at, i);
		parse_entry(p, entry, i);
	}
	return 0;
}

int acpi_parse(u64 rsdp, acpi_map_fn map, void *ctx, struct acpi_info *out,
	       char *err, size_t errlen, char *warn, size_t warnlen)
{
	struct parser p = {
		.map = map, .ctx = ctx, .out = out, .warn = warn, .warnlen = warnlen,
	};
	int rc;

	memset(out, 0, sizeof(*out));
	out->rsdp = rsdp;
	if (err && errlen)
		err[0] = '\0';
	if (warn && warnlen)
		warn[0] = '\0';
	rc = read_rsdp(&p, rsdp, err, errlen);
	if (rc)
		return rc;
	return walk_root(&p, err, errlen);
}

/* Only candidates that fit whole inside [start, start+len) are tried. */
static u64 scan_rsdp(acpi_map_fn map, void *ctx, u64 start, u64 len)
{
	for (u64 a = start; a + RSDP_V1_LEN <= start + len; a += 16) {
		const u8 *b = map_range(map, ctx, a, RSDP_V1_LEN);

		if (b && !memcmp(b, "RSD PTR ", 8) && acpi_sum(b, RSDP_V1_LEN) == 0)
			return a;
	}
	return 0;
}

u64 acpi_find_rsdp_bios(acpi_map_fn map, void *ctx)
{
	const u8 *w = map_range(map, ctx, 0x40e, 2);
	u16 seg = 0;
	u64 found;

	if (w)
		memcpy(&seg, w, sizeof(seg));
	if (seg) {
		found = scan_rsdp(map, ctx, (u64)seg << 4, 1024);
		if (found)
			return found;
	}
	return scan_rsdp(map, ctx, 0xe0000, 0x20000);
}
