/* elf64-segments: lucid loads an ELF64 multiboot2 kernel by its program
 * headers. This guest (elf64-segments.ld) has two PT_LOAD segments: the
 * runtime at 0x100000 and a data segment at 0x300000 whose p_memsz exceeds
 * its p_filesz. The guest checks the magic and the entry point, that the
 * second segment's file bytes are at 0x300000 (a table of words that
 * depend on their index), and that the rest of it, up to p_memsz, is zero: a loader that
 * copied p_memsz bytes from the file would put section data there. */
#include "guest.h"

extern char _start[];

#define TABLE_WORDS 256

/* A word that depends on its index, as constants for the initialiser. */
#define E(i) (0x9e3779b9u * (u32)(i) ^ 0x5ca1ab1eu)
#define E4(i) E(i), E((i) + 1), E((i) + 2), E((i) + 3)
#define E16(i) E4(i), E4((i) + 4), E4((i) + 8), E4((i) + 12)
#define E64(i) E16(i), E16((i) + 16), E16((i) + 32), E16((i) + 48)
static const u32 table[TABLE_WORDS] __attribute__((section(".data2"), used)) = {
	E64(0), E64(64), E64(128), E64(192),
};
static u8 zerofill[16384] __attribute__((section(".zerofill2")));

void test_main(void)
{
	u32 bad = 0, nonzero = 0;

	test_check(entry_state.eax == MB2_MAGIC && entry_state.eip == (uptr)_start,
		   "multiboot2 magic (%#x), entered at the ELF entry %#x (at %#x)", entry_state.eax,
		   (u32)(uptr)_start, entry_state.eip);
	for (u32 i = 0; i < TABLE_WORDS; i++)
		bad += ((const volatile u32 *)table)[i] != E(i);
	test_check((uptr)table == 0x300000 && !bad,
		   "second PT_LOAD at %#lx holds its file bytes (%u words wrong)",
		   (unsigned long)(uptr)table, bad);
	for (u32 i = 0; i < sizeof(zerofill); i++)
		nonzero += ((volatile u8 *)zerofill)[i] != 0;
	test_check(!nonzero, "its p_memsz beyond p_filesz is zero (%u bytes not)", nonzero);
}
