/* exceptions: exceptions raised in the guest reach the guest's own IDT with
 * the right vector, error code and saved RIP (the instruction for faults,
 * the next one for traps), and CR2 for #PF. lucid must neither swallow them
 * nor take them for itself: #DE, #DB (a data breakpoint in DR0/DR7, so
 * lucid must give the guest its debug registers), #BP, #UD, #NM (x87 and
 * SSE with CR0.TS), #GP (bad selector, non-canonical address), #PF (read
 * and write of an unmapped page) and #MF. Long mode.
 * Left out because QEMU's TCG, which the harness runs lucid on, does not
 * raise them: #AC (alignment checks), #XM (SIMD exceptions), and ICEBP
 * (it gives #UD). */
#include "guest.h"
#include "cpu.h"

#define UNMAPPED 0x40000010ul /* PDPT[1] is not present: 1 GiB and up */

void probe_de(void *), probe_db(void *), probe_bp(void *), probe_ud(void *);
void probe_nm_x87(void *), probe_nm_sse(void *), probe_gp_sel(void *);
void probe_gp_canon(void *), probe_pf_read(void *), probe_pf_write(void *);
void probe_mf(void *);
extern char de_insn[], db_next[], bp_next[], ud_insn[], nm_x87_insn[], nm_sse_insn[];
extern char gp_sel_insn[], gp_canon_insn[], pf_read_insn[], pf_write_insn[];
extern char mf_insn[];

asm(".text\n"
    "probe_de: xor %edx, %edx; mov $1, %eax; xor %ecx, %ecx\n"
    "de_insn: divl %ecx\n ret\n"
    /* DR0 = rdi, a 4-byte write breakpoint; a data breakpoint is a trap. */
    "probe_db: mov %rdi, %dr0\n mov $0xd0001, %eax\n mov %rax, %dr7\n"
    " movl $1, (%rdi)\n"
    "db_next: xor %eax, %eax\n mov %rax, %dr7\n ret\n"
    "probe_bp: int3\n"
    "bp_next: ret\n"
    "probe_ud:\n"
    "ud_insn: ud2\n ret\n"
    "probe_nm_x87:\n"
    "nm_x87_insn: fldz\n ret\n"
    "probe_nm_sse:\n"
    "nm_sse_insn: movaps %xmm0, %xmm1\n ret\n"
    "probe_gp_sel: mov $0xfff8, %eax\n" /* far past the GDT's limit */
    "gp_sel_insn: mov %eax, %ds\n ret\n"
    "probe_gp_canon: movabs $0x8000000000000000, %rax\n"
    "gp_canon_insn: mov (%rax), %rax\n ret\n"
    "probe_pf_read: mov $0x40000010, %eax\n"
    "pf_read_insn: mov (%rax), %eax\n ret\n"
    "probe_pf_write: mov $0x40000010, %eax\n"
    "pf_write_insn: movl $1, (%rax)\n ret\n"
    /* 1.0 / 0.0 with #Z unmasked in the FCW: #MF at the next waiting insn. */
    "probe_mf: fninit\n sub $8, %rsp\n movw $0x037b, (%rsp)\n fldcw (%rsp)\n"
    " fld1\n movl $0, (%rsp)\n fdivs (%rsp)\n add $8, %rsp\n"
    "mf_insn: fwait\n ret\n");

static void clear_fpu(void)
{
	u32 mxcsr = 0x1f80;

	asm volatile("fnclex; fninit; ldmxcsr %0" : : "m"(mxcsr));
}

void test_main(void)
{
	static volatile u32 watched;
	u32 v;

	write_dr6(DR6_FIXED);

	v = catch_fault(probe_de, NULL);
	check_fault(v, X86_DE, 0, (uptr)de_insn, "#DE from div by zero, at the div");
	v = catch_fault(probe_db, (void *)&watched);
	write_dr7(0);
	if (check_fault(v, X86_DB, 0, (uptr)db_next, "#DB from a data breakpoint, after the write"))
		test_check(read_dr6() & DR6_B0, "DR6.B0 set after the data breakpoint (DR6 %#lx)",
			   (unsigned long)read_dr6());
	v = catch_fault(probe_bp, NULL);
	check_fault(v, X86_BP, 0, (uptr)bp_next, "#BP from int3, after it");
	v = catch_fault(probe_ud, NULL);
	check_fault(v, X86_UD, 0, (uptr)ud_insn, "#UD from ud2, at it");

	write_cr0(read_cr0() | CR0_TS);
	v = catch_fault(probe_nm_x87, NULL);
	check_fault(v, X86_NM, 0, (uptr)nm_x87_insn, "#NM from x87 with CR0.TS, at it");
	v = catch_fault(probe_nm_sse, NULL);
	check_fault(v, X86_NM, 0, (uptr)nm_sse_insn, "#NM from SSE with CR0.TS, at it");
	asm volatile("clts");

	v = catch_fault(probe_gp_sel, NULL);
	check_fault(v, X86_GP, 0xfff8, (uptr)gp_sel_insn,
		    "#GP(0xfff8) from loading a selector past the GDT limit");
	v = catch_fault(probe_gp_canon, NULL);
	check_fault(v, X86_GP, 0, (uptr)gp_canon_insn, "#GP(0) from a non-canonical address");

	v = catch_fault(probe_pf_read, NULL);
	if (check_fault(v, X86_PF, 0, (uptr)pf_read_insn, "#PF(0) from a read of an unmapped page"))
		test_check(last_fault.cr2 == UNMAPPED, "CR2 %#lx after #PF on read, expected %#lx",
			   (unsigned long)last_fault.cr2, UNMAPPED);
	v = catch_fault(probe_pf_write, NULL);
	if (check_fault(v, X86_PF, 2, (uptr)pf_write_insn, "#PF(2) from a write to an unmapped page"))
		test_check(last_fault.cr2 == UNMAPPED, "CR2 %#lx after #PF on write, expected %#lx",
			   (unsigned long)last_fault.cr2, UNMAPPED);

	v = catch_fault(probe_mf, NULL);
	clear_fpu();
	check_fault(v, X86_MF, 0, (uptr)mf_insn, "#MF from an unmasked x87 divide by zero");
}
