/* The runtime's start and the test API. Under lucid every result is one
 * LUCID_HC_TEST_RESULT and console output is LUCID_HC_CONSOLE_WRITE; on
 * plain QEMU (no lucid signature) both go to COM1 as "test: PASS ..." and
 * the guest powers off through isa-debug-exit or ACPI, so that a guest can
 * be debugged with qemu -kernel. The word `qemu` on the command line
 * makes it behave as on plain QEMU under lucid too: a kernel written for
 * QEMU's -kernel, run unchanged. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

#pragma weak test_early

bool on_lucid, cpu_amd;
u32 test_passed, test_failed, test_skipped;

void idt_init(void);
void tss_init(void);
void boot_parse(void);
void segs_reload(void);

/* End of the loaded image: flat guests check it to see that the loader
 * copied the whole file (guest.ld puts it last). */
static const u32 image_end_marker __attribute__((section(".endmarker"), used)) =
	IMAGE_END_MAGIC;

u32 image_end_word(void)
{
	return *(const volatile u32 *)&image_end_marker;
}

#define COM1 0x3f8

static void com1_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7);
	outb(COM1 + 4, 0x03);
}

static void com1_putc(char c)
{
	/* Bounded: with no UART the status port reads all-ones anyway. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (u8)c);
}

/* Whole writes, one CPU at a time: COM1 would mix the bytes of two. */
void console_write(const char *s, size_t len)
{
	static struct spinlock lock;

	spin_lock(&lock);
	if (on_lucid) {
		while (len) {
			size_t n = len < LUCID_CONSOLE_MAX ? len : LUCID_CONSOLE_MAX;

			hc_console_write(s, n);
			s += n;
			len -= n;
		}
	} else {
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\n')
				com1_putc('\r');
			com1_putc(s[i]);
		}
	}
	spin_unlock(&lock);
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

static void result(u32 status, const char *fmt, va_list ap)
{
	static const char *const names[] = { "PASS", "FAIL", "SKIP" };
	char msg[LUCID_CONSOLE_MAX + 1];
	size_t len = (size_t)vsnprintf(msg, sizeof(msg), fmt, ap);

	if (len > LUCID_CONSOLE_MAX)
		len = LUCID_CONSOLE_MAX;
	__atomic_add_fetch(status == LUCID_TEST_PASS   ? &test_passed :
			   status == LUCID_TEST_FAIL ? &test_failed : &test_skipped,
			   1, __ATOMIC_SEQ_CST);
	if (on_lucid) {
		long r = hc_test_result(status, msg, len);

		if (r != 0)
			printf("test result hypercall returned %ld\n", r);
	} else {
		printf("test: %s %s\n", names[status], msg);
	}
}

void test_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(LUCID_TEST_PASS, fmt, ap);
	va_end(ap);
}

void test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(LUCID_TEST_FAIL, fmt, ap);
	va_end(ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(LUCID_TEST_SKIP, fmt, ap);
	va_end(ap);
}

bool test_check(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(cond ? LUCID_TEST_PASS : LUCID_TEST_FAIL, fmt, ap);
	va_end(ap);
	return cond;
}

/* Plain QEMU: isa-debug-exit (exit status 1 = all passed, 3 = a failure)
 * if it is there, else the ACPI power-off of SeaBIOS' PM block. */
static void qemu_poweroff(void)
{
	outl(0xf4, test_failed ? 1 : 0);
	outw(0x604, 0x2000);
	outw(0xb004, 0x2000);
}

__noreturn void test_done(void)
{
	if (test_passed + test_failed + test_skipped == 0)
		test_fail("no result reported");
	printf("done: %u passed, %u failed, %u skipped\n", test_passed, test_failed,
	       test_skipped);
	if (on_lucid) {
		long r = hc_shutdown(LUCID_SHUTDOWN_POWEROFF);

		test_fail("shutdown hypercall returned %ld", r);
	} else {
		qemu_poweroff();
	}
	for (;;) {
		cli();
		hlt();
	}
}

static void detect(void)
{
	struct cpuid v = cpuid(0);
	struct cpuid h;

	cpu_amd = v.b == 0x68747541 && v.d == 0x69746e65 && v.c == 0x444d4163; /* AuthenticAMD */
	if (!(cpuid(1).c & (1u << 31)))
		return;
	h = cpuid(LUCID_CPUID_BASE);
	on_lucid = h.b == LUCID_CPUID_SIG_EBX && h.c == LUCID_CPUID_SIG_ECX &&
		   h.d == LUCID_CPUID_SIG_EDX;
}

/* Called by entry.asm on the runtime's stack, with .bss clear and the
 * runtime's GDT loaded (a 64-bit guest is in long mode already). */
void runtime_start(void);
void runtime_start(void)
{
	idt_init();
	tss_init();
	detect();
	boot_parse();
	if (has_token(boot.cmdline, "qemu"))
		on_lucid = false;
	if (!on_lucid)
		com1_init();
	if (test_early)
		test_early();
	segs_reload();
	test_main();
	test_done();
}
