/* A small AML writer (ACPI 6.x, chapter 20): enough of the language to
 * write the DSDT of a VM as data (names, integers, strings, packages,
 * scopes, devices) and resource templates for _CRS, appended to a byte
 * buffer. Nothing is evaluated; the guest's interpreter reads it.
 *
 * A construct with a PkgLength (scope, device, package) is opened, filled
 * and closed: aml_close encodes the length in as few bytes as it needs.
 * A buffer too small sets `overflow` and later writes are dropped, so a
 * caller checks once at the end. Pure code. */
#ifndef HV_VDEV_AML_H
#define HV_VDEV_AML_H

#include "lib/types.h"

struct aml {
	u8 *buf;
	u32 len, cap;
	bool overflow;
};

void aml_init(struct aml *a, u8 *buf, u32 cap);
void aml_byte(struct aml *a, u8 b);
void aml_bytes(struct aml *a, const void *p, u32 n);
void aml_word(struct aml *a, u16 v);
void aml_dword(struct aml *a, u32 v);

/* A NameString: "\\_SB_.PCI0", "COM1", "_S5"; each segment of up to four
 * characters, padded with '_'. */
void aml_name(struct aml *a, const char *path);
/* An integer in its shortest encoding (Zero, One, Ones, Byte...QWord). */
void aml_int(struct aml *a, u64 v);
void aml_string(struct aml *a, const char *s);
/* An EISA id, "PNP0A03", as the compressed DWord EisaId() gives. */
void aml_eisaid(struct aml *a, const char *id);

/* Name (path, ...): the object follows (aml_int, aml_string, ...). */
void aml_name_begin(struct aml *a, const char *path);
/* Name (path, Buffer () { bytes }). */
void aml_name_buffer(struct aml *a, const char *path, const u8 *bytes, u32 n);

/* The openers return a mark for aml_close. */
u32 aml_scope(struct aml *a, const char *path);
u32 aml_device(struct aml *a, const char *path);
u32 aml_package(struct aml *a, u8 elements);
void aml_close(struct aml *a, u32 mark);

/* Resource descriptors (6.4), written into a struct aml of their own
 * whose bytes become a _CRS buffer; aml_res_end closes the template. */
void aml_res_io(struct aml *r, u16 port, u8 len);
void aml_res_irq(struct aml *r, u8 irq);	/* IRQNoFlags: edge, active high */
/* Producer windows, MinFixed, MaxFixed, PosDecode: a bus number range,
 * an I/O range (EntireRange) or a memory range (non-cacheable, RW). */
void aml_res_bus(struct aml *r, u16 min, u16 max);
void aml_res_io_window(struct aml *r, u16 min, u16 max);
void aml_res_mem_window(struct aml *r, u32 min, u32 max);
void aml_res_end(struct aml *r);

#endif
