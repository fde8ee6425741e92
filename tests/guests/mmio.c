/* mmio: lucid emulates the guest's moves to and from a device's MMIO range
 * exactly as the CPU would do them to memory. The target is lucid's test
 * device (testdev = yes): a 4 KiB page at 0xfeb00000 that reads back what
 * was written, every access an exit, and ports 0xe0-0xe3, a 32-bit
 * register. Checked: every width of store and load, merging into 8/16-bit
 * registers and zero-extension of 32-bit ones, AH, MOVZX/MOVSX/MOVSXD,
 * immediates, REX registers, moffs, a 0x67 prefix, a virtual alias of the
 * page, single-stepping over an emulated access, and the port register at
 * every width and offset. Long mode. */
#include "guest.h"
#include "cpu.h"

#define MMIO 0xfeb00000ull
#define ALIAS 0x7f000000000ull	/* a second virtual address of the page */
#define PORT 0xe0

static volatile u8 *const page = (volatile u8 *)MMIO;

/* Every access below goes through these, so each is exactly one MOV. */
static u64 load64(u64 off)
{
	u64 v;

	asm volatile("mov (%1), %0" : "=r"(v) : "r"(MMIO + off) : "memory");
	return v;
}

static void store64(u64 off, u64 v)
{
	asm volatile("mov %0, (%1)" : : "r"(v), "r"(MMIO + off) : "memory");
}

static void widths(void)
{
	u64 v;
	u32 d;
	u16 w;
	u8 b;
	bool ok;

	store64(0x10, 0x1122334455667788ull);
	ok = true;
	for (u32 i = 0; i < 8; i++) {
		asm volatile("movb (%1), %0" : "=q"(b) : "r"(MMIO + 0x10 + i) : "memory");
		ok = ok && b == (u8)(0x88 - i * 0x11);
	}
	test_check(ok, "a 64-bit store reads back byte by byte at offsets 0x10-0x17");

	asm volatile("movw %1, (%0)" : : "r"(MMIO + 0x21), "r"((u16)0xbeef) : "memory");
	asm volatile("movw (%1), %0" : "=r"(w) : "r"(MMIO + 0x21) : "memory");
	asm volatile("movl %1, (%0)" : : "r"(MMIO + 0x33), "r"(0xcafef00du) : "memory");
	asm volatile("movl (%1), %0" : "=r"(d) : "r"(MMIO + 0x33) : "memory");
	v = load64(0x20);
	test_check(w == 0xbeef && d == 0xcafef00d && ((v >> 8) & 0xffff) == 0xbeef,
		   "16- and 32-bit stores and loads at odd offsets (%#x %#x %#llx)", w, d,
		   (unsigned long long)v);
}

static void registers(void)
{
	u64 rax;

	store64(0x40, 0x00000000000000a5ull);
	store64(0x48, 0x00000000c3c3c3c3ull);

	rax = 0x1111111111111111ull;
	asm volatile("movb (%1), %%al" : "+a"(rax) : "r"(MMIO + 0x40) : "memory");
	test_check(rax == 0x11111111111111a5ull, "an 8-bit load keeps the rest of RAX (%#llx)",
		   (unsigned long long)rax);

	rax = 0x1111111111111111ull;
	/* AH cannot be encoded with a REX prefix: the address in RSI. */
	asm volatile("movb (%1), %%ah" : "+a"(rax) : "S"(MMIO + 0x40) : "memory");
	test_check(rax == 0x111111111111a511ull, "a load into AH writes bits 15:8 only (%#llx)",
		   (unsigned long long)rax);

	rax = 0x1111111111111111ull;
	asm volatile("movw (%1), %%ax" : "+a"(rax) : "r"(MMIO + 0x48) : "memory");
	test_check(rax == 0x111111111111c3c3ull, "a 16-bit load keeps the rest of RAX (%#llx)",
		   (unsigned long long)rax);

	rax = 0x1111111111111111ull;
	asm volatile("movl (%1), %%eax" : "+a"(rax) : "r"(MMIO + 0x48) : "memory");
	test_check(rax == 0xc3c3c3c3ull, "a 32-bit load clears bits 63:32 (%#llx)",
		   (unsigned long long)rax);

	rax = 0x1234;
	asm volatile("mov %%rax, %%r13\n\tmov %%r13, (%%rsi)\n\txor %%r9d, %%r9d\n\t"
		     "mov (%%rsi), %%r9\n\tmov %%r9, %%rax"
		     : "+a"(rax) : "S"(MMIO + 0x50) : "r9", "r13", "memory");
	test_check(rax == 0x1234, "stores from R13 and loads into R9 (%#llx)",
		   (unsigned long long)rax);

	asm volatile("movb $0x12, %%ah\n\tmovb %%ah, (%1)" : "=a"(rax) : "S"(MMIO + 0x58) : "memory");
	test_check(page[0x58] == 0x12, "a store from AH writes bits 15:8 (%#x)", page[0x58]);
}

static void extensions(void)
{
	u64 zx8, sx8, zx16, sx16, sxd;
	u32 sx8_32;

	store64(0x60, 0x80008080ull);
	asm volatile("movzbq (%1), %0" : "=r"(zx8) : "r"(MMIO + 0x60) : "memory");
	asm volatile("movsbq (%1), %0" : "=r"(sx8) : "r"(MMIO + 0x60) : "memory");
	asm volatile("movsbl (%1), %0" : "=r"(sx8_32) : "r"(MMIO + 0x60) : "memory");
	asm volatile("movzwq (%1), %0" : "=r"(zx16) : "r"(MMIO + 0x62) : "memory");
	asm volatile("movswq (%1), %0" : "=r"(sx16) : "r"(MMIO + 0x62) : "memory");
	asm volatile("movslq (%1), %0" : "=r"(sxd) : "r"(MMIO + 0x60) : "memory");
	test_check(zx8 == 0x80 && sx8 == 0xffffffffffffff80ull && sx8_32 == 0xffffff80u,
		   "MOVZX/MOVSX of a byte (%#llx %#llx %#x)", (unsigned long long)zx8,
		   (unsigned long long)sx8, sx8_32);
	test_check(zx16 == 0x8000 && sx16 == 0xffffffffffff8000ull,
		   "MOVZX/MOVSX of a word (%#llx %#llx)", (unsigned long long)zx16,
		   (unsigned long long)sx16);
	test_check(sxd == 0xffffffff80008080ull, "MOVSXD of a dword (%#llx)",
		   (unsigned long long)sxd);
}

static void immediates(void)
{
	asm volatile("movb $0x5a, (%0)" : : "r"(MMIO + 0x70) : "memory");
	asm volatile("movw $0x1234, (%0)" : : "r"(MMIO + 0x72) : "memory");
	asm volatile("movl $0x89abcdef, (%0)" : : "r"(MMIO + 0x74) : "memory");
	asm volatile("movq $-2, (%0)" : : "r"(MMIO + 0x78) : "memory");
	test_check(load64(0x70) == 0x89abcdef1234005aull &&
		   load64(0x78) == 0xfffffffffffffffeull,
		   "immediate stores of every width; imm32 sign-extended to 64 bits (%#llx %#llx)",
		   (unsigned long long)load64(0x70), (unsigned long long)load64(0x78));
}

static void forms(void)
{
	u32 eax = 0x600df00d, got = 0;
	u64 alias_read;

	/* moffs: MOV EAX, [abs64] and back. */
	asm volatile("movabs %%eax, 0xfeb00080" : : "a"(eax) : "memory");
	asm volatile("movabs 0xfeb00080, %%eax" : "=a"(got) : : "memory");
	test_check(got == eax && page[0x80] == 0x0d, "MOV to and from a 64-bit moffs (%#x)", got);

	/* 0x67: 32-bit addressing in 64-bit mode. */
	got = 0;
	asm volatile("addr32 movl (%%esi), %0" : "=r"(got) : "S"((u32)MMIO + 0x80) : "memory");
	test_check(got == eax, "a load with a 0x67 prefix, [ESI] (%#x)", got);

	/* The same page at a second virtual address. */
	if (!pt_map(ALIAS, MMIO, PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W)) {
		test_fail("a virtual alias of the page: cannot map it");
		return;
	}
	*(volatile u64 *)(ALIAS + 0x90) = 0x0123456789abcdefull;
	alias_read = load64(0x90);
	test_check(alias_read == 0x0123456789abcdefull,
		   "a store through a virtual alias lands in the page (%#llx)",
		   (unsigned long long)alias_read);
}

/* TF over an emulated MOV: #DB with RIP at the next instruction. */
void step_mmio(void *);
extern char step_mmio_next[];
asm(".text\nstep_mmio: mov $0xfeb000a0, %esi\n pushf\n orq $0x100, (%rsp)\n popf\n"
    " mov (%rsi), %eax\nstep_mmio_next: nop\n pushf\n andq $~0x100, (%rsp)\n popf\n ret\n");

static void single_step(void)
{
	u32 v = catch_fault(step_mmio, NULL);

	check_fault(v, X86_DB, 0, (uptr)step_mmio_next,
		    "single step over an MMIO load: #DB at the next instruction");
}

static void ports(void)
{
	u32 d;
	u16 w, edge;
	u8 b;

	outl(PORT, 0x11223344);
	d = inl(PORT);
	b = inb(PORT + 2);
	/* Across into the next register (the exception count) and, from the
	 * last byte of the interrupt line register (no line held high), into
	 * unclaimed ports: each byte from its own owner. */
	w = inw(PORT + 3);
	edge = inw(PORT + 11);
	test_check(d == 0x11223344 && b == 0x22 && w == (0x11 | inb(PORT + 4) << 8) &&
		   edge == 0xff00,
		   "the port register at every width and offset (%#x %#x %#x %#x)", d, b, w, edge);
	outb(PORT + 1, 0xab);
	outw(PORT + 2, 0xcdef);
	test_check(inl(PORT) == 0xcdefab44, "byte and word writes merge (%#x)", inl(PORT));
}

void test_main(void)
{
	if (!pt_map(MMIO, MMIO, PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W)) {
		test_fail("cannot map the test device's page");
		return;
	}
	widths();
	registers();
	extensions();
	immediates();
	forms();
	single_step();
	ports();
}
