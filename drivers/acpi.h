/* ACPI table discovery and parsing: RSDP -> XSDT/RSDT -> MADT (CPUs, IOAPICs,
 * interrupt overrides) and FADT (reset register). The parser reads physical
 * memory only through an accessor, so it never dereferences an address it
 * was not allowed to, and the same code runs on captured tables in the host
 * unit tests. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "lib/types.h"

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 32

/* Returns a pointer through which [phys, phys+len) may be read, or NULL if
 * that range is not readable memory. */
typedef const void *(*acpi_map_fn)(u64 phys, u64 len, void *ctx);

struct acpi_cpu {
	u32 apic_id;
	u32 uid;          /* ACPI processor UID */
	bool x2apic;      /* listed as a Local x2APIC entry */
	bool enabled;     /* usable now */
	bool online_capable; /* disabled but may be hot-added */
};

struct acpi_ioapic {
	u32 id;
	u32 addr;     /* MMIO base */
	u32 gsi_base;
};

struct acpi_override { /* MADT Interrupt Source Override */
	u8 bus;
	u8 source;    /* ISA IRQ */
	u16 flags;    /* MPS INTI flags: polarity, trigger mode */
	u32 gsi;
};

struct acpi_gas { /* Generic Address Structure, as far as lucid uses it */
	u8 space;     /* 0 memory, 1 system I/O, 2 PCI config */
	u8 bit_width;
	u64 addr;
};

struct acpi_info {
	u64 rsdp;
	u8 revision;        /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
	char oem_id[7];     /* NUL-terminated */
	bool use_xsdt;
	u64 root;           /* physical address of the XSDT or RSDT */
	bool have_madt;
	u64 lapic_addr;     /* from the MADT (and its 64-bit override entry) */
	bool pcat_compat;   /* dual 8259 PICs present */
	u32 ncpus;          /* entries in cpus[] (enabled or online-capable) */
	u32 ncpus_enabled;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	u32 nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 noverrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	bool have_reset_reg;  /* FADT reset register usable */
	struct acpi_gas reset_reg;
	u8 reset_value;
};

/* Looks for the RSDP where legacy BIOSes put it: the first KiB of the EBDA
 * (segment at 0x40e) and 0xE0000-0xFFFFF. Returns its physical address with
 * a valid checksum, or 0. */
u64 acpi_find_rsdp_bios(acpi_map_fn map, void *ctx);

/* Parses everything reachable from the RSDP at `rsdp`. Returns 0, or a
 * negative value with a one-line reason in err (e.g. "RSDP checksum bad",
 * "XSDT at 0x... truncated"). Tables other than the root that are damaged
 * are skipped, and their problem is appended to `warn` (may be NULL),
 * one line each. */
int acpi_parse(u64 rsdp, acpi_map_fn map, void *ctx, struct acpi_info *out,
	       char *err, size_t errlen, char *warn, size_t warnlen);

#endif
