/* A VM's ACPI tables (acpi_tables.h). Layout from ACPI 6.x chapter 5
 * (drivers/acpi_layout.h), the DSDT written with the AML writer (aml.h).
 *
 *   base + 0x00  RSDP (revision 2)
 *   base + 0x40  FACS (64-aligned)
 *   then, each 16-aligned: RSDT, XSDT, FADT, MADT, DSDT */
#include "hv/vdev/acpi_tables.h"
#include "drivers/acpi_layout.h"
#include "hv/vdev/acpi_pm.h"
#include "hv/vdev/aml.h"
#include "lib/string.h"

#define OEM_ID "LUCID "
#define OEM_TABLE_ID "LUCIDVM "
#define CREATOR_ID 0x4443554c	/* "LUCD" */
#define FACS_OFFSET 0x40u
#define NTABLES 2		/* in the RSDT and XSDT: the FADT, the MADT */
#define PCI_IO_CONFIG 0xcf8
#define PCI_MEM_END 0xfebfffffu	/* below the IOAPIC */

struct builder {
	u8 *buf;
	u32 size, len;
	u64 base;
	bool overflow;
};

/* Room for n bytes at the next multiple of align; NULL if none. */
static void *place(struct builder *b, u32 n, u32 align, u64 *gpa)
{
	u32 at = ALIGN_UP(b->len, align);

	if (b->overflow || at > b->size || n > b->size - at) {
		b->overflow = true;
		return NULL;
	}
	b->len = at + n;
	*gpa = b->base + at;
	return b->buf + at;
}

static void header(struct sdt_hdr *h, const char *sig, u32 length, u8 revision)
{
	memcpy(h->sig, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	h->creator_id = CREATOR_ID;
	h->creator_revision = 1;
}

/* Room for a table of length bytes, its header filled in; finish()
 * sets its checksum when it is complete. */
static void *table(struct builder *b, const char *sig, u32 length, u8 revision, u64 *gpa)
{
	void *t = place(b, length, 16, gpa);

	if (t)
		header(t, sig, length, revision);
	return t;
}

static void finish(void *t)
{
	struct sdt_hdr *h = t;

	h->checksum = (u8)(0 - acpi_sum(t, h->length));
}

static struct gas_raw io_gas(u16 port, u8 bytes, u8 access_size)
{
	return (struct gas_raw){ .space = GAS_IO, .bit_width = (u8)(8 * bytes),
				 .access_size = access_size, .addr = port };
}

static u64 put_fadt(struct builder *b, u64 facs, u64 dsdt)
{
	u64 gpa = 0;
	struct fadt *t = table(b, "FACP", sizeof(*t), 6, &gpa), f;

	if (!t)
		return 0;
	memcpy(&f, t, sizeof(f));	/* packed: filled in a copy */
	f.minor_version = 0;
	f.firmware_ctrl = (u32)facs;
	f.dsdt = (u32)dsdt;
	f.x_dsdt = dsdt;
	f.sci_int = ACPI_SCI_IRQ;
	f.smi_cmd = 0;		/* ACPI is always on: no SMI port to enable it */
	f.pm1a_evt = ACPI_PM1_EVT;
	f.pm1a_cnt = ACPI_PM1_CNT;
	f.pm_tmr = ACPI_PM_TMR;
	f.pm1_evt_len = ACPI_PM1_EVT_LEN;
	f.pm1_cnt_len = ACPI_PM1_CNT_LEN;
	f.pm_tmr_len = ACPI_PM_TMR_LEN;
	f.x_pm1a_evt = io_gas(ACPI_PM1_EVT, ACPI_PM1_EVT_LEN, 0);
	f.x_pm1a_cnt = io_gas(ACPI_PM1_CNT, ACPI_PM1_CNT_LEN, 0);
	f.x_pm_tmr = io_gas(ACPI_PM_TMR, ACPI_PM_TMR_LEN, 3);
	/* Above 100 and 1000: no C2, no C3. */
	f.p_lvl2_lat = 101;
	f.p_lvl3_lat = 1001;
	f.iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 | BOOT_ARCH_VGA_NOT_PRESENT;
	f.flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC |
		  FADT_RESET_REG_SUP;
	f.reset_reg = io_gas(ACPI_RESET_PORT, 1, 1);
	f.reset_value = ACPI_RESET_VALUE;
	memcpy(t, &f, sizeof(f));
	finish(t);
	return gpa;
}

static u64 put_madt(struct builder *b, u32 ncpus)
{
	const u32 fixed[2] = { ACPI_LAPIC_ADDR, MADT_PCAT_COMPAT };	/* address, flags */
	struct madt_ioapic io = { MADT_IOAPIC, sizeof(io), (u8)ncpus, 0, ACPI_IOAPIC_ADDR, 0 };
	/* The PIT's IRQ 0 is wired to input 2, as on every PC with an
	 * IOAPIC; the SCI is level-triggered, active high (ACPI 5.2.12.5). */
	struct madt_iso timer = { MADT_ISO, sizeof(timer), 0, 0, 2, 0 };
	struct madt_iso sci = { MADT_ISO, sizeof(sci), 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ,
				MPS_ACTIVE_HIGH | MPS_LEVEL };
	/* LINT1 of every local APIC is the NMI line, as the MP spec wires it. */
	struct madt_lapic_nmi nmi = { MADT_LAPIC_NMI, sizeof(nmi), 0xff, 0, 1 };
	u32 len = sizeof(struct madt_fixed) + ncpus * sizeof(struct madt_lapic) + sizeof(io) +
		  2 * sizeof(sci) + sizeof(nmi);
	u64 gpa = 0;
	u8 *t = table(b, "APIC", len, 4, &gpa), *e;

	if (!t)
		return 0;
	memcpy(t + SDT_HDR_LEN, fixed, sizeof(fixed));
	e = t + sizeof(struct madt_fixed);
#define ENTRY(x) (memcpy(e, &(x), sizeof(x)), e += sizeof(x))
	for (u32 i = 0; i < ncpus; i++) {
		struct madt_lapic l = { MADT_LAPIC, sizeof(l), (u8)i, (u8)i, LAPIC_ENABLED };

		ENTRY(l);
	}
	ENTRY(io);
	ENTRY(timer);
	ENTRY(sci);
	ENTRY(nmi);
#undef ENTRY
	finish(t);
	return gpa;
}

/* Device (name) { Name (_HID, EisaId (hid)) Name (_UID, uid)
 * Name (_CRS, ...) }, the _CRS from the descriptors the caller wrote
 * into r. */
static void pnp_device(struct aml *a, const char *name, const char *hid, u32 uid, struct aml *r)
{
	u32 dev = aml_device(a, name);

	aml_name_begin(a, "_HID");
	aml_eisaid(a, hid);
	aml_name_begin(a, "_UID");
	aml_int(a, uid);
	aml_res_end(r);
	aml_name_buffer(a, "_CRS", r->buf, r->len);
	aml_close(a, dev);
}

static void dsdt_body(struct aml *a, u32 ncpus, u64 ram_top)
{
	u8 crsbuf[128];
	struct aml r;
	u32 sb, pkg, dev;

	/* \_S5: SLP_TYPa, SLP_TYPb (no PM1b block), two reserved. */
	aml_name_begin(a, "\\_S5");
	pkg = aml_package(a, 4);
	aml_int(a, ACPI_S5_SLP_TYP);
	aml_int(a, ACPI_S5_SLP_TYP);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_close(a, pkg);

	sb = aml_scope(a, "\\_SB");
	/* The processors, by the UIDs of their MADT entries. */
	for (u32 i = 0; i < ncpus; i++) {
		static const char hex[] = "0123456789ABCDEF";
		char name[5] = { 'C', hex[i >> 8 & 15], hex[i >> 4 & 15], hex[i & 15], 0 };

		dev = aml_device(a, name);
		aml_name_begin(a, "_HID");
		aml_string(a, "ACPI0007");
		aml_name_begin(a, "_UID");
		aml_int(a, i);
		aml_close(a, dev);
	}

	/* The PCI root: bus 0, config mechanism #1, the I/O space around
	 * it and the memory above RAM up to the IOAPIC as its windows. */
	aml_init(&r, crsbuf, sizeof(crsbuf));
	aml_res_bus(&r, 0, 0xff);
	aml_res_io(&r, PCI_IO_CONFIG, 8);
	aml_res_io_window(&r, 0, PCI_IO_CONFIG - 1);
	aml_res_io_window(&r, PCI_IO_CONFIG + 8, 0xffff);
	ram_top = ALIGN_UP(ram_top, MiB(1));
	if (ram_top < PCI_MEM_END)
		aml_res_mem_window(&r, (u32)ram_top, PCI_MEM_END);
	pnp_device(a, "PCI0", "PNP0A03", 0, &r);

	aml_init(&r, crsbuf, sizeof(crsbuf));
	aml_res_io(&r, 0x3f8, 8);
	aml_res_irq(&r, 4);
	pnp_device(a, "COM1", "PNP0501", 1, &r);

	aml_init(&r, crsbuf, sizeof(crsbuf));
	aml_res_io(&r, 0x70, 2);
	aml_res_irq(&r, 8);
	pnp_device(a, "RTC", "PNP0B00", 0, &r);

	aml_init(&r, crsbuf, sizeof(crsbuf));
	aml_res_io(&r, 0x60, 1);
	aml_res_io(&r, 0x64, 1);
	aml_res_irq(&r, 1);
	pnp_device(a, "KBD", "PNP0303", 0, &r);

	aml_init(&r, crsbuf, sizeof(crsbuf));
	aml_res_irq(&r, 12);
	pnp_device(a, "MOU", "PNP0F13", 0, &r);
	aml_close(a, sb);
}

/* Written in place: the AML writer gets the rest of the buffer. */
static u64 put_dsdt(struct builder *b, u32 ncpus, u64 ram_top)
{
	u32 at = ALIGN_UP(b->len, 16);
	struct aml a;

	if (b->overflow || at >= b->size) {
		b->overflow = true;
		return 0;
	}
	aml_init(&a, b->buf + at, b->size - at);
	aml_bytes(&a, (u8[SDT_HDR_LEN]){ 0 }, SDT_HDR_LEN);
	dsdt_body(&a, ncpus, ram_top);
	if (a.overflow) {
		b->overflow = true;
		return 0;
	}
	/* Revision 2: the AML's integers are 64 bits wide. */
	header((struct sdt_hdr *)a.buf, "DSDT", a.len, 2);
	finish(a.buf);
	b->len = at + a.len;
	return b->base + at;
}

static u64 put_root(struct builder *b, const char *sig, const u64 *tables, u32 entry_size)
{
	u64 gpa = 0;
	u8 *t = table(b, sig, SDT_HDR_LEN + NTABLES * entry_size, 1, &gpa);

	if (!t)
		return 0;
	for (u32 i = 0; i < NTABLES; i++)
		memcpy(t + SDT_HDR_LEN + i * entry_size, &tables[i], entry_size);
	finish(t);
	return gpa;
}

u32 acpi_tables_build(u8 *buf, u32 size, u64 base, u32 ncpus, u64 ram_top)
{
	struct builder b = { buf, size, 0, base, false };
	struct rsdp *rsdp;
	struct facs *facs;
	u64 rsdp_gpa, facs_gpa, dsdt, rsdt, xsdt, tables[NTABLES];

	if (ncpus == 0 || ncpus > 255 || base + size > GiB(4))
		return 0;
	memset(buf, 0, size);
	rsdp = place(&b, sizeof(*rsdp), 16, &rsdp_gpa);
	b.len = FACS_OFFSET;
	facs = place(&b, sizeof(*facs), 64, &facs_gpa);
	if (!rsdp || !facs)
		return 0;
	memcpy(facs->sig, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	dsdt = put_dsdt(&b, ncpus, ram_top);
	tables[0] = put_fadt(&b, facs_gpa, dsdt);
	tables[1] = put_madt(&b, ncpus);
	rsdt = put_root(&b, "RSDT", tables, 4);
	xsdt = put_root(&b, "XSDT", tables, 8);
	if (b.overflow)
		return 0;

	memcpy(rsdp->sig, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_addr = (u32)rsdt;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_addr = xsdt;
	rsdp->checksum = (u8)(0 - acpi_sum(rsdp, RSDP_V1_LEN));
	rsdp->ext_checksum = (u8)(0 - acpi_sum(rsdp, sizeof(*rsdp)));
	return b.len;
}
