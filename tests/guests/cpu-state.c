/* cpu-state: the machine state at a multiboot1 entry is what the spec
 * promises: EAX holds the magic, CR0.PE is set and PG clear, EFLAGS.IF and
 * VM are clear, CS is a flat 32-bit code segment and DS ES FS GS SS are
 * flat writable data segments (base 0, limit 4 GiB: checked by reading and
 * writing at offset 0xfffffffc through each, with paging on to put RAM
 * there, and by running code at 0xfffffff0), SS is a 32-bit stack, and the
 * A20 gate is on. The segment checks run in test_early(), before the
 * runtime reloads the segment registers. 32-bit. */
#include "guest.h"
#include "cpu.h"

static u32 pd[1024] __aligned(PAGE_SIZE);
static u32 pt_low[1024] __aligned(PAGE_SIZE);
static u32 pt_high[1024] __aligned(PAGE_SIZE);
static u8 top_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static const char *seg_bad; /* the first segment that failed, or NULL */
static u32 seg_fault = NO_FAULT;

#define TOP_READ(seg, out) asm volatile("movl %%" seg ":0xfffffffc, %0" : "=r"(out))
#define TOP_WRITE(seg, val) asm volatile("movl %0, %%" seg ":0xfffffff8" : : "r"(val) : "memory")

static void check_seg(const char *name, u32 got, u32 marker)
{
	volatile u32 *w = (volatile u32 *)(top_page + PAGE_SIZE - 8);

	if (!seg_bad && (got != 0xc0ffee00 || *w != marker))
		seg_bad = name;
}

/* Linear 0xfffff000 -> top_page: a 4 MiB identity map plus one page at
 * the top, so that offset 0xfffffffc of a flat segment is RAM. */
static void probe_segments(void *arg)
{
	void (*top_code)(void) = (void (*)(void))0xfffffff0;
	u32 got;

	(void)arg;
	*(volatile u32 *)(top_page + PAGE_SIZE - 4) = 0xc0ffee00;
	top_page[PAGE_SIZE - 16] = 0xc3; /* ret, at 0xfffffff0 */
	TOP_WRITE("ds", 1u);
	TOP_READ("ds", got);
	check_seg("DS", got, 1);
	TOP_WRITE("es", 2u);
	TOP_READ("es", got);
	check_seg("ES", got, 2);
	TOP_WRITE("fs", 3u);
	TOP_READ("fs", got);
	check_seg("FS", got, 3);
	TOP_WRITE("gs", 4u);
	TOP_READ("gs", got);
	check_seg("GS", got, 4);
	TOP_WRITE("ss", 5u);
	TOP_READ("ss", got);
	check_seg("SS", got, 5);
	top_code();
}

void test_early(void)
{
	u32 below, pushed = 0;

	for (u32 i = 0; i < 1024; i++)
		pt_low[i] = i * PAGE_SIZE | 3;
	pt_high[1023] = (uptr)top_page | 3;
	pd[0] = (uptr)pt_low | 3;
	pd[1023] = (uptr)pt_high | 3;
	write_cr3((uptr)pd);
	write_cr0(read_cr0() | CR0_PG);
	seg_fault = catch_fault(probe_segments, NULL);
	write_cr0(read_cr0() & ~CR0_PG);

	/* A 16-bit stack would push at SP, not ESP. */
	asm volatile("lea -4(%%esp), %0\n pushl $0x5a5a1234\n popl %%eax\n mov (%0), %1"
		     : "=&r"(below), "=r"(pushed)
		     :
		     : "eax", "memory");
	if (!seg_bad && pushed != 0x5a5a1234)
		seg_bad = "SS (not a 32-bit stack)";
}

void test_main(void)
{
	const struct entry_state *e = &entry_state;
	/* hi has address bit 20 set (the image is between 1 and 2 MiB); lo
	 * is hi without it, which is what hi would reach with A20 off. */
	volatile u32 *hi = (volatile u32 *)top_page;
	volatile u32 *lo = (volatile u32 *)((uptr)hi & ~0x100000u);
	u32 save_lo = *lo, save_hi = *hi;
	bool a20;

	test_check(e->eax == MB1_MAGIC, "EAX holds the multiboot1 magic (%#x)", e->eax);
	test_check((e->cr0 & CR0_PE) && !(e->cr0 & CR0_PG), "CR0.PE set, PG clear (CR0 %#x)", e->cr0);
	test_check(!(e->eflags & (EFL_IF | EFL_VM)), "EFLAGS.IF and VM clear (EFLAGS %#x)", e->eflags);
	if (seg_fault != NO_FAULT)
		test_fail("flat segments: %s (vector %u) at %#lx, error %#x", vector_name(seg_fault),
			  seg_fault, (unsigned long)last_fault.rip, last_fault.error);
	else
		test_check(!seg_bad, "CS DS ES FS GS SS flat: base 0, limit 4 GiB, writable (%s)",
			   seg_bad ? seg_bad : "all");

	*lo = 0x1111aaaa;
	*hi = 0x2222bbbb;
	a20 = ((uptr)hi & 0x100000u) && *lo == 0x1111aaaa && *hi == 0x2222bbbb;
	*hi = save_hi;
	*lo = save_lo;
	test_check(a20, "A20 on: %#x and %#x are different memory", (u32)(uptr)lo, (u32)(uptr)hi);
}
