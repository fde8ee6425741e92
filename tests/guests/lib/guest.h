/* The test-guest runtime: what a guest in tests/guests/ may use. A guest is
 * one C file that defines test_main(); the runtime (tests/guests/lib/) boots
 * it, gives it a console, an IDT that turns exceptions into values, and the
 * test API that reports results to lucid (or to COM1 on plain QEMU).
 * See docs/test-guests.md. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uintptr_t uptr;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)
#define PAGE_SIZE 4096u

#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __aligned(n) __attribute__((aligned(n)))

/* ---- the test ------------------------------------------------------- */

/* Each guest defines this; returning from it is test_done(). */
void test_main(void);
/* A 32-bit guest may also define this: it runs before the runtime reloads
 * the segment registers, so it sees the segments the loader gave it (the
 * IDT, console and boot info are already set up). */
void test_early(void);

/* One result each; lucid prints "test <vm>: PASS <message>". Messages are
 * cut at LUCID_CONSOLE_MAX bytes. */
void test_pass(const char *fmt, ...) __printf(1, 2);
void test_fail(const char *fmt, ...) __printf(1, 2);
void test_skip(const char *fmt, ...) __printf(1, 2);
/* PASS or FAIL with the same message; returns cond. */
bool test_check(bool cond, const char *fmt, ...) __printf(2, 3);
/* Powers the VM off (LUCID_HC_SHUTDOWN). Reports a FAIL first if nothing
 * was reported, and one if the shutdown call returns. */
__noreturn void test_done(void);
/* Results so far. */
extern u32 test_passed, test_failed, test_skipped;

/* ---- output --------------------------------------------------------- */

/* True under lucid (CPUID hypervisor bit and the 0x40000000 signature),
 * unless the command line has the word `qemu`: the guest then behaves as
 * on plain QEMU (COM1, isa-debug-exit) wherever it runs. */
extern bool on_lucid;
/* CPUID vendor is AuthenticAMD: hypercalls use VMMCALL, else VMCALL. */
extern bool cpu_amd;

/* To the VM's console (LUCID_HC_CONSOLE_WRITE) or COM1. Not a result. */
int printf(const char *fmt, ...) __printf(1, 2);
void console_write(const char *s, size_t len);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* ---- exceptions ----------------------------------------------------- */

#define NO_FAULT 0xffffffffu

/* What the last exception taken by the runtime was. */
struct fault {
	u32 vector;
	u32 error;   /* 0 for vectors without an error code */
	uptr rip;    /* as pushed: the faulting instruction, or the next one for traps */
	uptr cr2;    /* for #PF */
	u16 cs;      /* as pushed: (cs & 3) is the CPL the exception came from */
	uptr rflags; /* as pushed */
	uptr rcx, rsi, rdi;  /* at the exception (ECX, ESI, EDI in 32-bit guests) */
};
extern struct fault last_fault;

/* Runs fn(arg). If it raises an exception, it is abandoned there: callee-
 * saved registers, the stack, EFLAGS and the segment registers are restored
 * and the vector is returned (details in last_fault). Returns NO_FAULT if fn
 * returned. Nests. Anything fn changed in control registers stays changed.
 * An exception outside catch_fault is a FAIL and ends the test. The boot
 * CPU's only, as are run_user and next_intr: an exception on an AP always
 * ends the test. */
u32 catch_fault(void (*fn)(void *), void *arg);
/* Runs fn(arg) at CPL 3 (flat user segments, a user stack of 4 KiB, IOPL 0,
 * IF=0; in long mode every runtime page is user-accessible). Returns
 * NO_FAULT when fn returned, else the vector of its exception. */
u32 run_user(void (*fn)(void *), void *arg);
/* The same with IOPL 3, so that fn may use IN, OUT, INS and OUTS. */
u32 run_user_io(void (*fn)(void *), void *arg);
/* Name of a vector ("#GP"), for messages. */
const char *vector_name(u32 vector);
/* The vector of an interrupt taken in a short window of IF=1, caught as
 * catch_fault catches an exception, or NO_FAULT if none came. The window
 * is a loop, so an emulator that looks for interrupts only between blocks
 * of code sees a few boundaries. */
u32 next_intr(void);
/* Has every later interrupt or exception of `vector` run fn(vector), on
 * whichever CPU takes it; fn must use general registers only, and
 * returns to where it came (IRET). NULL goes back to catch_fault's rules. */
void trap_set_handler(u8 vector, void (*fn)(u32 vector));

/* Reports one result from the exception catch_fault returned (got): PASS
 * when it is vector, with the error code error (ANY_ERROR: not checked),
 * raised at rip (0: not checked); else FAIL, saying what came instead. The
 * message is fmt. Returns whether it passed. */
#define ANY_ERROR 0xffffffffu
bool check_fault(u32 got, u32 vector, u32 error, uptr rip, const char *fmt, ...)
	__printf(5, 6);

u32 rdmsr_safe(u32 msr, u64 *val);
u32 wrmsr_safe(u32 msr, u64 val);

/* The IDT: 256 gates, all DPL 0 except 0x80 (run_user's way back). */
void idt_load_empty(void);     /* lidt with limit 0 (triple-fault test) */

/* ---- boot information ----------------------------------------------- */

enum boot_kind {
	BOOT_MB1,       /* multiboot1: EAX = 0x2BADB002 */
	BOOT_MB2,       /* multiboot2: EAX = 0x36D76289 */
	BOOT_FLAT_PM,   /* flat binary entered in protected mode */
	BOOT_FLAT_RM,   /* flat binary entered in real mode (entry16.asm) */
};

#define MB1_MAGIC 0x2BADB002u
#define MB2_MAGIC 0x36D76289u

struct mem_range {
	u64 base;
	u64 size;
	u32 type;       /* 1 = available RAM */
};

struct boot_module {
	u64 start, end; /* [start, end) guest-physical */
	char cmdline[128];
};

/* The runtime's copy of what the loader passed, taken before test_main so
 * that a guest may overwrite the loader's structures. */
struct boot_info {
	enum boot_kind kind;
	u32 info;                   /* EBX at entry: the info's address */
	bool has_cmdline;
	char cmdline[256];
	bool has_loader;
	char loader[64];
	bool has_meminfo;
	u32 mem_lower, mem_upper;   /* KiB */
	u32 n_mmap;
	struct mem_range mmap[32];
	u32 n_mods;
	struct boot_module mods[4];
	u64 ram_end;                /* end of the highest available range, 0 if no map */
};
extern struct boot_info boot;

/* What the CPU held at the first instruction (entry.asm, entry16.asm). */
struct entry_state {
	u32 eax, ebx, ecx, edx, esi, edi, ebp, esp;
	u32 eip;        /* address of _start, measured by call/pop */
	u32 eflags, cr0, cr3, cr4;
	u16 cs, ds, es, fs, gs, ss;
	u8 gdtr[6], idtr[6];
	/* Flat real-mode entry only: */
	u32 from_real;
	u16 rm_cs, rm_ip;
	u32 rm_eflags, rm_cr0;
	/* FNSTENV before the runtime's FNINIT (32-bit format): FCW at 0,
	 * FSW at 4, the full tag word at 8 (0xffff: all registers empty). */
	u8 fpu_env[28];
};
extern struct entry_state entry_state;

/* The value of key=VALUE in the command line, copied to buf; false if the
 * key is absent. */
bool cmdline_get(const char *key, char *buf, size_t size);
/* Like cmdline_get, parsed as a number (decimal or 0x hex). */
bool cmdline_u64(const char *key, u64 *val);
u64 parse_u64(const char *s, const char **end);

/* The guest's own image and what it may overwrite: available RAM from the
 * memory map, less [0, 4 KiB), the image with its .bss and stacks, and the
 * modules. Fills out[], returns the count. */
extern char __image_start[], __load_end[], __image_end[];
u32 free_ram(struct mem_range *out, u32 max);
/* The last word of the loaded image (guest.ld): it reads 0x600df11e only
 * if the loader copied the whole file. */
#define IMAGE_END_MAGIC 0x600df11eu
u32 image_end_word(void);
/* Does [a, a+len) lie below ram_end and clear of the image? (Where a
 * loader may put boot information and modules.) */
bool placed_outside_image(u64 a, u64 len, u64 ram_end);
/* Do len bytes at p hold the pattern of tests/guests/lib/mkpattern.py
 * (PATTERN_SEED through lcg_next, one top byte each)? */
bool pattern_ok(const void *p, u32 len);

/* ---- small helpers -------------------------------------------------- */

/* lucid's lib/string.c and lib/fmt.c serve the guests too. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Is word a whole space-separated token of s? */
bool has_token(const char *s, const char *word);

/* The 32-bit LCG shared with mkpattern.py (modules, memory patterns). */
static inline u32 lcg_next(u32 x)
{
	return x * 1103515245u + 12345u;
}

/* ---- application processors (lib/smp.c, lib/smp.asm) ---------------- */

#define SMP_MAX_CPUS 8			/* APIC IDs 0 (the boot CPU) .. 7 */
#define SMP_TRAMPOLINE 0x7000u		/* where smp_start's APs start: vector 0x07 */
/* How long a wait for another CPU may take before it counts as a FAIL:
 * only a hang should reach it. On Bochs, whose SVM and VMX hold lucid's
 * tick back from a guest with interrupts disabled, a VM walking its RAM
 * so (ram-walk: 256 MiB, twice) keeps a CPU for many seconds of guest
 * time, and a vCPU placed behind it waits that long for its turn; and
 * lucid's boot CPU runs no vCPU while it creates the VMs after this one
 * (zeroing their RAM a byte at a time: over 13 s of guest time for the
 * APs placed there in bochs-vmx-guests-smp2). */
#define SMP_TIMEOUT_MS 120000u

/* Starts the APs with APIC IDs 1..n: INIT to each, 10 ms, then STARTUP
 * twice, 200 us apart, at the trampoline copied to SMP_TRAMPOLINE. Each
 * AP climbs to the guest's mode on the boot CPU's GDT, IDT and page
 * tables, takes its own 8 KiB stack and calls fn(its APIC ID) with
 * interrupts disabled; it halts, interrupts disabled, if fn returns. Says
 * how many came up within SMP_TIMEOUT_MS. Sends through the boot CPU's
 * APIC in the mode it is in (a 64-bit guest's xAPIC page gets mapped);
 * times its waits by the TSC, measured against the PIT (platform pc). */
u32 smp_start(u32 n, void (*fn)(u32 id));
/* The same for AP id alone, with the trampoline copied to page (4 KiB-
 * aligned, below 1 MiB: STARTUP's vector is page >> 12). */
bool smp_restart(u32 id, u32 page, void (*fn)(u32 id));
/* The page AP id started at last (its STARTUP vector << 12), or 0. */
u32 smp_start_page(u32 id);
/* This CPU's initial APIC ID (CPUID 1): 0 on the boot CPU. */
u32 smp_id(void);

/* TSC ticks per millisecond, measured against the PIT on the first call
 * (a 1 GHz guess without one). */
u64 tsc_per_ms(void);
void delay_us(u32 us);
/* Spins (cpu_relax) until *word >= value, at most ms milliseconds; says
 * whether it got there. Interrupts stay as they are. */
bool wait_for(const volatile u32 *word, u32 value, u32 ms);

/* What a spin-wait does each time round: PAUSE, and every 256th time an
 * exit (CPUID). The CPU may be a vCPU's that shares its physical CPU with
 * the one it waits for, which runs only once lucid's tick ends this one's
 * slice; and Bochs keeps lucid's tick from a guest that runs with IF=0
 * until it exits (docs/testing.md). Not every time: an exit costs Bochs
 * far more of the host's time than an instruction, and a spin of nothing
 * but exits slowed its other CPU's work down to a crawl. */
static inline void cpu_relax(void)
{
	static u32 turns;	/* shared racily: any count will do */
	u32 a = 0, b, c = 0, d;

	asm volatile("pause" ::: "memory");
	if (++turns % 256 == 0)
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

/* A lock for data CPUs share. printf and the test results take one of
 * their own, so that lines from several CPUs do not interleave; so an
 * interrupt handler must not print. */
struct spinlock {
	u32 locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* ---- long mode paging (64-bit guests) ------------------------------- */
#ifdef __x86_64__
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* The runtime starts on identity tables: 2 MiB pages, P|W|U, over the
 * first 1 GiB. pt_map maps [va, va+size) to pa with pages of page_size
 * (4 KiB, 2 MiB or 1 GiB), allocating tables from a small pool and
 * splitting larger pages on the way; flags are PTE_* (PS is added for
 * large pages). Returns false when the pool is exhausted. Flushes the TLB. */
bool pt_map(u64 va, u64 pa, u64 size, u64 page_size, u64 flags);
/* The entry mapping va at the given level (1 = PTE ... 4 = PML4E), or NULL
 * if the walk stops earlier (not present, or a large page above level). */
u64 *pt_entry(u64 va, int level);
void pt_flush(void);
#endif

#endif
