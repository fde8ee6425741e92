/* port-string: string I/O on unassigned ports (INS/OUTS, with and without
 * REP), which lucid must emulate in full: each element reads all-ones into
 * ES:EDI, EDI/ESI move by the element size in the direction of EFLAGS.DF,
 * ECX counts down to 0 and nothing outside the buffer is written; a count
 * of 0 does nothing; a buffer may cross pages; with a 16-bit address size
 * (0x67) only DI and CX change. */
#include "guest.h"
#include "cpu.h"

#define PORT 0x1234
#define FILL 0x5a

static u8 buf[3 * PAGE_SIZE] __aligned(PAGE_SIZE);

struct str_io {
	u8 *dst;         /* start of the area the instruction may touch */
	u32 len;         /* its length */
	u32 count;       /* ECX */
	u32 edi, ecx;    /* after */
};

static void fill(void)
{
	memset(buf, FILL, sizeof(buf));
}

/* Are [from, from+len) all-ones and the rest of buf untouched? */
static bool only_written(const u8 *from, u32 len)
{
	for (u32 i = 0; i < sizeof(buf); i++) {
		bool in = buf + i >= from && buf + i < from + len;

		if (buf[i] != (in ? 0xff : FILL))
			return false;
	}
	return true;
}

static void check_ins(const char *what, u8 *dst, u32 count, u32 size, bool rep, bool down)
{
	u32 edi = (uptr)dst, ecx = count, moved = rep ? count : 1;
	u32 want_edi = down ? (uptr)dst - moved * size : (uptr)dst + moved * size;
	u8 *lo = down ? dst - (moved - 1) * size : dst;
	bool ok;

	fill();
	/* std and cld in the same statement: gcc assumes DF=0 between them. */
	if (down)
		asm volatile("std; rep insl; cld" : "+D"(edi), "+c"(ecx) : "d"(PORT) : "memory", "cc");
	else if (!rep && size == 1)
		asm volatile("insb" : "+D"(edi) : "d"(PORT) : "memory");
	else if (size == 1)
		asm volatile("rep insb" : "+D"(edi), "+c"(ecx) : "d"(PORT) : "memory");
	else if (size == 2)
		asm volatile("rep insw" : "+D"(edi), "+c"(ecx) : "d"(PORT) : "memory");
	else
		asm volatile("rep insl" : "+D"(edi), "+c"(ecx) : "d"(PORT) : "memory");
	ok = edi == want_edi && ecx == (rep ? 0 : count) && only_written(lo, moved * size);
	test_check(ok, "%s: EDI %+d, ECX %u left, %u bytes of 0xff", what,
		   (int)(edi - (uptr)dst), ecx, moved * size);
}

void test_main(void)
{
	u32 esi, ecx, edi;
	u16 *low = (u16 *)0x5000; /* for 16-bit addressing: below 64 KiB, free */
	u16 saved[16];
	bool ok;

	check_ins("insb without rep", buf + 100, 7, 1, false, false);
	check_ins("rep insb of 100 bytes", buf + 100, 100, 1, true, false);
	check_ins("rep insw of 50 words", buf + 100, 50, 2, true, false);
	check_ins("rep insd of 25 dwords", buf + 100, 25, 4, true, false);
	check_ins("rep insd with DF=1", buf + 200, 4, 4, true, true); /* down: dwords only */
	check_ins("rep insb with ECX=0", buf + 100, 0, 1, true, false);
	check_ins("rep insb across a page boundary", buf + PAGE_SIZE - 32, 64, 1, true, false);
	check_ins("rep insd over two page boundaries", buf + 8, PAGE_SIZE / 2, 4, true, false);

	/* OUTS reads memory and writes nothing; only the registers move. */
	esi = (uptr)buf;
	ecx = 100;
	asm volatile("rep outsb" : "+S"(esi), "+c"(ecx) : "d"(PORT) : "memory");
	test_check(esi == (uptr)buf + 100 && ecx == 0, "rep outsb of 100 bytes: ESI %+d, ECX %u",
		   (int)(esi - (uptr)buf), ecx);
	esi = (uptr)buf + 64;
	ecx = 8;
	asm volatile("std; rep outsl; cld" : "+S"(esi), "+c"(ecx) : "d"(PORT) : "memory", "cc");
	test_check(esi == (uptr)buf + 32 && ecx == 0, "rep outsd with DF=1: ESI %+d, ECX %u",
		   (int)(esi - (uptr)buf - 64), ecx);

	/* 0x67: DI and CX only; the upper halves of EDI and ECX stay. */
	memcpy(saved, low, sizeof(saved));
	memset(low, FILL, sizeof(saved));
	edi = 0xabcd5000;
	ecx = 0x12340008;
	asm volatile("addr16 rep insw" : "+D"(edi), "+c"(ecx) : "d"(PORT) : "memory");
	ok = edi == 0xabcd5010 && ecx == 0x12340000 && low[0] == 0xffff && low[7] == 0xffff &&
	     low[8] == (FILL << 8 | FILL);
	memcpy(low, saved, sizeof(saved));
	test_check(ok, "rep insw with 16-bit addressing uses DI and CX (EDI %#x, ECX %#x)", edi, ecx);
}
