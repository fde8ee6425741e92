/* mmio-unsupported: in 32-bit protected mode, MMIO moves work as in long
 * mode (MOV, MOVZX, an immediate, a 16-bit operand), and an instruction
 * lucid does not emulate on MMIO (ADD to memory) stops the VM as crashed
 * with a line naming the opcode, rather than doing something wrong (its
 * read comes first: ADD reads, then writes).
 * 32-bit, paging off, with the test device (testdev = yes). */
#include "guest.h"
#include "cpu.h"

#define MMIO 0xfeb00000u

void test_main(void)
{
	volatile u32 *d = (volatile u32 *)MMIO;
	volatile u16 *w = (volatile u16 *)(MMIO + 8);
	u32 zx;

	d[0] = 0xdeadbeef;
	*w = 0x8001;
	asm volatile("movzbl (%1), %0" : "=r"(zx) : "r"(MMIO + 1) : "memory");
	asm volatile("movl $0x5a5a5a5a, (%0)" : : "r"(MMIO + 4) : "memory");
	test_check(d[0] == 0xdeadbeef && zx == 0xbe && d[1] == 0x5a5a5a5a && *w == 0x8001,
		   "32-bit mode: MOV, MOVZX, an immediate and a 16-bit operand (%#x %#x %#x %#x)",
		   d[0], zx, d[1], *w);
	test_pass("ADD to MMIO next: lucid must stop this VM");
	asm volatile("addl %0, (%1)" : : "r"(1u), "r"(MMIO) : "memory");
	test_fail("ADD to MMIO came back");
}
