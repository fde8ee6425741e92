/* The AML writer (aml.h). Opcodes and encodings from ACPI 6.x 20.2;
 * resource descriptors from 6.4. */
#include "hv/vdev/aml.h"
#include "lib/string.h"

#define ZERO_OP 0x00
#define ONE_OP 0x01
#define NAME_OP 0x08
#define BYTE_PREFIX 0x0a
#define WORD_PREFIX 0x0b
#define DWORD_PREFIX 0x0c
#define STRING_PREFIX 0x0d
#define QWORD_PREFIX 0x0e
#define SCOPE_OP 0x10
#define BUFFER_OP 0x11
#define PACKAGE_OP 0x12
#define DUAL_NAME_PREFIX 0x2e
#define MULTI_NAME_PREFIX 0x2f
#define EXT_OP_PREFIX 0x5b
#define DEVICE_OP 0x82	/* after EXT_OP_PREFIX */
#define ROOT_CHAR '\\'
#define ONES_OP 0xff

/* Room kept for a PkgLength until its construct is closed: the most it
 * can take. */
#define PKG_MAX_BYTES 4

/* Resource descriptor tags. */
#define RES_IRQ_NO_FLAGS 0x22	/* small, type 4, 2 bytes */
#define RES_IO 0x47		/* small, type 8, 7 bytes */
#define RES_END 0x79		/* small, type 15, 1 byte */
#define RES_DWORD_ADDR 0x87
#define RES_WORD_ADDR 0x88
#define ADDR_MEMORY 0
#define ADDR_IO 1
#define ADDR_BUS 2
#define ADDR_FIXED_PRODUCER 0x0c	/* _MAF | _MIF, positive decode, producer */
#define IO_ENTIRE_RANGE 0x03
#define MEM_READ_WRITE 0x01

void aml_init(struct aml *a, u8 *buf, u32 cap)
{
	a->buf = buf;
	a->len = 0;
	a->cap = cap;
	a->overflow = false;
}

void aml_bytes(struct aml *a, const void *p, u32 n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, u8 b)
{
	aml_bytes(a, &b, 1);
}

void aml_word(struct aml *a, u16 v)
{
	u8 b[2] = { (u8)v, (u8)(v >> 8) };

	aml_bytes(a, b, 2);
}

void aml_dword(struct aml *a, u32 v)
{
	aml_word(a, (u16)v);
	aml_word(a, (u16)(v >> 16));
}

static void name_seg(struct aml *a, const char *s, u32 n)
{
	char seg[4] = { '_', '_', '_', '_' };

	memcpy(seg, s, MIN(n, 4u));
	aml_bytes(a, seg, 4);
}

void aml_name(struct aml *a, const char *path)
{
	u32 nseg = 1;

	if (*path == ROOT_CHAR)
		aml_byte(a, (u8)*path++);
	for (const char *p = path; *p; p++)
		nseg += *p == '.';
	if (nseg == 2)
		aml_byte(a, DUAL_NAME_PREFIX);
	else if (nseg > 2) {
		aml_byte(a, MULTI_NAME_PREFIX);
		aml_byte(a, (u8)nseg);
	}
	while (nseg--) {
		u32 n = 0;

		while (path[n] && path[n] != '.')
			n++;
		name_seg(a, path, n);
		path += n + (path[n] == '.');
	}
}

void aml_int(struct aml *a, u64 v)
{
	if (v == 0 || v == 1) {
		aml_byte(a, v ? ONE_OP : ZERO_OP);
	} else if (v == ~0ull) {
		aml_byte(a, ONES_OP);
	} else if (v <= 0xff) {
		aml_byte(a, BYTE_PREFIX);
		aml_byte(a, (u8)v);
	} else if (v <= 0xffff) {
		aml_byte(a, WORD_PREFIX);
		aml_word(a, (u16)v);
	} else if (v <= 0xffffffff) {
		aml_byte(a, DWORD_PREFIX);
		aml_dword(a, (u32)v);
	} else {
		aml_byte(a, QWORD_PREFIX);
		aml_dword(a, (u32)v);
		aml_dword(a, (u32)(v >> 32));
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, STRING_PREFIX);
	aml_bytes(a, s, (u32)strlen(s) + 1);
}

/* Three letters of five bits each ('A' = 1), then four hex digits, big
 * end first: "PNP0A03" is the bytes 41 d0 0a 03. */
void aml_eisaid(struct aml *a, const char *id)
{
	u32 v = 0;

	for (u32 i = 0; i < 3; i++)
		v = v << 5 | ((u32)(id[i] - 0x40) & 0x1f);
	for (u32 i = 3; i < 7; i++) {
		char c = id[i];

		v = v << 4 | (u32)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	/* v holds 15 + 16 bits, most significant first: the DWord's bytes
	 * in memory are v's bytes from the top, after one zero bit. */
	aml_int(a, __builtin_bswap32(v));
}

void aml_name_begin(struct aml *a, const char *path)
{
	aml_byte(a, NAME_OP);
	aml_name(a, path);
}

/* Keeps room for the PkgLength at the mark; aml_close fills it in. */
static u32 open_pkg(struct aml *a)
{
	u32 mark = a->len;

	aml_bytes(a, (u8[PKG_MAX_BYTES]){ 0 }, PKG_MAX_BYTES);
	return mark;
}

void aml_name_buffer(struct aml *a, const char *path, const u8 *bytes, u32 n)
{
	u32 mark;

	aml_name_begin(a, path);
	aml_byte(a, BUFFER_OP);
	mark = open_pkg(a);
	aml_int(a, n);
	aml_bytes(a, bytes, n);
	aml_close(a, mark);
}

u32 aml_scope(struct aml *a, const char *path)
{
	u32 mark;

	aml_byte(a, SCOPE_OP);
	mark = open_pkg(a);
	aml_name(a, path);
	return mark;
}

u32 aml_device(struct aml *a, const char *path)
{
	u32 mark;

	aml_byte(a, EXT_OP_PREFIX);
	aml_byte(a, DEVICE_OP);
	mark = open_pkg(a);
	aml_name(a, path);
	return mark;
}

u32 aml_package(struct aml *a, u8 elements)
{
	u32 mark;

	aml_byte(a, PACKAGE_OP);
	mark = open_pkg(a);
	aml_byte(a, elements);
	return mark;
}

/* PkgLength counts its own bytes and what follows up to the end of the
 * construct. One byte holds up to 63; with n more bytes, bits 7-6 of
 * the first say n, its bits 3-0 are the low nibble and the next bytes
 * the rest, low first (at most 2^28 - 1). */
void aml_close(struct aml *a, u32 mark)
{
	u32 body, total, n = 1;
	u8 pkg[PKG_MAX_BYTES];

	if (a->overflow)
		return;
	body = a->len - mark - PKG_MAX_BYTES;
	while (n < PKG_MAX_BYTES && body + n >= (n == 1 ? 0x40u : 1u << (4 + 8 * (n - 1))))
		n++;
	total = body + n;
	if (n == 1) {
		pkg[0] = (u8)total;
	} else {
		pkg[0] = (u8)((n - 1) << 6 | (total & 0xf));
		for (u32 i = 1; i < n; i++)
			pkg[i] = (u8)(total >> (4 + 8 * (i - 1)));
	}
	memcpy(a->buf + mark, pkg, n);
	memmove(a->buf + mark + n, a->buf + mark + PKG_MAX_BYTES, body);
	a->len -= PKG_MAX_BYTES - n;
}

void aml_res_io(struct aml *r, u16 port, u8 len)
{
	aml_byte(r, RES_IO);
	aml_byte(r, 1);		/* decodes 16 address bits */
	aml_word(r, port);	/* min */
	aml_word(r, port);	/* max: the range is fixed */
	aml_byte(r, 1);		/* alignment */
	aml_byte(r, len);
}

void aml_res_irq(struct aml *r, u8 irq)
{
	aml_byte(r, RES_IRQ_NO_FLAGS);
	aml_word(r, (u16)(1u << (irq & 15)));
}

static void word_window(struct aml *r, u8 type, u8 tflags, u16 min, u16 max)
{
	aml_byte(r, RES_WORD_ADDR);
	aml_word(r, 13);	/* the bytes after this length */
	aml_byte(r, type);
	aml_byte(r, ADDR_FIXED_PRODUCER);
	aml_byte(r, tflags);
	aml_word(r, 0);		/* granularity */
	aml_word(r, min);
	aml_word(r, max);
	aml_word(r, 0);		/* translation offset */
	aml_word(r, (u16)(max - min + 1));
}

void aml_res_bus(struct aml *r, u16 min, u16 max)
{
	word_window(r, ADDR_BUS, 0, min, max);
}

void aml_res_io_window(struct aml *r, u16 min, u16 max)
{
	word_window(r, ADDR_IO, IO_ENTIRE_RANGE, min, max);
}

void aml_res_mem_window(struct aml *r, u32 min, u32 max)
{
	aml_byte(r, RES_DWORD_ADDR);
	aml_word(r, 23);
	aml_byte(r, ADDR_MEMORY);
	aml_byte(r, ADDR_FIXED_PRODUCER);
	aml_byte(r, MEM_READ_WRITE);
	aml_dword(r, 0);
	aml_dword(r, min);
	aml_dword(r, max);
	aml_dword(r, 0);
	aml_dword(r, max - min + 1);
}

void aml_res_end(struct aml *r)
{
	aml_byte(r, RES_END);
	aml_byte(r, 0);		/* checksum 0: "the template is right" */
}
