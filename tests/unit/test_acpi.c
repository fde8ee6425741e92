/* Host tests for the ACPI parser (drivers/acpi.c). A fake physical memory of
 * exactly-sized heap regions stands behind the accessor, so any read past a
 * table, or any mapping longer than the table, shows up as a NULL mapping or
 * an ASan report. The MADT and FADT under test are either captured from a
 * real machine (tests/fixtures/acpi) or built here byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/acpi.h"

#ifndef ACPI_FIXTURES
#define ACPI_FIXTURES "tests/fixtures/acpi"
#endif

/* What the captured tables say, read by hand from APIC.hex and
 * FACP.hex (a Firecracker guest with 2 vCPUs, OEM "FIRECK"):
 *
 * APIC, 72 bytes, revision 6:
 *   +36 local APIC address 0xfee00000, +40 flags 0 (no PC-AT 8259s)
 *   +44 type 1 len 12: IOAPIC id 0, address 0xfec00000, GSI base 0
 *   +56 type 0 len 8: processor uid 0, APIC id 0, flags 1 (enabled)
 *   +64 type 0 len 8: processor uid 1, APIC id 1, flags 1 (enabled)
 *   no interrupt source overrides, no x2APIC entries.
 *
 * FACP, 276 bytes, revision 6 (minor 5 at +131):
 *   +112 flags 0x00100030 = PWR_BUTTON | SLP_BUTTON | HW_REDUCED_ACPI;
 *   bit 10 RESET_REG_SUP is clear and RESET_REG (+116) is all zero, so
 *   no reset register. */
#define CAP_MADT_LEN 72
#define CAP_LAPIC_ADDR 0xfee00000u
#define CAP_NCPUS 2
#define CAP_IOAPIC_ID 0
#define CAP_IOAPIC_ADDR 0xfec00000u
#define CAP_IOAPIC_GSI 0
#define CAP_FADT_LEN 276
#define CAP_FADT_FLAGS 0x00100030u
static const u32 cap_apic_ids[CAP_NCPUS] = { 0, 1 };
static const u32 cap_uids[CAP_NCPUS] = { 0, 1 };

/* Where build_system() puts things. Tables sit at odd addresses so that
 * any aligned load of a packed field would be an unaligned one. */
#define RSDP_ADDR 0xf0000ull
#define XSDT_ADDR 0x7ffe0000ull
#define RSDT_ADDR 0x7ffe1000ull
#define TABLE_BASE 0x7ffe2003ull
#define TABLE_STRIDE 0x1000ull

/* --- fake physical memory ------------------------------------------------ */

#define MAX_REGIONS 32

struct region {
	u64 base, len;
	u8 *buf;
};

struct fakemem {
	struct region r[MAX_REGIONS];
	unsigned n;
};

static const void *fake_map(u64 phys, u64 len, void *ctx)
{
	struct fakemem *m = ctx;

	for (unsigned i = 0; i < m->n; i++) {
		struct region *r = &m->r[i];

		if (phys >= r->base && len <= r->len && phys - r->base <= r->len - len)
			return r->buf + (phys - r->base);
	}
	return NULL;
}

/* A zeroed region of exactly len bytes, so ASan sees any overrun. */
static u8 *add_region(struct fakemem *m, u64 base, u64 len)
{
	assert_true(m->n < MAX_REGIONS);
	m->r[m->n] = (struct region){ base, len, calloc(1, len) };
	assert_non_null(m->r[m->n].buf);
	return m->r[m->n++].buf;
}

/* Host pointer for phys, for corrupting tables after they are built. */
static u8 *at(struct fakemem *m, u64 phys)
{
	for (unsigned i = 0; i < m->n; i++)
		if (phys >= m->r[i].base && phys < m->r[i].base + m->r[i].len)
			return m->r[i].buf + (phys - m->r[i].base);
	fail_msg("0x%llx not in fake memory", (unsigned long long)phys);
	return NULL;
}

static int mem_setup(void **state)
{
	*state = calloc(1, sizeof(struct fakemem));
	return *state ? 0 : -1;
}

static int mem_teardown(void **state)
{
	struct fakemem *m = *state;

	for (unsigned i = 0; i < m->n; i++)
		free(m->r[i].buf);
	free(m);
	return 0;
}

/* --- table building ------------------------------------------------------- */

struct blob {
	u8 *data;
	u32 len;
};

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }
static u32 get32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }

static void checksum_fix(u8 *b, size_t len, size_t at_off)
{
	u8 s = 0;

	b[at_off] = 0;
	for (size_t i = 0; i < len; i++)
		s += b[i];
	b[at_off] = (u8)-s;
}

/* Recomputes an SDT's checksum from the length in its header. */
static void sdt_seal(u8 *t)
{
	checksum_fix(t, get32(t + 4), 9);
}

static void sdt_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "LUCIDT", 6);
	memcpy(t + 16, "TESTTABL", 8);
}

/* A fixture is hex text (two digits a byte, whitespace between, '#' to
 * the end of a line a comment), so that no binary file is kept in git. */
static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool parse_hex(FILE *f, struct blob *b)
{
	size_t cap = 256;
	int c, hi = -1;

	b->data = malloc(cap);
	b->len = 0;
	if (!b->data)
		return false;
	while ((c = fgetc(f)) != EOF) {
		if (c == '#') {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (hexval(c) < 0)
			return false;
		if (hi < 0) {
			hi = hexval(c);
			continue;
		}
		if (b->len == cap) {
			u8 *more = realloc(b->data, cap *= 2);
			if (!more)
				return false;
			b->data = more;
		}
		b->data[b->len++] = (u8)(hi << 4 | hexval(c));
		hi = -1;
	}
	return b->len && hi < 0;
}

static struct blob load_fixture(const char *name)
{
	char path[512];
	const char *dirs[] = { getenv("LUCID_ACPI_FIXTURES"), ACPI_FIXTURES };
	struct blob b = { NULL, 0 };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !b.data; i++) {
		FILE *f;

		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!parse_hex(f, &b)) {
			free(b.data);
			b = (struct blob){ NULL, 0 };
			fprintf(stderr, "fixture %s is not hex text\n", path);
		}
		fclose(f);
	}
	if (!b.data)
		fprintf(stderr, "fixture %s not found under %s: run from the repo root "
			"or set LUCID_ACPI_FIXTURES\n", name, ACPI_FIXTURES);
	return b;
}

/* A MADT under construction; entries are appended raw. */
struct tbuf {
	u8 b[8192];
	u32 len;
};

static void madt_begin(struct tbuf *t, u32 lapic, u32 flags)
{
	memset(t, 0, sizeof(*t));
	sdt_header(t->b, "APIC", 0, 5);
	put32(t->b + 36, lapic);
	put32(t->b + 40, flags);
	t->len = 44;
}

static u8 *tb_add(struct tbuf *t, u8 type, u8 len)
{
	u8 *e = t->b + t->len;

	assert_true(t->len + len <= sizeof(t->b));
	e[0] = type;
	e[1] = len;
	t->len += len;
	return e;
}

static void tb_lapic(struct tbuf *t, u8 uid, u8 id, u32 flags)
{
	u8 *e = tb_add(t, 0, 8);

	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
}

static void tb_x2apic(struct tbuf *t, u32 id, u32 flags, u32 uid)
{
	u8 *e = tb_add(t, 9, 16);

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void tb_ioapic(struct tbuf *t, u8 id, u32 addr, u32 gsi)
{
	u8 *e = tb_add(t, 1, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi);
}

static void tb_iso(struct tbuf *t, u8 source, u32 gsi, u16 flags)
{
	u8 *e = tb_add(t, 2, 10);

	e[3] = source;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void tb_lapic_addr(struct tbuf *t, u64 addr)
{
	put64(tb_add(t, 5, 12) + 4, addr);
}

/* Finishes the table: length and checksum. */
static struct blob tb_done(struct tbuf *t)
{
	put32(t->b + 4, t->len);
	sdt_seal(t->b);
	return (struct blob){ t->b, t->len };
}

/* A FADT of len bytes with the given flags and reset register. */
static struct blob make_fadt(struct tbuf *t, u32 len, u32 flags, u8 space, u64 reset_addr,
			     u8 reset_value)
{
	memset(t, 0, sizeof(*t));
	sdt_header(t->b, "FACP", len, len >= 244 ? 6 : 1);
	put32(t->b + 112, flags);
	if (len >= 129) {
		t->b[116] = space;
		t->b[117] = 8;
		t->b[119] = 1;
		put64(t->b + 120, reset_addr);
		t->b[128] = reset_value;
	}
	t->len = len;
	sdt_seal(t->b);
	return (struct blob){ t->b, t->len };
}

static void put_rsdp(struct fakemem *m, u64 addr, u8 rev, u32 rsdt, u64 xsdt)
{
	/* An ACPI 1.0 RSDP is only 20 bytes: map no more than that. */
	u8 *r = add_region(m, addr, rev >= 2 ? 36 : 20);

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "LUCIDO", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	checksum_fix(r, 20, 8);
	if (rev >= 2) {
		/* The extended checksum covers the first one: it goes last. */
		put32(r + 20, 36);
		put64(r + 24, xsdt);
		checksum_fix(r, 36, 32);
	}
}

static void put_root(struct fakemem *m, u64 addr, bool xsdt, const u64 *entries, unsigned n)
{
	u32 esize = xsdt ? 8 : 4;
	u32 len = 36 + n * esize;
	u8 *t = add_region(m, addr, len);

	sdt_header(t, xsdt ? "XSDT" : "RSDT", len, 1);
	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			put64(t + 36 + i * 8, entries[i]);
		else
			put32(t + 36 + i * 4, (u32)entries[i]);
	}
	sdt_seal(t);
}

static u64 table_addr(unsigned i)
{
	return TABLE_BASE + i * TABLE_STRIDE;
}

/* RSDP -> XSDT (rev 2) or RSDT (rev 0) -> tables[]. For rev 2 an RSDT with
 * no entries is present too, so CPUs found prove the XSDT was followed. */
static u64 build_system(struct fakemem *m, u8 rev, const struct blob *tables, unsigned n)
{
	u64 addrs[16];

	assert_true(n <= 16);
	for (unsigned i = 0; i < n; i++) {
		addrs[i] = table_addr(i);
		memcpy(add_region(m, addrs[i], tables[i].len), tables[i].data, tables[i].len);
	}
	if (rev >= 2) {
		put_root(m, XSDT_ADDR, true, addrs, n);
		put_root(m, RSDT_ADDR, false, NULL, 0);
	} else {
		put_root(m, RSDT_ADDR, false, addrs, n);
	}
	put_rsdp(m, RSDP_ADDR, rev, (u32)RSDT_ADDR, rev >= 2 ? XSDT_ADDR : 0);
	return RSDP_ADDR;
}

/* --- running the parser --------------------------------------------------- */

static struct acpi_info info;
static char err[256];
static char warn[1024];

static int parse(struct fakemem *m, u64 rsdp)
{
	memset(&info, 0xa5, sizeof(info)); /* the parser must clear it */
	memset(err, 'x', sizeof(err));
	memset(warn, 'x', sizeof(warn));
	return acpi_parse(rsdp, fake_map, m, &info, err, sizeof(err), warn, sizeof(warn));
}

/* parse() that must succeed, showing the reason when it does not. */
static void parse_ok(struct fakemem *m, u64 rsdp)
{
	if (parse(m, rsdp) != 0)
		fail_msg("acpi_parse failed: %s", err);
	assert_string_equal(err, "");
}

static void expect_error(struct fakemem *m, u64 rsdp, const char *msg)
{
	assert_true(parse(m, rsdp) < 0);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" is not \"%s\"", err, msg);
	assert_null(strchr(err, '\n'));
}

static void expect_warning(const char *msg)
{
	if (!strstr(warn, msg))
		fail_msg("warning \"%s\" missing from \"%s\"", msg, warn);
}

static struct blob captured_madt, captured_fadt;

static void check_captured_madt(void)
{
	assert_true(info.have_madt);
	assert_int_equal(info.lapic_addr, CAP_LAPIC_ADDR);
	assert_false(info.pcat_compat);
	assert_int_equal(info.ncpus, CAP_NCPUS);
	assert_int_equal(info.ncpus_enabled, CAP_NCPUS);
	for (unsigned i = 0; i < CAP_NCPUS; i++) {
		assert_int_equal(info.cpus[i].apic_id, cap_apic_ids[i]);
		assert_int_equal(info.cpus[i].uid, cap_uids[i]);
		assert_false(info.cpus[i].x2apic);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
	}
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].id, CAP_IOAPIC_ID);
	assert_int_equal(info.ioapics[0].addr, CAP_IOAPIC_ADDR);
	assert_int_equal(info.ioapics[0].gsi_base, CAP_IOAPIC_GSI);
	assert_int_equal(info.noverrides, 0);
	assert_false(info.have_reset_reg);
}

/* --- captured tables -------------------------------------------------------- */

static void test_fixtures_are_what_the_comment_says(void **state)
{
	(void)state;
	assert_int_equal(captured_madt.len, CAP_MADT_LEN);
	assert_memory_equal(captured_madt.data, "APIC", 4);
	assert_int_equal(captured_fadt.len, CAP_FADT_LEN);
	assert_memory_equal(captured_fadt.data, "FACP", 4);
	assert_int_equal(get32(captured_fadt.data + 112), CAP_FADT_FLAGS);
}

static void test_captured_via_xsdt(void **state)
{
	struct fakemem *m = *state;
	struct blob t[] = { captured_fadt, captured_madt };
	u64 rsdp = build_system(m, 2, t, 2);

	parse_ok(m, rsdp);
	assert_string_equal(err, "");
	assert_string_equal(warn, "");
	assert_int_equal(info.rsdp, RSDP_ADDR);
	assert_int_equal(info.revision, 2);
	assert_true(info.use_xsdt);
	assert_int_equal(info.root, XSDT_ADDR);
	assert_string_equal(info.oem_id, "LUCIDO");
	check_captured_madt();
}

static void test_captured_via_rsdt(void **state)
{
	struct fakemem *m = *state;
	struct blob t[] = { captured_madt, captured_fadt };
	u64 rsdp = build_system(m, 0, t, 2);

	parse_ok(m, rsdp);
	assert_string_equal(warn, "");
	assert_int_equal(info.revision, 0);
	assert_false(info.use_xsdt);
	assert_int_equal(info.root, RSDT_ADDR);
	check_captured_madt();
}

static void test_rev2_without_xsdt_uses_rsdt(void **state)
{
	struct fakemem *m = *state;
	u64 addr = table_addr(0);

	memcpy(add_region(m, addr, captured_madt.len), captured_madt.data, captured_madt.len);
	put_root(m, RSDT_ADDR, false, &addr, 1);
	put_rsdp(m, RSDP_ADDR, 2, (u32)RSDT_ADDR, 0);
	parse_ok(m, RSDP_ADDR);
	assert_false(info.use_xsdt);
	assert_int_equal(info.root, RSDT_ADDR);
	check_captured_madt();
}

/* Tables lucid does not use are not read past their header: this MCFG
 * claims 60 bytes but only its header is mapped. */
static void test_unused_tables_only_header_read(void **state)
{
	struct fakemem *m = *state;
	u8 mcfg[36];
	struct blob t[] = { { mcfg, sizeof(mcfg) }, captured_madt };

	memset(mcfg, 0, sizeof(mcfg));
	sdt_header(mcfg, "MCFG", 60, 1);
	parse_ok(m, build_system(m, 2, t, 2));
	assert_string_equal(warn, "");
	assert_true(info.have_madt);
}

/* --- hand-built MADTs ------------------------------------------------------- */

static void test_handbuilt_x2apic_madt(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 1);
	tb_x2apic(&t, 0x100, 1, 10);
	tb_lapic(&t, 3, 3, 0);		/* neither enabled nor capable: dropped */
	tb_lapic_addr(&t, 0x1fee00000ull);
	tb_x2apic(&t, 0x101, 3, 11);	/* bit 1 means nothing when enabled */
	tb_lapic(&t, 2, 2, 2);		/* disabled, online capable */
	tb_ioapic(&t, 4, 0xfec00000, 0);
	tb_ioapic(&t, 5, 0xfec01000, 24);
	tb_iso(&t, 0, 2, 0);
	tb_iso(&t, 9, 9, 0x000d);	/* active high, level */
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_string_equal(warn, "");

	assert_true(info.pcat_compat);
	assert_int_equal(info.lapic_addr, 0x1fee00000ull);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.ncpus_enabled, 2);
	assert_int_equal(info.cpus[0].apic_id, 0x100);
	assert_int_equal(info.cpus[0].uid, 10);
	assert_true(info.cpus[0].x2apic);
	assert_true(info.cpus[0].enabled);
	assert_false(info.cpus[0].online_capable);
	assert_int_equal(info.cpus[1].apic_id, 0x101);
	assert_int_equal(info.cpus[1].uid, 11);
	assert_true(info.cpus[1].x2apic);
	assert_true(info.cpus[1].enabled);
	assert_false(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 2);
	assert_int_equal(info.cpus[2].uid, 2);
	assert_false(info.cpus[2].x2apic);
	assert_false(info.cpus[2].enabled);
	assert_true(info.cpus[2].online_capable);

	assert_int_equal(info.nioapics, 2);
	assert_int_equal(info.ioapics[1].id, 5);
	assert_int_equal(info.ioapics[1].addr, 0xfec01000);
	assert_int_equal(info.ioapics[1].gsi_base, 24);
	assert_int_equal(info.noverrides, 2);
	assert_int_equal(info.overrides[0].source, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].bus, 0);
	assert_int_equal(info.overrides[1].source, 9);
	assert_int_equal(info.overrides[1].gsi, 9);
	assert_int_equal(info.overrides[1].flags, 0x000d);
}

static void test_madt_dedup(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 0, 1);
	tb_lapic(&t, 1, 1, 1);
	tb_x2apic(&t, 1, 1, 1);		/* same CPU as x2APIC: silently merged */
	tb_x2apic(&t, 0, 1, 0);
	tb_lapic(&t, 7, 1, 1);		/* same type twice: a firmware bug */
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.ncpus_enabled, 2);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_false(info.cpus[1].x2apic);
	assert_int_equal(info.cpus[1].uid, 1);
	assert_string_equal(warn, "MADT: APIC id 1 listed twice, second ignored\n");
}

static void test_madt_bad_checksum_skipped(void **state)
{
	struct fakemem *m = *state;
	struct tbuf f;
	struct blob t[] = { captured_madt, make_fadt(&f, 276, 1u << 10, 1, 0xcf9, 6) };
	char want[128];

	build_system(m, 2, t, 2);
	at(m, table_addr(0))[50] ^= 0x40;
	parse_ok(m, RSDP_ADDR);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
	assert_true(info.have_reset_reg);	/* the walk went on */
	snprintf(want, sizeof(want), "MADT at 0x%llx: bad checksum, ignored\n",
		 (unsigned long long)table_addr(0));
	assert_string_equal(warn, want);
}

static void test_madt_entry_length_zero(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 0, 1);
	tb_add(&t, 0, 0);		/* would loop forever if trusted */
	t.len += 8;
	tb_lapic(&t, 2, 2, 1);
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_true(info.have_madt);
	assert_int_equal(info.ncpus, 1);
	expect_warning("bad entry length at offset 52, rest ignored");
}

static void test_madt_entry_overruns_table(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 0, 1);
	tb_ioapic(&t, 1, 0xfec00000, 0);
	t.b[t.len - 11] = 40;		/* IOAPIC entry claims 40 bytes */
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.nioapics, 0);
	expect_warning("bad entry length at offset 52, rest ignored");
}

static void test_madt_trailing_byte(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 0, 1);
	t.b[t.len++] = 0;		/* one byte: not even a type+length */
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.ncpus, 1);
	expect_warning("bad entry length at offset 52");
}

static void test_madt_entry_too_short_for_type(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	tb_add(&t, 1, 8);		/* an IOAPIC entry needs 12 */
	tb_add(&t, 0x7f, 5);		/* unknown types are stepped over */
	tb_lapic(&t, 0, 6, 1);
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.nioapics, 0);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 6);
	assert_string_equal(warn, "MADT: type 1 entry at offset 44 has length 8 < 12, skipped\n");
}

static void test_too_many_cpus(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	for (u32 i = 0; i < ACPI_MAX_CPUS + 44; i++)
		tb_x2apic(&t, i, 1, i);
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.ncpus_enabled, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_string_equal(warn, "MADT: 44 CPUs beyond 256 ignored\n");
}

static void test_too_many_ioapics_and_overrides(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b;

	madt_begin(&t, 0xfee00000, 0);
	for (u32 i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		tb_ioapic(&t, (u8)i, 0xfec00000 + i * 0x1000, i * 24);
	for (u32 i = 0; i < ACPI_MAX_OVERRIDES + 2; i++)
		tb_iso(&t, (u8)i, i, 0);
	b = tb_done(&t);
	parse_ok(m, build_system(m, 2, &b, 1));
	assert_int_equal(info.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, (ACPI_MAX_IOAPICS - 1) * 24);
	assert_int_equal(info.noverrides, ACPI_MAX_OVERRIDES);
	expect_warning("MADT: 1 IOAPICs beyond 16 ignored\n");
	expect_warning("MADT: 2 overrides beyond 32 ignored\n");
}

static void test_second_madt_ignored(void **state)
{
	struct fakemem *m = *state;
	struct tbuf t;
	struct blob b[2];

	madt_begin(&t, 0xfee00000, 0);
	tb_lapic(&t, 0, 9, 1);
	b[0] = captured_madt;
	b[1] = tb_done(&t);
	parse_ok(m, build_system(m, 2, b, 2));
	check_captured_madt();
	expect_warning("second MADT, ignored");
}

/* --- RSDP and root table errors --------------------------------------------- */

static void test_rsdp_bad_checksum(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 0, &captured_madt, 1);

	at(m, rsdp)[12] ^= 1;		/* inside the OEM id */
	expect_error(m, rsdp, "RSDP at 0xf0000 has a bad checksum");
	assert_false(info.have_madt);
}

static void test_rsdp_bad_ext_checksum(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);

	at(m, rsdp)[34] = 0x55;		/* reserved, after the first 20 bytes */
	expect_error(m, rsdp, "RSDP at 0xf0000 has a bad extended checksum");
}

static void test_rsdp_bad_signature(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 0, &captured_madt, 1);
	u8 *r = at(m, rsdp);

	memcpy(r, "RSD PTR_", 8);
	checksum_fix(r, 20, 8);
	expect_error(m, rsdp, "RSDP at 0xf0000 has a bad signature");
}

static void test_rsdp_bad_length(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);
	u8 *r = at(m, rsdp);

	put32(r + 20, 20);
	checksum_fix(r, 36, 32);
	expect_error(m, rsdp, "RSDP at 0xf0000 has a bad length 20");
}

static void test_rsdp_not_mapped(void **state)
{
	struct fakemem *m = *state;

	build_system(m, 2, &captured_madt, 1);
	expect_error(m, 0xf1000, "RSDP at 0xf1000 is not readable");
}

static void test_rsdp_rev2_part_not_mapped(void **state)
{
	struct fakemem *m = *state;
	u8 *r = add_region(m, RSDP_ADDR, 20);	/* says rev 2, but 20 bytes */

	memcpy(r, "RSD PTR ", 8);
	r[15] = 2;
	checksum_fix(r, 20, 8);
	expect_error(m, RSDP_ADDR, "not readable");
}

static void test_root_not_mapped(void **state)
{
	struct fakemem *m = *state;

	put_rsdp(m, RSDP_ADDR, 2, 0, 0xdead0000);
	expect_error(m, RSDP_ADDR, "XSDT at 0xdead0000 is not readable");
}

static void test_root_truncated(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);

	/* The XSDT says 44 bytes, but the mapped region ends after 40. */
	m->r[1].len = 40;
	assert_int_equal(m->r[1].base, XSDT_ADDR);
	expect_error(m, rsdp, "XSDT at 0x7ffe0000: truncated, 44 bytes not readable");
}

static void test_root_too_small(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);
	u8 *x = at(m, XSDT_ADDR);

	put32(x + 4, 20);
	checksum_fix(x, 36, 9);
	expect_error(m, rsdp, "XSDT at 0x7ffe0000: length 20 is too small");
}

static void test_root_too_large(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 0, &captured_madt, 1);

	put32(at(m, RSDT_ADDR) + 4, 0x10000000);
	expect_error(m, rsdp, "RSDT at 0x7ffe1000: length 268435456 is too large");
}

static void test_root_bad_checksum(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 0, &captured_madt, 1);

	at(m, RSDT_ADDR)[36] ^= 0x80;
	expect_error(m, rsdp, "RSDT at 0x7ffe1000: bad checksum");
}

static void test_root_bad_signature(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 0, &captured_madt, 1);
	u8 *r = at(m, RSDT_ADDR);

	memcpy(r, "XSDT", 4);		/* an RSDP rev 0 must lead to an RSDT */
	sdt_seal(r);
	expect_error(m, rsdp, "RSDT at 0x7ffe1000 has a bad signature");
}

static void test_root_entries_unreadable_or_null(void **state)
{
	struct fakemem *m = *state;
	u64 e[] = { 0xbad000, 0, table_addr(0) };

	memcpy(add_region(m, e[2], captured_madt.len), captured_madt.data, captured_madt.len);
	put_root(m, XSDT_ADDR, true, e, 3);
	put_rsdp(m, RSDP_ADDR, 2, 0, XSDT_ADDR);
	parse_ok(m, RSDP_ADDR);
	check_captured_madt();
	assert_string_equal(warn, "table at 0xbad000 (root entry 0): not readable, ignored\n"
				  "root entry 1 is null, ignored\n");
}

static void test_madt_truncated_warns(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);

	put32(at(m, table_addr(0)) + 4, CAP_MADT_LEN + 8);
	parse_ok(m, rsdp);
	assert_false(info.have_madt);
	expect_warning(": truncated, 80 bytes not readable, ignored\n");
}

/* --- FADT -------------------------------------------------------------------- */

static void test_fadt_captured_has_no_reset_reg(void **state)
{
	struct fakemem *m = *state;
	struct blob t[] = { captured_fadt };

	parse_ok(m, build_system(m, 2, t, 1));
	assert_string_equal(warn, "");
	assert_false(info.have_madt);
	assert_false(info.have_reset_reg);
}

static void test_fadt_captured_with_reset_reg(void **state)
{
	struct fakemem *m = *state;
	u8 f[CAP_FADT_LEN];
	struct blob t[] = { { f, sizeof(f) } };

	/* The captured FADT, as if its firmware advertised 0xcf9 reset. */
	memcpy(f, captured_fadt.data, sizeof(f));
	put32(f + 112, get32(f + 112) | (1u << 10));
	f[116] = 1;
	f[117] = 8;
	put64(f + 120, 0xcf9);
	f[128] = 0x06;
	sdt_seal(f);
	parse_ok(m, build_system(m, 2, t, 1));
	assert_true(info.have_reset_reg);
	assert_int_equal(info.reset_reg.space, 1);
	assert_int_equal(info.reset_reg.bit_width, 8);
	assert_int_equal(info.reset_reg.addr, 0xcf9);
	assert_int_equal(info.reset_value, 0x06);
}

static void test_fadt_handbuilt(void **state)
{
	struct fakemem *m = *state;
	struct tbuf f;
	struct blob b = make_fadt(&f, 244, 1u << 10, 0, 0xfed00000ull, 0x0f);

	parse_ok(m, build_system(m, 0, &b, 1));
	assert_true(info.have_reset_reg);
	assert_int_equal(info.reset_reg.space, 0);
	assert_int_equal(info.reset_reg.addr, 0xfed00000ull);
	assert_int_equal(info.reset_value, 0x0f);
}

static void test_fadt_handbuilt_without_reset_sup(void **state)
{
	struct fakemem *m = *state;
	struct tbuf f;
	/* Everything but RESET_REG_SUP: the register must not be trusted. */
	struct blob b = make_fadt(&f, 276, ~(1u << 10), 1, 0xcf9, 6);

	parse_ok(m, build_system(m, 2, &b, 1));
	assert_false(info.have_reset_reg);
	assert_string_equal(warn, "");
}

static void test_fadt_v1_too_short(void **state)
{
	struct fakemem *m = *state;
	struct tbuf f;
	/* An ACPI 1.0 FADT ends at 116; bit 10 set there means nothing. */
	struct blob b = make_fadt(&f, 116, 1u << 10, 1, 0, 0);

	parse_ok(m, build_system(m, 0, &b, 1));
	assert_false(info.have_reset_reg);
	assert_string_equal(warn, "");
}

static void test_fadt_reset_reg_bad_space(void **state)
{
	struct fakemem *m = *state;
	struct tbuf f;
	struct blob b = make_fadt(&f, 244, 1u << 10, 0x7f, 0xcf9, 6);

	parse_ok(m, build_system(m, 2, &b, 1));
	assert_false(info.have_reset_reg);
	expect_warning("FADT: reset register in space 127 at 0xcf9 unusable\n");
}

/* --- acpi_find_rsdp_bios ---------------------------------------------------- */

#define EBDA_SEG 0x9fc0
#define EBDA_BASE 0x9fc00ull

/* BDA with the EBDA pointer, a 2 KiB EBDA (only the first KiB is to be
 * searched), and the BIOS area. */
static void bios_memory(struct fakemem *m, u16 ebda_seg)
{
	put16(add_region(m, 0x400, 0x100) + 0xe, ebda_seg);
	add_region(m, EBDA_BASE, 0x800);
	add_region(m, 0xe0000, 0x20000);
}

static void write_rsdp(u8 *r)
{
	memcpy(r, "RSD PTR ", 8);
	checksum_fix(r, 20, 8);
}

static void test_find_rsdp_in_ebda(void **state)
{
	struct fakemem *m = *state;

	bios_memory(m, EBDA_SEG);
	write_rsdp(at(m, EBDA_BASE + 0x3e0));	/* last slot that fits in 1 KiB */
	write_rsdp(at(m, 0xf5a40));		/* the EBDA wins */
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), EBDA_BASE + 0x3e0);
}

static void test_find_rsdp_in_e0000(void **state)
{
	struct fakemem *m = *state;

	bios_memory(m, EBDA_SEG);
	write_rsdp(at(m, 0xf5a40));
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), 0xf5a40);
}

static void test_find_rsdp_no_ebda(void **state)
{
	struct fakemem *m = *state;

	bios_memory(m, 0);		/* no EBDA: 0x0000 must not be scanned */
	add_region(m, 0, 0x400);
	write_rsdp(at(m, 0x100));
	write_rsdp(at(m, 0xfffe0));	/* last slot that fits below 1 MiB */
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), 0xfffe0);
}

static void test_find_rsdp_none(void **state)
{
	struct fakemem *m = *state;
	u8 *bad;

	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), 0);	/* nothing mapped */
	bios_memory(m, EBDA_SEG);
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), 0);
	write_rsdp(at(m, 0xe0008));		/* not on a 16-byte boundary */
	write_rsdp(at(m, EBDA_BASE + 0x3f0));	/* runs past the first KiB */
	write_rsdp(at(m, EBDA_BASE + 0x400));	/* beyond the first KiB */
	bad = at(m, 0xe1000);
	write_rsdp(bad);
	bad[8]++;				/* bad checksum */
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), 0);
}

static void test_find_rsdp_then_parse(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = build_system(m, 2, &captured_madt, 1);	/* RSDP at 0xf0000 */

	put16(add_region(m, 0x40e, 2), 0);
	assert_int_equal(acpi_find_rsdp_bios(fake_map, m), rsdp);
	parse_ok(m, rsdp);
	check_captured_madt();
}

/* --- message buffers --------------------------------------------------------- */

/* Builds a system that yields three warnings. */
static u64 noisy_system(struct fakemem *m)
{
	u64 e[] = { 0xbad000, 0, table_addr(0) };

	memcpy(add_region(m, e[2], captured_madt.len), captured_madt.data, captured_madt.len);
	at(m, e[2])[40] ^= 1;
	put_root(m, XSDT_ADDR, true, e, 3);
	put_rsdp(m, RSDP_ADDR, 2, 0, XSDT_ADDR);
	return RSDP_ADDR;
}

static void test_warn_buffer_tiny(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = noisy_system(m);
	char small[8];		/* ASan's stack redzone catches a ninth byte */

	assert_int_equal(acpi_parse(rsdp, fake_map, m, &info, err, sizeof(err), small, 8), 0);
	assert_int_equal(strlen(small), 7);
	assert_memory_equal(small, "table a", 8);

	/* warn may be NULL; a 1-byte buffer only has room for the NUL. */
	assert_int_equal(acpi_parse(rsdp, fake_map, m, &info, err, sizeof(err), NULL, 0), 0);
	char one = 'x';
	assert_int_equal(acpi_parse(rsdp, fake_map, m, &info, err, sizeof(err), &one, 1), 0);
	assert_int_equal(one, '\0');
}

static void test_warn_buffer_fills_up(void **state)
{
	struct fakemem *m = *state;
	u64 rsdp = noisy_system(m);
	char buf[70];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(acpi_parse(rsdp, fake_map, m, &info, err, sizeof(err), buf, 64), 0);
	assert_int_equal(strlen(buf), 63);
	assert_memory_equal(buf + 64, "xxxxxx", 6);
	/* The full text, for comparison: three lines. */
	parse_ok(m, rsdp);
	assert_memory_equal(warn, buf, 63);
	assert_non_null(strstr(warn, "MADT at 0x7ffe2003: bad checksum, ignored\n"));
}

static void test_err_buffer_tiny(void **state)
{
	struct fakemem *m = *state;
	char small[4];

	assert_true(acpi_parse(0x1234, fake_map, m, &info, small, 4, NULL, 0) < 0);
	assert_string_equal(small, "RSD");
	assert_true(acpi_parse(0x1234, fake_map, m, &info, NULL, 0, NULL, 0) < 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, mem_setup, mem_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fixtures_are_what_the_comment_says),
		T(test_captured_via_xsdt),
		T(test_captured_via_rsdt),
		T(test_rev2_without_xsdt_uses_rsdt),
		T(test_unused_tables_only_header_read),
		T(test_handbuilt_x2apic_madt),
		T(test_madt_dedup),
		T(test_madt_bad_checksum_skipped),
		T(test_madt_entry_length_zero),
		T(test_madt_entry_overruns_table),
		T(test_madt_trailing_byte),
		T(test_madt_entry_too_short_for_type),
		T(test_too_many_cpus),
		T(test_too_many_ioapics_and_overrides),
		T(test_second_madt_ignored),
		T(test_rsdp_bad_checksum),
		T(test_rsdp_bad_ext_checksum),
		T(test_rsdp_bad_signature),
		T(test_rsdp_bad_length),
		T(test_rsdp_not_mapped),
		T(test_rsdp_rev2_part_not_mapped),
		T(test_root_not_mapped),
		T(test_root_truncated),
		T(test_root_too_small),
		T(test_root_too_large),
		T(test_root_bad_checksum),
		T(test_root_bad_signature),
		T(test_root_entries_unreadable_or_null),
		T(test_madt_truncated_warns),
		T(test_fadt_captured_has_no_reset_reg),
		T(test_fadt_captured_with_reset_reg),
		T(test_fadt_handbuilt),
		T(test_fadt_handbuilt_without_reset_sup),
		T(test_fadt_v1_too_short),
		T(test_fadt_reset_reg_bad_space),
		T(test_find_rsdp_in_ebda),
		T(test_find_rsdp_in_e0000),
		T(test_find_rsdp_no_ebda),
		T(test_find_rsdp_none),
		T(test_find_rsdp_then_parse),
		T(test_warn_buffer_tiny),
		T(test_warn_buffer_fills_up),
		T(test_err_buffer_tiny),
	};
	int rc;

	captured_madt = load_fixture("APIC.hex");
	captured_fadt = load_fixture("FACP.hex");
	if (!captured_madt.data || !captured_fadt.data)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(captured_madt.data);
	free(captured_fadt.data);
	return rc;
}
