/* Host tests for the hypercalls (hv/exits/hypercall.c, docs/hypercalls.md)
 * over the fake back end (fake_hv.h): each call's result and effect, the
 * checks on the caller (CPL, 32-bit arguments) and on its arguments (bad
 * numbers, lengths, guest addresses), and the console, whose lines must
 * come out whole and sanitised whatever the guest writes, from any of
 * its vCPUs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/exits/hypercall.h"
#include "hv/exits/hypercall_abi.h"
#include "hv/version.h"

#define BUF 0x10000ull	/* where the guest keeps what it passes */
#define RIP 0x3000ull
#define BIT(n) (1ull << (n))

static struct vm *vm;	/* two vCPUs, started; shared by the tests */

static int setup(void **state)
{
	(void)state;
	if (host_init(8))
		return -1;
	vm = host_vm("hc", 2, MiB(1), 0, true);
	return 0;
}

static int before_each(void **state)
{
	(void)state;
	host_test_start();
	return 0;
}

struct call {
	u64 nr, a1, a2, a3, a4;
	u8 cpl;
	bool legacy;	/* made outside long mode: 32-bit registers */
};

/* v makes the call; returns what it finds in RAX afterwards. */
static s64 hcall_act(struct vcpu *v, const struct call *c, enum exit_action *act)
{
	struct exit_record x = { .reason = EXIT_HYPERCALL, .cpl = c->cpl, .long_mode = !c->legacy };

	v->regs.gpr[REG_RAX] = c->nr;
	v->regs.gpr[REG_RBX] = c->a1;
	v->regs.gpr[REG_RCX] = c->a2;
	v->regs.gpr[REG_RDX] = c->a3;
	v->regs.gpr[REG_RSI] = c->a4;
	*act = hypercall_exit(v, &x);
	return (s64)v->regs.gpr[REG_RAX];
}

/* A call that returns to the guest with a result. */
static s64 hcall(struct vcpu *v, const struct call *c)
{
	enum exit_action act;
	s64 ret = hcall_act(v, c, &act);

	assert_int_equal(act, ACT_SKIP);
	return ret;
}

/* v calls nr at CPL 0 in long mode; returns RAX after. */
static s64 hc(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3)
{
	return hcall(v, &(struct call){ .nr = nr, .a1 = a1, .a2 = a2, .a3 = a3 });
}

static s64 console_write_n(struct vcpu *v, const char *s, u64 len)
{
	assert_int_equal(gmem_write(&v->vm->mem, BUF, s, len), 0);
	return hc(v, LUCID_HC_CONSOLE_WRITE, BUF, len, 0);
}

static void console_write(struct vcpu *v, const char *s)
{
	assert_int_equal(console_write_n(v, s, strlen(s)), strlen(s));
}

/* --- the calls ------------------------------------------------------------------ */

static void test_version(void **state)
{
	u64 want = (u64)LUCID_VERSION_MAJOR << 48 | (u64)LUCID_VERSION_MINOR << 40 |
		   (u64)LUCID_VERSION_PATCH << 32 | LUCID_ABI_VERSION;

	u64 rip = vm->vcpu[0]->regs.rip;

	(void)state;
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_VERSION, 0, 0, 0), want);
	/* The run loop moves RIP past the call (ACT_SKIP), not the handler. */
	assert_int_equal(vm->vcpu[0]->regs.rip, rip);
}

/* Outside long mode only the low 32 bits of each register count. */
static void test_legacy_mode_arguments(void **state)
{
	struct vcpu *v = vm->vcpu[0];
	u64 high = 0xabcd000000000000ull;
	struct call c = { high | LUCID_HC_VERSION, .legacy = true };

	(void)state;
	assert_true(hcall(v, &c) > 0);
	c = (struct call){ .nr = high | LUCID_HC_CONSOLE_WRITE, .a1 = high | BUF, .a2 = high | 3,
			   .legacy = true };
	assert_int_equal(gmem_write(&vm->mem, BUF, "32\n", 3), 0);
	assert_int_equal(hcall(v, &c), 3);
	host_log_expect("hc: 32");

	/* The same registers in long mode: a call that does not exist. */
	c.legacy = false;
	assert_int_equal(hcall(v, &c), -LUCID_ENOSYS);
}

static void test_only_from_cpl0(void **state)
{
	struct vcpu *v = vm->vcpu[0];

	(void)state;
	assert_int_equal(gmem_write(&vm->mem, BUF, "x\n", 2), 0);
	for (u8 cpl = 1; cpl <= 3; cpl++) {
		assert_int_equal(hcall(v, &(struct call){ .nr = LUCID_HC_VERSION, .cpl = cpl }),
				 -LUCID_EPERM);
		assert_int_equal(hcall(v, &(struct call){ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = BUF,
							  .a2 = 2, .cpl = cpl }), -LUCID_EPERM);
		assert_int_equal(hcall(v, &(struct call){ .nr = LUCID_HC_SHUTDOWN,
							  .a1 = LUCID_SHUTDOWN_POWEROFF, .cpl = cpl }),
				 -LUCID_EPERM);
	}
	assert_string_equal(host_log(), "");
	assert_int_equal(vm->state, VM_RUNNING);
}

static void test_bad_numbers(void **state)
{
	static const u64 bad[] = { LUCID_HC_COUNT, LUCID_HC_COUNT + 1, 1ull << 32, ~0ull };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(hc(vm->vcpu[0], bad[i], 0, 0, 0), -LUCID_ENOSYS);
}

/* --- the console ------------------------------------------------------------------ */

static void test_console_lines(void **state)
{
	struct vcpu *v = vm->vcpu[0];

	(void)state;
	console_write(v, "hello\n");
	host_log_expect("hc: hello");
	host_log_clear();
	console_write(v, "a");
	console_write(v, "b");
	assert_string_equal(host_log(), "");	/* nothing until the line ends */
	console_write(v, "c\ntwo\n\nthree");
	assert_string_equal(host_log(), "hc: abc\nhc: two\nhc: \n");
	host_log_clear();
	console_write(v, "\n");
	assert_string_equal(host_log(), "hc: three\n");
	host_log_clear();
	assert_int_equal(console_write_n(v, "", 0), 0);
	assert_string_equal(host_log(), "");
}

/* Only printable ASCII and tabs reach the operator's terminal. */
static void test_console_sanitises(void **state)
{
	static const char in[] = "\x1b[2Jred\x7f\tok\x80\x01\xff";

	(void)state;
	assert_int_equal(console_write_n(vm->vcpu[0], in, sizeof(in)), sizeof(in)); /* NUL too */
	console_write(vm->vcpu[0], "\n");
	host_log_expect("hc: ?[2Jred?\tok????");
}

/* A line longer than lucid keeps comes out in pieces, none lost. */
static void test_console_long_line(void **state)
{
	char line[LUCID_CONSOLE_MAX], want[LUCID_CONSOLE_MAX + 8];
	size_t keep = VCPU_CONSOLE_LINE;

	(void)state;
	assert_true(keep + 10 < sizeof(line));
	for (size_t i = 0; i < sizeof(line); i++)
		line[i] = (char)('a' + i % 26);
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(console_write_n(vm->vcpu[0], line, sizeof(line)), sizeof(line));
	snprintf(want, sizeof(want), "hc: %.*s", (int)keep, line);
	host_log_expect(want);
	snprintf(want, sizeof(want), "hc: %.*s", (int)(sizeof(line) - 1 - keep), line + keep);
	host_log_expect(want);
}

/* A bad buffer is refused whole: nothing printed, the partial line kept. */
static void test_console_bad_buffers(void **state)
{
	struct vcpu *v = vm->vcpu[0];
	const struct call bad[] = {
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = BUF, .a2 = LUCID_CONSOLE_MAX + 1 },
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = BUF, .a2 = ~0ull },
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = MiB(1) - 2, .a2 = 4 }, /* past the end of RAM */
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = MiB(1), .a2 = 1 },
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = GiB(4), .a2 = 1 },
		{ .nr = LUCID_HC_CONSOLE_WRITE, .a1 = ~0ull, .a2 = 2 },		/* wraps */
	};

	(void)state;
	console_write(v, "kept");
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(hcall(v, &bad[i]), bad[i].a2 > LUCID_CONSOLE_MAX ? -LUCID_EINVAL :
				 -LUCID_EFAULT);
	assert_string_equal(host_log(), "");
	console_write(v, "\n");
	host_log_expect("hc: kept");
}

/* Each vCPU has its own partial line: two vCPUs writing at once (they
 * run on different CPUs) never mix their text. */
static void test_console_two_vcpus(void **state)
{
	(void)state;
	console_write(vm->vcpu[0], "abc");
	console_write(vm->vcpu[1], "xyz\n");
	console_write(vm->vcpu[0], "def\n");
	assert_string_equal(host_log(), "hc: xyz\nhc: abcdef\n");
}

/* --- test results --------------------------------------------------------------------- */

static s64 test_result(u64 kind, const char *msg, u64 len)
{
	assert_int_equal(gmem_write(&vm->mem, BUF, msg, len), 0);
	return hc(vm->vcpu[0], LUCID_HC_TEST_RESULT, kind, BUF, len);
}

static void test_test_result(void **state)
{
	(void)state;
	assert_int_equal(test_result(LUCID_TEST_PASS, "one\ntwo\x1b", 8), 0);
	host_log_expect("test hc: PASS one two?");
	assert_int_equal(test_result(LUCID_TEST_FAIL, "why", 3), 0);
	host_log_expect("test hc: FAIL why");
	assert_int_equal(test_result(LUCID_TEST_SKIP, "", 0), 0);
	host_log_expect("test hc: SKIP ");

	host_log_clear();
	assert_int_equal(test_result(LUCID_TEST_SKIP + 1, "x", 1), -LUCID_EINVAL);
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_TEST_RESULT, LUCID_TEST_PASS, BUF,
			    LUCID_CONSOLE_MAX + 1), -LUCID_EINVAL);
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_TEST_RESULT, LUCID_TEST_PASS, MiB(1) - 1, 2),
			 -LUCID_EFAULT);
	assert_string_equal(host_log(), "");
}

/* --- the test interrupt ---------------------------------------------------------------- */

/* Only a VM set up for tests may raise interrupts at will. */
static void test_test_irq(void **state)
{
	struct config_vm c = host_config("irq", 1, MiB(1), 0);
	struct vm *t;

	(void)state;
	c.testdev = true;
	t = vm_create(&c, host_boot());
	assert_non_null(t);
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_TEST_IRQ, 0x40, 0, 0), -LUCID_ENODEV);
	assert_false(events_pending(&vm->vcpu[0]->events));

	assert_int_equal(hc(t->vcpu[0], LUCID_HC_TEST_IRQ, 31, 0, 0), -LUCID_EINVAL);
	assert_int_equal(hc(t->vcpu[0], LUCID_HC_TEST_IRQ, 256, 0, 0), -LUCID_EINVAL);
	assert_false(events_pending(&t->vcpu[0]->events));
	assert_int_equal(hc(t->vcpu[0], LUCID_HC_TEST_IRQ, 0x40, 0, 0), 0);
	assert_true(events_intr_waiting(&t->vcpu[0]->events));
}

/* --- shutdown ------------------------------------------------------------------------- */

static void guest_shutdown(struct vcpu *v, const void *arg)
{
	v->regs.gpr[REG_RAX] = LUCID_HC_SHUTDOWN;
	v->regs.gpr[REG_RBX] = *(const u64 *)arg;
}

/* The guest's vCPU 0 calls shutdown in a slice on its own CPU. */
static void vm_shuts_down(struct vm *s, u64 cpu, u64 how)
{
	struct fake_exit e = { .x = { .reason = EXIT_HYPERCALL, .long_mode = true,
				      .insn_len = 3 },
			       .guest = guest_shutdown, .arg = &how };

	s->vcpu[0]->regs.rip = RIP;
	fake_script(s->vcpu[0], &e);	/* and no more: the slice ends with it */
	assert_true(host_sched_turn((u32)cpu));
	/* The call does not return: no RIP past it (the vCPU is reset or
	 * stopped where it stood). */
	assert_int_not_equal(s->vcpu[0]->regs.rip, RIP + 3);
}

static struct vm *shutdown_in_slice(const char *name, u64 cpu, u64 how)
{
	struct vm *s = host_vm(name, 1, MiB(1), BIT(cpu), true);

	vm_shuts_down(s, cpu, how);
	return s;
}

static void test_shutdown_poweroff(void **state)
{
	struct vm *s;

	(void)state;
	s = shutdown_in_slice("off", 5, LUCID_SHUTDOWN_POWEROFF);
	assert_int_equal(s->state, VM_SHUTOFF);
	assert_int_equal(s->vcpu[0]->regs.gpr[REG_RAX], LUCID_HC_SHUTDOWN);
	assert_int_equal(s->vcpu[0]->regs.rip, RIP);
	host_log_expect("vm off: powered off");
	s->vcpu[0]->state = VCPU_RUNNABLE;
	assert_false(host_sched_turn(5));	/* never runs again */
}

static void test_shutdown_reboot(void **state)
{
	struct vm *s;

	(void)state;
	s = shutdown_in_slice("again", 6, LUCID_SHUTDOWN_REBOOT);
	assert_int_equal(s->state, VM_RUNNING);
	assert_int_equal(s->reboots, 1);
	host_log_expect("vm again: rebooting");
	assert_int_equal(s->vcpu[0]->regs.rip, HOST_KERNEL_AT);
}

/* A line the guest left unended is printed when the VM boots again, not
 * put in front of the new boot's first line. */
static void test_shutdown_reboot_ends_a_line(void **state)
{
	struct vm *s = host_vm("part", 1, MiB(1), BIT(7), true);

	(void)state;
	console_write(s->vcpu[0], "before");
	host_log_clear();
	vm_shuts_down(s, 7, LUCID_SHUTDOWN_REBOOT);
	assert_string_equal(host_log(), "vm part: rebooting\npart: before\n");
	host_log_clear();
	console_write(s->vcpu[0], "after\n");
	assert_string_equal(host_log(), "part: after\n");
}

static void test_shutdown_bad_argument(void **state)
{
	(void)state;
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_SHUTDOWN, 2, 0, 0), -LUCID_EINVAL);
	assert_int_equal(hc(vm->vcpu[0], LUCID_HC_SHUTDOWN, ~0ull, 0, 0), -LUCID_EINVAL);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(vm->requests, 0);
	assert_string_equal(host_log(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_version, before_each),
		cmocka_unit_test_setup(test_legacy_mode_arguments, before_each),
		cmocka_unit_test_setup(test_only_from_cpl0, before_each),
		cmocka_unit_test_setup(test_bad_numbers, before_each),
		cmocka_unit_test_setup(test_console_lines, before_each),
		cmocka_unit_test_setup(test_console_sanitises, before_each),
		cmocka_unit_test_setup(test_console_long_line, before_each),
		cmocka_unit_test_setup(test_console_bad_buffers, before_each),
		cmocka_unit_test_setup(test_console_two_vcpus, before_each),
		cmocka_unit_test_setup(test_test_result, before_each),
		cmocka_unit_test_setup(test_test_irq, before_each),
		cmocka_unit_test_setup(test_shutdown_poweroff, before_each),
		cmocka_unit_test_setup(test_shutdown_reboot, before_each),
		cmocka_unit_test_setup(test_shutdown_reboot_ends_a_line, before_each),
		cmocka_unit_test_setup(test_shutdown_bad_argument, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
