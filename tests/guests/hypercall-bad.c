/* hypercall-bad: lucid refuses bad hypercalls with the documented error and
 * no side effect: an unknown number gives -LUCID_ENOSYS; a buffer outside
 * the VM's RAM (also one that runs past its end) -LUCID_EFAULT; a length
 * over LUCID_CONSOLE_MAX or a bad status or shutdown mode -LUCID_EINVAL;
 * any call from CPL 3 -LUCID_EPERM (lucid's choice, not #UD), and a test
 * result sent from CPL 3 must not be printed. The test interrupt is for VMs
 * with the test device only: here, without it, -LUCID_ENODEV. The version call returns the
 * ABI version, and every register but EAX survives a call. 32-bit. */
#include "guest.h"
#include "cpu.h"
#include "hypercall.h"

static const char msg[] = "hypercall-bad: this must not be printed";

static bool all_eq(const long *r, u32 n, long want)
{
	for (u32 i = 0; i < n; i++) {
		if (r[i] != want)
			return false;
	}
	return true;
}

struct user_calls {
	long version, result;
};

static void from_user(void *arg)
{
	struct user_calls *c = arg;

	c->version = hc_version();
	/* A FAIL: if lucid wrongly accepts it, the harness sees a failure. */
	c->result = hc_test_result(LUCID_TEST_FAIL, "reported from CPL 3", 19);
}

void test_main(void)
{
	u32 end = (u32)boot.ram_end;
	long r[4];
	u32 b = 0xb0b0b0b0, c = 0xc0c0c0c0, d = 0xd0d0d0d0, si = 0x51515151, di = 0xd1d1d1d1;
	static u32 bp_slot; /* static: EBP and ESP move inside the asm below */
	long ret;
	struct user_calls uc = { 0, 0 };
	u32 v;

	r[0] = hypercall(LUCID_HC_COUNT, 0, 0, 0);
	r[1] = hypercall(0x1000, 0, 0, 0);
	r[2] = hypercall(0x7fffffff, 0, 0, 0);
	r[3] = hypercall(0xffffffff, 0, 0, 0);
	test_check(all_eq(r, 4, -LUCID_ENOSYS),
		   "unknown call numbers return -ENOSYS (%ld %ld %ld %ld)", r[0], r[1], r[2], r[3]);

	ret = hc_version();
	test_check((ret & 0xffff) == LUCID_ABI_VERSION, "version call returns ABI version %u (%#lx)",
		   LUCID_ABI_VERSION, ret);

	if (!end) {
		test_fail("no memory map: cannot place buffers at the end of RAM");
	} else {
		r[0] = hc_console_write((void *)(uptr)end, 1);
		r[1] = hc_console_write((void *)(uptr)(end - 8), 16);
		r[2] = hc_console_write((void *)0xfffff000, 16);
		r[3] = hc_test_result(LUCID_TEST_FAIL, (void *)(uptr)(end - 4), 8);
		test_check(all_eq(r, 4, -LUCID_EFAULT),
			   "buffers outside RAM return -EFAULT (%ld %ld %ld %ld)", r[0], r[1], r[2],
			   r[3]);
	}

	r[0] = hc_console_write(msg, LUCID_CONSOLE_MAX + 1);
	r[1] = hc_console_write(msg, 0xffffffff);
	r[2] = hc_test_result(LUCID_TEST_FAIL, msg, LUCID_CONSOLE_MAX + 1);
	test_check(all_eq(r, 3, -LUCID_EINVAL), "lengths over %u return -EINVAL (%ld %ld %ld)",
		   LUCID_CONSOLE_MAX, r[0], r[1], r[2]);

	r[0] = hc_test_result(3, msg, sizeof(msg) - 1);
	r[1] = hc_test_result(0xffffffff, msg, sizeof(msg) - 1);
	test_check(all_eq(r, 2, -LUCID_EINVAL), "a bad test status returns -EINVAL (%ld %ld)", r[0],
		   r[1]);

	r[0] = hc_shutdown(2);
	r[1] = hc_shutdown(0xffffffff);
	test_check(all_eq(r, 2, -LUCID_EINVAL), "a bad shutdown mode returns -EINVAL (%ld %ld)",
		   r[0], r[1]);

	r[0] = hc_test_irq(32);
	r[1] = hc_test_irq(255);
	test_check(all_eq(r, 2, -LUCID_ENODEV),
		   "the test interrupt without the test device returns -ENODEV (%ld %ld)", r[0],
		   r[1]);

	/* Every register but EAX survives; EBP by hand (gcc may use it). */
	bp_slot = 0xb9b9b9b9;
	ret = LUCID_HC_VERSION;
	asm volatile("push %%ebp\n mov %[bp], %%ebp\n"
		     "cmpb $0, %[amd]\n jz 1f\n vmmcall\n jmp 2f\n1: vmcall\n2:\n"
		     "mov %%ebp, %[bp]\n pop %%ebp"
		     : "+a"(ret), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di), [bp] "+m"(bp_slot)
		     : [amd] "m"(cpu_amd)
		     : "memory", "cc");
	test_check(b == 0xb0b0b0b0 && c == 0xc0c0c0c0 && d == 0xd0d0d0d0 && si == 0x51515151 &&
			   di == 0xd1d1d1d1 && bp_slot == 0xb9b9b9b9,
		   "a call preserves EBX ECX EDX ESI EDI EBP (%x %x %x %x %x %x)", b, c, d, si, di,
		   bp_slot);

	v = run_user(from_user, &uc);
	test_check(v == NO_FAULT && uc.version == -LUCID_EPERM && uc.result == -LUCID_EPERM,
		   "calls from CPL 3 return -EPERM (%s; version %ld, test result %ld)",
		   vector_name(v), uc.version, uc.result);
}
