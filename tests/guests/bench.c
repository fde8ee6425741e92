/* bench: what an exit costs, for `make bench` (tests/bench/run.py). Not
 * part of guests.cfg: it runs alone, under QEMU's -icount shift=0, where
 * the TSC counts instructions, so each figure is the exact number of
 * instructions the CPU (guest and lucid) executed.
 *
 * Each operation runs between two RDTSCs, and again with its exiting
 * instruction replaced by a NOP; the cost is the difference, so the
 * set-up instructions and RDTSC itself cancel out. Minimum and median of
 * RUNS runs; the minimum is the figure (a timer interrupt landing inside
 * a run only ever adds). Needs testdev = yes. 64-bit.
 *
 * With `profile` on its command line (tests/bench/profile.py --bochs), it
 * runs each operation once between two of Bochs's magic breakpoints
 * (XCHG BX, BX) instead, so that Bochs's debugger traces exactly one round
 * trip of each, after a few untraced ones to warm up.
 *
 * With `ipi=NAME` it times one thing only, in a VM of two vCPUs: an IPI
 * from vCPU 0 to vCPU 1 and one back (result ipi-NAME). */
#include "guest.h"
#include "cpu.h"
#include "apic.h"

#define RUNS 101
#define TESTDEV_PORT "0xe0"
#define TESTDEV_MMIO 0xfeb00000u
#define IPI_VECTOR 0x50
#define PING_VECTOR 0x51
/* The self-IPI's round trip: sent, taken at once (IF is set), its handler
 * EOIs, IRET. xAPIC: ICR with the self shorthand, EOI through the page;
 * x2APIC: the SELF_IPI and EOI MSRs. */
#define XAPIC_IPI "mov $0xfee00300, %%esi\n\tmovl $0x40050, (%%rsi)"
#define X2APIC_IPI "mov $0x83f, %%ecx\n\tmov $0x50, %%eax\n\txor %%edx, %%edx\n\twrmsr"

/* Instructions between two RDTSCs around `code`. */
#define TIMED(code) ({								\
	u32 a0_, d0_, a1_, d1_;							\
	asm volatile("rdtsc\n\tmov %%eax, %%r8d\n\tmov %%edx, %%r9d\n\t"	\
		     code "\n\trdtsc\n\tmov %%r8d, %0\n\tmov %%r9d, %1"		\
		     : "=r"(a0_), "=r"(d0_), "=a"(a1_), "=d"(d1_)		\
		     : : "rbx", "rcx", "rsi", "rdi", "r8", "r9", "memory");	\
	((u64)d1_ << 32 | a1_) - ((u64)d0_ << 32 | a0_);			\
})

struct op {
	const char *name;
	const char *what;
	u64 (*real)(void);
	u64 (*nop)(void);
};

#define OP(name, setup, insn)						\
	static u64 name##_real(void) { return TIMED(setup insn); }	\
	static u64 name##_nop(void) { return TIMED(setup "nop"); }

OP(cpuid, "xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\t", "cpuid")
OP(vmmcall, "xor %%eax, %%eax\n\t", "vmmcall")	/* LUCID_HC_VERSION */
OP(vmcall, "xor %%eax, %%eax\n\t", "vmcall")
OP(io_out, "mov $" TESTDEV_PORT ", %%edx\n\t", "out %%eax, %%dx")
OP(io_in, "mov $" TESTDEV_PORT ", %%edx\n\t", "in %%dx, %%eax")
OP(msr, "mov $0xc0000080, %%ecx\n\t", "rdmsr")	/* EFER: intercepted */
OP(mmio_read, "mov $0xfeb00000, %%esi\n\t", "mov (%%rsi), %%eax")
OP(mmio_write, "mov $0xfeb00000, %%esi\n\t", "mov %%eax, (%%rsi)")
OP(uart, "mov $0x3f8, %%edx\n\tmov $0x78, %%eax\n\t", "out %%al, %%dx")	/* 'x' */
/* With IF set around it: the interrupt comes right after the exit. */
#define OP_IF(name, insn)								\
	static u64 name##_real(void) { return TIMED("sti\n\t" insn "\n\tcli"); }	\
	static u64 name##_nop(void) { return TIMED("sti\n\tnop\n\tcli"); }
OP_IF(xapic_ipi, XAPIC_IPI)
OP_IF(x2apic_ipi, X2APIC_IPI)

/* Round trips that end in an interrupt later than the exit: the guest
 * sets it off with IF set and waits for the handler's flag (one CMP and
 * JE when it came at once).
 *
 * A timer: armed to fire at once, lucid's own timer for it taking the CPU
 * back, the interrupt injected, taken, EOI'd. xAPIC: one-shot, initial
 * count 1 through the page; x2APIC: TSC-deadline mode, a deadline already
 * past.
 *
 * An IPI to vCPU 1 (x2APIC, destination 1 in EDX), which waits halted:
 * lucid wakes it, on this CPU or another, its handler sends IPI_VECTOR
 * back and EOIs, and lucid gets vCPU 0 to take that. */
#define XAPIC_TIMER "mov $0xfee00380, %%esi\n\tmovl $1, (%%rsi)"
#define X2APIC_TIMER "mov $0x6e0, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\twrmsr"
#define X2APIC_PING "mov $0x830, %%ecx\n\tmov $0x51, %%eax\n\tmov $1, %%edx\n\twrmsr"
volatile u32 fired;
#define OP_WAIT(name, start)								\
	static u64 name##_real(void)							\
	{										\
		return TIMED("movl $0, fired(%%rip)\n\tsti\n\t" start			\
			     "\n1:\tcmpl $0, fired(%%rip)\n\tjne 2f\n\tpause\n\tjmp 1b\n"	\
			     "2:\tcli");							\
	}										\
	static u64 name##_nop(void)							\
	{										\
		return TIMED("movl $0, fired(%%rip)\n\tsti\n\tnop\n\tcli");		\
	}
OP_WAIT(xapic_timer, XAPIC_TIMER)
OP_WAIT(x2apic_timer, X2APIC_TIMER)
OP_WAIT(vcpu_ipi, X2APIC_PING)

static bool x2apic_mode;

__attribute__((target("general-regs-only"))) static void ipi_handler(u32 vector)
{
	(void)vector;
	fired = 1;
	if (x2apic_mode)
		wrmsr(X2APIC_MSR(APIC_EOI), 0);
	else
		xapic_write(APIC_EOI, 0);
}

/* vCPU 1's: the IPI back to vCPU 0, then the EOI. */
__attribute__((target("general-regs-only"))) static void ping_handler(u32 vector)
{
	(void)vector;
	wrmsr(X2APIC_MSR(APIC_ICR), IPI_VECTOR);
	wrmsr(X2APIC_MSR(APIC_EOI), 0);
}

static void x2apic_on_here(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	wrmsr(X2APIC_MSR(APIC_SVR), SVR_ENABLE | 0xff);
}

static u32 ponger_ready;

static void ponger(u32 id)
{
	(void)id;
	x2apic_on_here();
	ponger_ready = 1;
	for (;;)
		asm volatile("sti; hlt; cli" ::: "memory");
}

static void sort(u64 *a, u32 n)
{
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j > 0 && a[j - 1] > a[j]; j--) {
			u64 t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

static void measure(const struct op *op)
{
	u64 cost[RUNS];

	for (u32 i = 0; i < RUNS; i++) {
		u64 base = op->nop();
		u64 with = op->real();
		cost[i] = with > base ? with - base : 0;
	}
	sort(cost, RUNS);
	/* One line per operation; the harness reads these. */
	printf("result %s %llu %llu %s\n", op->name, (unsigned long long)cost[0],
	       (unsigned long long)cost[RUNS / 2], op->what);
	/* No exit, no cost: the operation did not reach lucid. */
	test_check(cost[0] > 0, "%s exits to lucid and back", op->name);
}

/* Bochs breaks into its debugger here (magic_break: enabled=1); elsewhere
 * a NOP. */
static void magic_break(void)
{
	asm volatile("xchg %%bx, %%bx" ::: "memory");
}

static void profile(const struct op *op)
{
	for (u32 i = 0; i < 3; i++)
		op->real();
	magic_break();
	op->real();
	magic_break();
	printf("profiled %s\n", op->name);
}

/* vCPU 1 started, both in x2APIC mode: the IPI there and back. */
static void vcpu_ipi(const char *name)
{
	const struct op op = { name, "fixed IPI to halted vCPU 1, whose handler IPIs back (x2APIC)",
			       vcpu_ipi_real, vcpu_ipi_nop };

	trap_set_handler(IPI_VECTOR, ipi_handler);
	trap_set_handler(PING_VECTOR, ping_handler);
	x2apic_on_here();
	x2apic_mode = true;
	if (!test_check(smp_start(1, ponger) == 1 && wait_for(&ponger_ready, 1, SMP_TIMEOUT_MS),
			"vCPU 1 started"))
		return;
	measure(&op);
}

void test_main(void)
{
	char flag[4], name[40] = "ipi-";
	bool profiling = cmdline_get("profile", flag, sizeof(flag));
	const struct op ops[] = {
		{ "cpuid", "CPUID leaf 0", cpuid_real, cpuid_nop },
		cpu_amd ? (struct op){ "hypercall", "VMMCALL LUCID_HC_VERSION", vmmcall_real,
				       vmmcall_nop }
			: (struct op){ "hypercall", "VMCALL LUCID_HC_VERSION", vmcall_real,
				       vmcall_nop },
		{ "io-out", "OUT to the test device's port", io_out_real, io_out_nop },
		{ "io-in", "IN from the test device's port", io_in_real, io_in_nop },
		{ "msr", "RDMSR of EFER", msr_real, msr_nop },
		{ "mmio-read", "MOV from the test device's MMIO page", mmio_read_real,
		  mmio_read_nop },
		{ "mmio-write", "MOV to the test device's MMIO page", mmio_write_real,
		  mmio_write_nop },
	};

	const struct op xapic_ops[] = {
		{ "xapic-ipi", "self-IPI through the xAPIC's ICR, taken, EOI", xapic_ipi_real,
		  xapic_ipi_nop },
		{ "xapic-timer", "one-shot timer of count 1 through the xAPIC page, taken, EOI",
		  xapic_timer_real, xapic_timer_nop },
	};
	const struct op x2apic_ops[] = {
		{ "x2apic-ipi", "self-IPI through x2APIC SELF_IPI, taken, EOI", x2apic_ipi_real,
		  x2apic_ipi_nop },
		{ "x2apic-timer", "TSC-deadline timer, deadline past, taken, EOI (x2APIC)",
		  x2apic_timer_real, x2apic_timer_nop },
	};
	const struct op uart_op = { "uart-byte", "OUT of a byte to COM1", uart_real, uart_nop };

	if (cmdline_get("ipi", name + 4, sizeof(name) - 4)) {
		vcpu_ipi(name);
		return;
	}
	if (!pt_map(TESTDEV_MMIO, TESTDEV_MMIO, PAGE_SIZE, PAGE_SIZE, PTE_P | PTE_W) ||
	    !apic_map()) {
		test_fail("cannot map the test device's or the local APIC's page");
		return;
	}
	for (u32 i = 0; i < ARRAY_SIZE(ops); i++)
		profiling ? profile(&ops[i]) : measure(&ops[i]);
	profiling ? profile(&uart_op) : measure(&uart_op);
	outb(0x3f8, '\n');	/* ends the line lucid logs */
	trap_set_handler(IPI_VECTOR, ipi_handler);
	xapic_write(APIC_SVR, SVR_ENABLE | 0xff);
	xapic_write(APIC_TDCR, 0xb);			/* timer: divide by 1 */
	xapic_write(APIC_LVT_TIMER, IPI_VECTOR);	/* one-shot */
	for (u32 i = 0; i < ARRAY_SIZE(xapic_ops); i++)
		profiling ? profile(&xapic_ops[i]) : measure(&xapic_ops[i]);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	x2apic_mode = true;
	wrmsr(X2APIC_MSR(APIC_LVT_TIMER), IPI_VECTOR | LVT_DEADLINE);
	for (u32 i = 0; i < ARRAY_SIZE(x2apic_ops); i++)
		profiling ? profile(&x2apic_ops[i]) : measure(&x2apic_ops[i]);
}
