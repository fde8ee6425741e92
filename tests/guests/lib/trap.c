/* The IDT, the TSS and the C half of exception handling (trap.asm has the
 * stubs and catch_fault). An exception while a catch is armed is recorded
 * in last_fault and returned from catch_fault; any other one is a FAIL that
 * ends the test. */
#include <stddef.h>
#include "guest.h"
#include "cpu.h"

#define KCODE32 0x08
#define KDATA   0x10
#define KCODE64 0x18
#define TSS_SEL 0x38
#define USER_RETURN_VECTOR 0x80

_Static_assert(offsetof(struct entry_state, eip) == 32, "layout.inc ES_EIP");
_Static_assert(offsetof(struct entry_state, cs) == 52, "layout.inc ES_CS");
_Static_assert(offsetof(struct entry_state, gdtr) == 64, "layout.inc ES_GDTR");
_Static_assert(offsetof(struct entry_state, from_real) == 76, "layout.inc ES_FROM_REAL");
_Static_assert(offsetof(struct entry_state, rm_cr0) == 88, "layout.inc ES_RM_CR0");
_Static_assert(offsetof(struct entry_state, fpu_env) == 92, "layout.inc ES_FPU_ENV");
_Static_assert(sizeof(struct entry_state) == 120, "layout.inc ES_SIZE");

struct fault last_fault;
extern uptr catch_sp;
extern const uptr isr_stubs[256];
extern u64 gdt[];
extern char trap_stack_top[];

__noreturn void catch_resume(u32 vector);
void enter_user(void *call);

#ifdef __x86_64__
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit gate");

struct tss {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS");
#define KCODE KCODE64
#else
struct trap_frame {
	u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	u32 vector, error, rip, cs, rflags, esp, ss; /* esp, ss only from CPL 3 */
};

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
};
_Static_assert(sizeof(struct idt_gate) == 8, "32-bit gate");

struct tss {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2;
	u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap;
};
_Static_assert(sizeof(struct tss) == 104, "32-bit TSS");
#define KCODE KCODE32
#endif

static struct idt_gate idt[256] __aligned(16);
static struct tss tss __aligned(16);

struct dtr {
	u16 limit;
	uptr base;
} __attribute__((packed));

void idt_load(void);
void idt_load(void)
{
	struct dtr d = { sizeof(idt) - 1, (uptr)idt };

	asm volatile("lidt %0" : : "m"(d));
}

void idt_init(void);
void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uptr a = isr_stubs[v];
		/* Interrupt gate; DPL 3 only for the way back from run_user. */
		u8 type = v == USER_RETURN_VECTOR ? 0xee : 0x8e;

		idt[v].off_lo = (u16)a;
		idt[v].sel = KCODE;
		idt[v].type = type;
#ifdef __x86_64__
		idt[v].off_mid = (u16)(a >> 16);
		idt[v].off_hi = (u32)(a >> 32);
#else
		idt[v].off_hi = (u16)(a >> 16);
#endif
	}
	idt_load();
}

void idt_load_empty(void)
{
	struct dtr d = { 0, 0 };

	asm volatile("lidt %0" : : "m"(d));
}

/* An available TSS in the GDT's last slot: ESP0/RSP0 for exceptions from
 * CPL 3 and no I/O bitmap (the offset points past the limit), so that I/O
 * at CPL 3 takes #GP. */
void tss_init(void);
void tss_init(void)
{
	u64 base = (uptr)&tss;
	u64 limit = sizeof(tss) - 1;

#ifdef __x86_64__
	tss.rsp0 = (uptr)trap_stack_top;
	gdt[TSS_SEL / 8 + 1] = base >> 32;
#else
	tss.esp0 = (uptr)trap_stack_top;
	tss.ss0 = KDATA;
#endif
	tss.iomap = sizeof(tss);
	gdt[TSS_SEL / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
			   ((base >> 24) & 0xff) << 56;
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
}

static const char *const names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MP", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

const char *vector_name(u32 vector)
{
	if (vector == NO_FAULT)
		return "no exception";
	if (vector < 32 && names[vector])
		return names[vector];
	return "interrupt";
}

/* No SSE here: the exception may be #NM from CR0.TS (or come before SSE
 * is usable), and gcc would otherwise copy the frame with SSE moves. */
void trap_entry(struct trap_frame *f);
static void (*handlers[256])(u32 vector);

void trap_set_handler(u8 vector, void (*fn)(u32 vector))
{
	handlers[vector] = fn;
}

bool smp_ap_stack(const void *p);

__attribute__((target("general-regs-only"))) void trap_entry(struct trap_frame *f)
{
	static bool dying;
	u32 vector = (u32)f->vector & 0xff;

	if (handlers[vector]) {
		handlers[vector](vector);
		return;
	}

	last_fault.vector = (u32)f->vector;
	last_fault.error = (u32)f->error;
	last_fault.rip = f->rip;
	last_fault.cs = (u16)f->cs;
	last_fault.rflags = f->rflags;
	last_fault.cr2 = f->vector == X86_PF ? read_cr2() : 0;
#ifdef __x86_64__
	last_fault.rcx = f->rcx;
	last_fault.rsi = f->rsi;
	last_fault.rdi = f->rdi;
#else
	last_fault.rcx = f->ecx;
	last_fault.rsi = f->esi;
	last_fault.rdi = f->edi;
#endif
	/* A catch is the boot CPU's: an AP runs on a stack of its own. */
	if (catch_sp && !smp_ap_stack(f))
		catch_resume((u32)f->vector);

	/* Unexpected. A fault while reporting one would loop: stop instead. */
	if (dying) {
		for (;;) {
			cli();
			hlt();
		}
	}
	dying = true;
	test_fail("unexpected exception %s (vector %u), error %#x, at rip %#lx, cr2 %#lx",
		  vector_name((u32)f->vector), (u32)f->vector, (u32)f->error,
		  (unsigned long)f->rip, (unsigned long)last_fault.cr2);
	test_done();
}

/* enter_user takes fn, arg and the EFLAGS to run fn with. */
static u32 user_call(void (*fn)(void *), void *arg, uptr flags)
{
	void *call[3] = { (void *)fn, arg, (void *)flags };
	u32 v = catch_fault(enter_user, call);

	return v == USER_RETURN_VECTOR ? NO_FAULT : v;
}

u32 run_user(void (*fn)(void *), void *arg)
{
	return user_call(fn, arg, 2);			/* IF=0, IOPL 0 */
}

u32 run_user_io(void (*fn)(void *), void *arg)
{
	return user_call(fn, arg, 2 | EFL_IOPL);
}

bool check_fault(u32 got, u32 vector, u32 error, uptr rip, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	bool ok = got == vector && (error == ANY_ERROR || last_fault.error == error) &&
		  (!rip || last_fault.rip == rip);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ok)
		test_pass("%s", msg);
	else if (got == NO_FAULT)
		test_fail("%s: no exception, expected %s", msg, vector_name(vector));
	else
		test_fail("%s: got %s (vector %u) error %#x at rip %#lx, expected %s error %#x at %#lx",
			  msg, vector_name(got), got, last_fault.error, (unsigned long)last_fault.rip,
			  vector_name(vector), error, (unsigned long)rip);
	return ok;
}

struct msr_op {
	u32 msr;
	u64 val;
};

static void do_rdmsr(void *p)
{
	struct msr_op *op = p;

	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *p)
{
	struct msr_op *op = p;

	wrmsr(op->msr, op->val);
}

u32 rdmsr_safe(u32 msr, u64 *val)
{
	struct msr_op op = { msr, 0 };
	u32 v = catch_fault(do_rdmsr, &op);

	*val = op.val;
	return v;
}

u32 wrmsr_safe(u32 msr, u64 val)
{
	struct msr_op op = { msr, val };

	return catch_fault(do_wrmsr, &op);
}

static void intr_window(void *arg)
{
	u32 n = 100;

	(void)arg;
	asm volatile("sti\n"
		     "1: dec %0\n"
		     "jnz 1b\n"
		     "cli"
		     : "+r"(n) : : "memory");
}

u32 next_intr(void)
{
	return catch_fault(intr_window, NULL);
}
