/* Host tests for the ACPI tables lucid builds for its VMs
 * (hv/vdev/acpi_tables.c) and the AML writer under them (hv/vdev/aml.c):
 * lucid's own parser of a machine's tables (drivers/acpi.c) reads them
 * back (checksums, pointers, the MADT's CPUs, IOAPIC and overrides, the
 * reset register); the FADT's and RSDP's fields and the DSDT's bytes are
 * checked by offset; a buffer too small is refused without a byte
 * written past it; PkgLength at each encoding width; and, where the
 * machine has ACPICA's iasl, `iasl -d` disassembles every table without
 * an error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/acpi.h"
#include "drivers/acpi_layout.h"
#include "hv/vdev/acpi_pm.h"
#include "hv/vdev/acpi_tables.h"
#include "hv/vdev/aml.h"

#define BASE ACPI_TABLES_BASE
#define RAM_TOP MiB(16)

static u8 buf[ACPI_TABLES_MAX];
static u32 used;
static struct acpi_info info;

static const void *map(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (phys < BASE || phys - BASE > used || len > used - (phys - BASE))
		return NULL;
	return buf + (phys - BASE);
}

static u32 build(u32 ncpus)
{
	used = acpi_tables_build(buf, sizeof(buf), BASE, ncpus, RAM_TOP);
	assert_true(used > 0);
	return used;
}

static const u8 *at(u64 gpa)
{
	assert_true(gpa >= BASE && gpa < BASE + used);
	return buf + (gpa - BASE);
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* The table of the XSDT with this signature. */
static const u8 *xsdt_table(const char *sig)
{
	struct rsdp r;
	const u8 *x;

	memcpy(&r, buf, sizeof(r));
	x = at(r.xsdt_addr);
	for (u32 off = SDT_HDR_LEN; off < rd32(x + 4); off += 8)
		if (!memcmp(at(rd64(x + off)), sig, 4))
			return at(rd64(x + off));
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

/* lucid's parser of real machines' tables takes them, for 1 to 8 vCPUs:
 * every checksum and pointer is good, and it finds what the VM is. */
static void test_parser_reads_them(void **state)
{
	static const u32 counts[] = { 1, 2, 3, 8 };
	char err[128], warn[512];

	(void)state;
	for (u32 k = 0; k < ARRAY_SIZE(counts); k++) {
		u32 n = counts[k];

		build(n);
		memset(&info, 0, sizeof(info));
		warn[0] = 0;
		assert_int_equal(acpi_parse(BASE, map, NULL, &info, err, sizeof(err), warn,
					    sizeof(warn)), 0);
		assert_string_equal(warn, "");
		assert_int_equal(info.revision, 2);
		assert_true(info.use_xsdt);
		assert_string_equal(info.oem_id, "LUCID ");
		assert_true(info.have_madt);
		assert_int_equal(info.lapic_addr, 0xfee00000);
		assert_true(info.pcat_compat);
		assert_int_equal(info.ncpus, n);
		assert_int_equal(info.ncpus_enabled, n);
		for (u32 i = 0; i < n; i++) {
			assert_int_equal(info.cpus[i].apic_id, i);
			assert_int_equal(info.cpus[i].uid, i);
			assert_false(info.cpus[i].x2apic);
		}
		assert_int_equal(info.nioapics, 1);
		assert_int_equal(info.ioapics[0].id, n);
		assert_int_equal(info.ioapics[0].addr, 0xfec00000);
		assert_int_equal(info.ioapics[0].gsi_base, 0);
		assert_int_equal(info.noverrides, 2);
		assert_int_equal(info.overrides[0].source, 0);
		assert_int_equal(info.overrides[0].gsi, 2);
		assert_int_equal(info.overrides[0].flags, 0);
		assert_int_equal(info.overrides[1].source, 9);
		assert_int_equal(info.overrides[1].gsi, 9);
		assert_int_equal(info.overrides[1].flags, MPS_ACTIVE_HIGH | MPS_LEVEL);
		assert_true(info.have_reset_reg);
		assert_int_equal(info.reset_reg.space, GAS_IO);
		assert_int_equal(info.reset_reg.addr, ACPI_RESET_PORT);
		assert_int_equal(info.reset_value, ACPI_RESET_VALUE);
	}
}

/* The RSDP: 16-aligned at the start, revision 2, both checksums; the
 * RSDT lists what the XSDT does. The MADT's NMI entry; its length. */
static void test_rsdp_roots_madt(void **state)
{
	struct rsdp r;
	const u8 *rsdt, *xsdt, *madt;

	(void)state;
	build(4);
	memcpy(&r, buf, sizeof(r));
	assert_memory_equal(r.sig, "RSD PTR ", 8);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.length, 36);
	assert_int_equal(acpi_sum(buf, RSDP_V1_LEN), 0);
	assert_int_equal(acpi_sum(buf, 36), 0);
	rsdt = at(r.rsdt_addr);
	xsdt = at(r.xsdt_addr);
	assert_int_equal(rd32(rsdt + 4), SDT_HDR_LEN + 2 * 4);
	assert_int_equal(rd32(xsdt + 4), SDT_HDR_LEN + 2 * 8);
	for (u32 i = 0; i < 2; i++)
		assert_int_equal(rd32(rsdt + SDT_HDR_LEN + 4 * i),
				 rd64(xsdt + SDT_HDR_LEN + 8 * i));
	madt = xsdt_table("APIC");
	assert_int_equal(rd32(madt + 4), 44 + 4 * 8 + 12 + 2 * 10 + 6);
	/* The last entry: NMI, every processor, flags 0 (conforming), LINT1. */
	assert_memory_equal(madt + rd32(madt + 4) - 6, "\x04\x06\xff\x00\x00\x01", 6);
}

static void check_gas(const struct gas_raw *g, u16 port, u8 bits)
{
	assert_int_equal(g->space, GAS_IO);
	assert_int_equal(g->bit_width, bits);
	assert_int_equal(g->addr, port);
}

/* The FADT as Linux reads it: revision 6, not hardware-reduced, ACPI
 * always on (no SMI port), SCI 9, the PM device's blocks in both the old
 * and the X_ fields, the FACS and the DSDT. */
static void test_fadt(void **state)
{
	struct fadt f;
	struct facs facs;
	const u8 *dsdt;

	(void)state;
	build(2);
	memcpy(&f, xsdt_table("FACP"), sizeof(f));
	assert_int_equal(f.hdr.length, 276);
	assert_int_equal(f.hdr.revision, 6);
	assert_int_equal(acpi_sum(&f, sizeof(f)), 0);
	assert_int_equal(f.sci_int, 9);
	assert_int_equal(f.smi_cmd, 0);
	assert_int_equal(f.acpi_enable | f.acpi_disable, 0);
	assert_int_equal(f.pm1a_evt, 0x600);
	assert_int_equal(f.pm1a_cnt, 0x604);
	assert_int_equal(f.pm_tmr, 0x608);
	assert_int_equal(f.pm1b_evt | f.pm1b_cnt | f.pm2_cnt | f.gpe0 | f.gpe1, 0);
	assert_int_equal(f.pm1_evt_len, 4);
	assert_int_equal(f.pm1_cnt_len, 2);
	assert_int_equal(f.pm_tmr_len, 4);
	check_gas(&f.x_pm1a_evt, 0x600, 32);
	check_gas(&f.x_pm1a_cnt, 0x604, 16);
	check_gas(&f.x_pm_tmr, 0x608, 32);
	check_gas(&f.reset_reg, ACPI_RESET_PORT, 8);
	assert_int_equal(f.reset_value, 6);
	assert_int_equal(f.flags & (FADT_HW_REDUCED_ACPI | FADT_TMR_VAL_EXT), 0);
	assert_int_equal(f.flags & FADT_RESET_REG_SUP, FADT_RESET_REG_SUP);
	assert_int_equal(f.iapc_boot_arch & (BOOT_ARCH_8042 | BOOT_ARCH_LEGACY_DEVICES),
			 BOOT_ARCH_8042 | BOOT_ARCH_LEGACY_DEVICES);
	assert_true(f.p_lvl2_lat > 100 && f.p_lvl3_lat > 1000);

	assert_int_equal(f.firmware_ctrl % 64, 0);
	assert_int_equal(f.x_firmware_ctrl, 0);	/* the spec: one of the two */
	memcpy(&facs, at(f.firmware_ctrl), sizeof(facs));
	assert_memory_equal(facs.sig, "FACS", 4);
	assert_int_equal(facs.length, 64);

	assert_int_equal(f.x_dsdt, f.dsdt);
	dsdt = at(f.dsdt);
	assert_memory_equal(dsdt, "DSDT", 4);
	assert_int_equal(dsdt[8], 2);
	assert_int_equal(acpi_sum(dsdt, rd32(dsdt + 4)), 0);
}

/* PkgLength: its byte count and the length it says (6.x 20.2.4). */
static u32 pkg_length(const u8 *p, u32 *nbytes)
{
	u32 n = (p[0] >> 6) + 1, len;

	if (n == 1) {
		*nbytes = 1;
		return p[0] & 0x3f;
	}
	len = p[0] & 0xf;
	for (u32 i = 1; i < n; i++)
		len |= (u32)p[i] << (4 + 8 * (i - 1));
	*nbytes = n;
	return len;
}

static bool has(const u8 *t, u32 len, const void *bytes, u32 n)
{
	for (u32 i = 0; i + n <= len; i++)
		if (!memcmp(t + i, bytes, n))
			return true;
	return false;
}

/* The DSDT: \_S5 first, with SLP_TYP 5 twice, then \_SB's scope, whose
 * PkgLength runs exactly to the table's end; the devices' ids. */
static void test_dsdt(void **state)
{
	/* NameOp, the name, PackageOp, PkgLength 8, 4 elements. */
	static const u8 s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	const u8 *d;
	u32 len, n, scope;

	(void)state;
	build(8);
	d = at(rd32(xsdt_table("FACP") + 40));
	len = rd32(d + 4);
	assert_memory_equal(d + SDT_HDR_LEN, s5, sizeof(s5));
	scope = SDT_HDR_LEN + sizeof(s5);
	assert_int_equal(d[scope], 0x10);
	assert_int_equal(pkg_length(d + scope + 1, &n), len - scope - 1);
	assert_int_equal(n, 2);
	assert_memory_equal(d + scope + 1 + n, "\\_SB_", 5);
	assert_true(has(d, len, "\x5b\x82", 2));
	assert_true(has(d, len, "C007", 4));
	assert_false(has(d, len, "C008", 4));
	assert_true(has(d, len, "\x0d" "ACPI0007", 9));
	assert_true(has(d, len, "\x0c\x41\xd0\x0a\x03", 5));	/* PNP0A03 */
	assert_true(has(d, len, "\x0c\x41\xd0\x05\x01", 5));	/* PNP0501 */
	assert_true(has(d, len, "\x0c\x41\xd0\x0b\x00", 5));	/* PNP0B00 */
	assert_true(has(d, len, "\x0c\x41\xd0\x03\x03", 5));	/* PNP0303 */
	assert_true(has(d, len, "\x0c\x41\xd0\x0f\x13", 5));	/* PNP0F13 */
	/* COM1's ports and IRQ 4. */
	assert_true(has(d, len, "\x47\x01\xf8\x03\xf8\x03\x01\x08\x22\x10\x00", 11));
}

/* Every size short of what the tables need is refused, and nothing is
 * written past it (ASan watches the heap buffer). */
static void test_too_small(void **state)
{
	u32 need = build(2);

	(void)state;
	for (u32 size = 0; size < need; size += size < 64 ? 1 : 37) {
		u8 *small = malloc(size ? size : 1);

		assert_int_equal(acpi_tables_build(small, size, BASE, 2, RAM_TOP), 0);
		free(small);
	}
	assert_int_equal(acpi_tables_build(buf, sizeof(buf), BASE, 0, RAM_TOP), 0);
	assert_int_equal(acpi_tables_build(buf, sizeof(buf), BASE, 256, RAM_TOP), 0);
}

/* A scope whose body makes the PkgLength need 1, 2, 3 bytes: each is the
 * shortest, and says the construct's length. */
static void test_pkg_length(void **state)
{
	static u8 out[0x20000];
	static const struct { u32 body; u32 nbytes; } cases[] = {
		{ 0, 1 }, { 62, 1 }, { 63, 2 }, { 4093, 2 }, { 4094, 3 }, { 70000, 3 },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aml a;
		u32 mark, n;

		aml_init(&a, out, sizeof(out));
		mark = aml_package(&a, 0);	/* PackageOp, PkgLength, one byte */
		for (u32 k = 1; k < cases[i].body; k++)
			aml_byte(&a, 0);
		aml_close(&a, mark);
		assert_false(a.overflow);
		assert_int_equal(pkg_length(out + 1, &n), a.len - 1);
		assert_int_equal(n, cases[i].nbytes);
	}
}

static void test_aml_encodings(void **state)
{
	static const struct { u64 v; const char *bytes; u32 n; } ints[] = {
		{ 0, "\x00", 1 }, { 1, "\x01", 1 }, { 2, "\x0a\x02", 2 },
		{ 0x100, "\x0b\x00\x01", 3 }, { 0x10000, "\x0c\x00\x00\x01\x00", 5 },
		{ 1ull << 32, "\x0e\x00\x00\x00\x00\x01\x00\x00\x00", 9 }, { ~0ull, "\xff", 1 },
	};
	u8 out[32];
	struct aml a;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(ints); i++) {
		aml_init(&a, out, sizeof(out));
		aml_int(&a, ints[i].v);
		assert_int_equal(a.len, ints[i].n);
		assert_memory_equal(out, ints[i].bytes, ints[i].n);
	}
	aml_init(&a, out, sizeof(out));
	aml_name(&a, "\\_SB.PCI0.COM");
	assert_int_equal(a.len, 15);
	assert_memory_equal(out, "\\\x2f\x03_SB_PCI0COM_", 15);
	aml_init(&a, out, sizeof(out));
	aml_name(&a, "A.B");
	assert_memory_equal(out, "\x2e" "A___B___", 9);
	/* What does not fit is dropped, and so is everything after it. */
	aml_init(&a, out, 4);
	aml_string(&a, "long");
	assert_true(a.overflow);
	assert_int_equal(a.len, 1);
	aml_byte(&a, 1);
	assert_int_equal(a.len, 1);
}

/* ACPICA's disassembler, where the machine has it, reads every table
 * without an error. */
static void test_iasl(void **state)
{
	static const char *const sigs[] = { "DSDT", "FACP", "APIC", "RSDT", "XSDT" };
	char dir[] = "/tmp/lucid-acpi-XXXXXX", cmd[256];

	(void)state;
	if (system("command -v iasl >/dev/null 2>&1")) {
		skip();
		return;
	}
	build(2);
	assert_non_null(mkdtemp(dir));
	for (u32 i = 0; i < ARRAY_SIZE(sigs); i++) {
		const u8 *t = !strcmp(sigs[i], "DSDT") ? at(rd32(xsdt_table("FACP") + 40)) :
			      !strcmp(sigs[i], "RSDT") ? at(((const struct rsdp *)buf)->rsdt_addr) :
			      !strcmp(sigs[i], "XSDT") ? at(((const struct rsdp *)buf)->xsdt_addr) :
							 xsdt_table(sigs[i]);
		FILE *f;

		snprintf(cmd, sizeof(cmd), "%s/%s.dat", dir, sigs[i]);
		f = fopen(cmd, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(t, 1, rd32(t + 4), f), rd32(t + 4));
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && iasl -d %s.dat >%s.log 2>&1 && ! grep -qi 'error' %s.log %s.dsl",
			 dir, sigs[i], sigs[i], sigs[i], sigs[i]);
		if (system(cmd))
			fail_msg("iasl -d %s failed: see %s/%s.log", sigs[i], dir, sigs[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_reads_them),
		cmocka_unit_test(test_rsdp_roots_madt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_dsdt),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_pkg_length),
		cmocka_unit_test(test_aml_encodings),
		cmocka_unit_test(test_iasl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
