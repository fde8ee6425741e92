/* acpi: the ACPI tables and PM device of a VM of platform = pc, as an ACPI
 * guest (Linux) uses them. The guest finds the RSDP by scanning the BIOS
 * area 0xe0000-0xfffff, follows the XSDT to the MADT (one enabled local
 * APIC per vCPU with ids 0..n-1, the IOAPIC at 0xfec00000 from GSI 0, the
 * overrides IRQ 0 -> 2 and IRQ 9 level, active high, the NMI on LINT1)
 * and the FADT (SCI 9, the PM1a and PM timer blocks, the reset register,
 * the DSDT with a \_S5 object), reads SCI_EN set and the PM timer
 * running. On its first boot it then writes the FADT's reset value to the
 * reset register; after the reboot (lucid's CPUID leaf 0x40000001 EBX
 * counts boots) it checks everything again and powers off through
 * PM1a_CNT with SLP_TYP 5 and SLP_EN, the value \_S5 names (hard-coded
 * here, after checking that the DSDT's \_S5 package starts with it).
 * Offsets are the spec's (ACPI 6.x chapter 5), written out here rather
 * than taken from lucid's headers. Command line: vcpus=N. 32-bit. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#define S5_SLP_TYP 5
#define SLP_EN (1u << 13)
#define SCI_EN 1u

static u8 b8(u32 a) { return *(volatile u8 *)a; }
static u16 b16(u32 a) { return *(volatile u16 *)a; }
static u32 b32(u32 a) { return *(volatile u32 *)a; }

static u8 sum(u32 a, u32 len)
{
	u8 s = 0;

	while (len--)
		s += b8(a++);
	return s;
}

static bool sig(u32 a, const char *s)
{
	for (u32 i = 0; s[i]; i++)
		if (b8(a + i) != (u8)s[i])
			return false;
	return true;
}

/* A table's header is good: signature, a length of at least the header,
 * a checksum of 0. */
static bool table_ok(u32 a, const char *s)
{
	return a && sig(a, s) && b32(a + 4) >= 36 && sum(a, b32(a + 4)) == 0;
}

static u32 find_rsdp(void)
{
	for (u32 a = 0xe0000; a < 0x100000; a += 16)
		if (sig(a, "RSD PTR ") && sum(a, 20) == 0)
			return a;
	return 0;
}

/* The XSDT entry with this signature (64-bit pointers below 4 GiB). */
static u32 xsdt_find(u32 xsdt, const char *s)
{
	for (u32 off = 36; off + 8 <= b32(xsdt + 4); off += 8) {
		u32 t = b32(xsdt + off);

		if (!b32(xsdt + off + 4) && sig(t, s))
			return t;
	}
	return 0;
}

static bool check_madt(u32 m, u32 vcpus)
{
	u32 cpus = 0, ioapics = 0, nmi = 0, iso0 = 0, iso9 = 0, len = b32(m + 4);
	bool ok = b32(m + 36) == 0xfee00000 && (b32(m + 40) & 1);

	for (u32 off = 44; off + 2 <= len && b8(m + off + 1) >= 2; off += b8(m + off + 1)) {
		u32 e = m + off;

		switch (b8(e)) {
		case 0:	/* local APIC: UID, APIC id, flags */
			ok &= b8(e + 2) == cpus && b8(e + 3) == cpus && (b32(e + 4) & 1);
			cpus++;
			break;
		case 1:	/* IOAPIC: id, address, GSI base */
			ok &= b8(e + 2) == vcpus && b32(e + 4) == 0xfec00000 && b32(e + 8) == 0;
			ioapics++;
			break;
		case 2:	/* override: bus, source, GSI, flags */
			if (b8(e + 3) == 0)
				iso0 += b32(e + 4) == 2;
			if (b8(e + 3) == 9)
				iso9 += b32(e + 4) == 9 && b16(e + 8) == 0xd;
			break;
		case 4:	/* NMI: UID, flags, LINT */
			nmi += b8(e + 2) == 0xff && b8(e + 5) == 1;
			break;
		}
	}
	return test_check(ok && cpus == vcpus && ioapics == 1 && iso0 == 1 && iso9 == 1 &&
			  nmi == 1,
			  "MADT: %u local APICs (ids 0..%u), the IOAPIC at 0xfec00000, overrides "
			  "0 -> 2 and 9 level high, NMI on LINT1", cpus, cpus - 1);
}

/* Whether the DSDT names \_S5 with a package whose first element is S5's
 * SLP_TYP: NameOp, '\', "_S5_", PackageOp, a one-byte length, 4 elements,
 * BytePrefix 5 (what lucid writes; another firmware may spell it
 * otherwise). */
static bool dsdt_s5(u32 d)
{
	for (u32 a = d + 36; a + 10 <= d + b32(d + 4); a++)
		if (sig(a, "_S5_"))
			return b8(a + 4) == 0x12 && b8(a + 7) == 0x0a && b8(a + 8) == S5_SLP_TYP;
	return false;
}

struct fadt {
	u16 pm1a_evt, pm1a_cnt, pm_tmr, reset_port;
	u8 reset_value;
};

static bool check_fadt(u32 f, struct fadt *out)
{
	u32 dsdt = b32(f + 40);
	bool ok = b8(f + 8) >= 5 && b16(f + 46) == 9 && b32(f + 48) == 0 && b8(f + 88) == 4 &&
		  b8(f + 89) == 2 && b8(f + 91) == 4 && !(b32(f + 112) & (1u << 20)) &&
		  (b32(f + 112) & (1u << 10)) && b8(f + 116) == 1 && (b16(f + 109) & 2);

	out->pm1a_evt = (u16)b32(f + 56);
	out->pm1a_cnt = (u16)b32(f + 64);
	out->pm_tmr = (u16)b32(f + 76);
	out->reset_port = (u16)b32(f + 120);
	out->reset_value = b8(f + 128);
	test_check(ok && out->pm1a_evt && out->pm1a_cnt && out->pm_tmr,
		   "FADT: SCI 9, no SMI port, PM1a at %#x/%#x, PM timer at %#x, 8042, "
		   "reset register at port %#x", out->pm1a_evt, out->pm1a_cnt, out->pm_tmr,
		   out->reset_port);
	return test_check(table_ok(dsdt, "DSDT") && dsdt_s5(dsdt),
			  "DSDT at %#x: checksum good, \\_S5 with SLP_TYP %u", dsdt, S5_SLP_TYP);
}

/* The 24-bit PM timer runs: it changes within a while and its top byte
 * stays 0. */
static void check_timer(u16 port)
{
	u32 t0 = inl(port), t = t0, top = 0;

	for (u32 i = 0; i < 100000 && t == t0; i++) {
		t = inl(port);
		top |= t >> 24;
	}
	test_check(t != t0 && !top, "the PM timer advances (%#x -> %#x), 24 bits", t0, t);
}

void test_main(void)
{
	u64 vcpus = 1;
	u32 boots, rsdp, xsdt, madt, facp;
	struct fadt f;

	if (!on_lucid) {
		test_skip("ACPI tables as lucid writes them: not on lucid");
		return;
	}
	boots = cpuid(LUCID_CPUID_ABI).b;
	cmdline_u64("vcpus", &vcpus);
	rsdp = find_rsdp();
	if (!test_check(rsdp, "RSDP found by the scan of 0xe0000-0xfffff (at %#x)", rsdp))
		return;
	xsdt = b32(rsdp + 24);
	if (!test_check(b8(rsdp + 15) == 2 && !(rsdp & 15) && sum(rsdp, b32(rsdp + 20)) == 0 &&
			b32(rsdp + 28) == 0 && table_ok(xsdt, "XSDT") &&
			table_ok(b32(rsdp + 16), "RSDT"),
			"RSDP revision 2, both checksums good; RSDT and XSDT good"))
		return;
	madt = xsdt_find(xsdt, "APIC");
	facp = xsdt_find(xsdt, "FACP");
	if (!test_check(table_ok(madt, "APIC") && table_ok(facp, "FACP"),
			"the XSDT leads to the MADT and the FADT, checksums good"))
		return;
	check_madt(madt, (u32)vcpus);
	if (!check_fadt(facp, &f))
		return;
	test_check(inw(f.pm1a_cnt) & SCI_EN, "PM1a_CNT has SCI_EN set: ACPI is on");
	check_timer(f.pm_tmr);

	if (boots == 0) {
		test_pass("writing %#x to the reset register, port %#x", f.reset_value,
			  f.reset_port);
		outb(f.reset_port, f.reset_value);
		for (volatile u32 i = 0; i < 1000000; i++)
			;
		test_fail("still running after the reset register's write");
		return;
	}
	test_check(boots == 1, "came back after the reset register's reboot (boot %u)", boots);
	test_pass("writing SLP_TYP %u with SLP_EN to PM1a_CNT", S5_SLP_TYP);
	outw(f.pm1a_cnt, S5_SLP_TYP << 10 | SLP_EN);
	for (volatile u32 i = 0; i < 1000000; i++)
		;
	test_fail("still running after the S5 write");
}
