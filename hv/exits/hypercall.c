#include "hv/exits/hypercall.h"
#include "hv/vdev/testdev.h"
#include "hv/exits/hypercall_abi.h"
#include "hv/version.h"
#include "lib/log.h"

struct hc_args {
	u64 nr, a1, a2, a3, a4;
};

static s64 hc_version(struct vcpu *v, const struct hc_args *a)
{
	(void)v;
	(void)a;
	return (s64)(((u64)LUCID_VERSION_MAJOR << 48) | ((u64)LUCID_VERSION_MINOR << 40) |
		     ((u64)LUCID_VERSION_PATCH << 32) | LUCID_ABI_VERSION);
}

/* Printable ASCII, newlines and tabs pass; anything else becomes '?', so a
 * guest cannot drive the operator's terminal with escape sequences. */
static char sanitise(char c)
{
	return (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) ? c : '?';
}

static void console_flush(struct vcpu *v)
{
	printk("%s: %.*s\n", v->vm->name, (int)v->console_len, v->console);
	v->console_len = 0;
}

void hypercall_console_end(struct vcpu *v)
{
	if (v->console_len)
		console_flush(v);
}

/* Lines are kept per vCPU, so two vCPUs' text never mixes. */
static s64 hc_console_write(struct vcpu *v, const struct hc_args *a)
{
	char buf[LUCID_CONSOLE_MAX];

	if (a->a2 > LUCID_CONSOLE_MAX)
		return -LUCID_EINVAL;
	if (gmem_read(&v->vm->mem, a->a1, buf, a->a2))
		return -LUCID_EFAULT;
	for (u64 i = 0; i < a->a2; i++) {
		char c = sanitise(buf[i]);
		if (c == '\n') {
			console_flush(v);
			continue;
		}
		if (v->console_len == sizeof(v->console))
			console_flush(v);
		v->console[v->console_len++] = c;
	}
	return (s64)a->a2;
}

static s64 hc_shutdown(struct vcpu *v, const struct hc_args *a)
{
	if (a->a1 == LUCID_SHUTDOWN_POWEROFF)
		vm_poweroff(v->vm);
	else if (a->a1 == LUCID_SHUTDOWN_REBOOT)
		vm_request(v->vm, v, VM_REQ_REBOOT);
	else
		return -LUCID_EINVAL;
	return 0;
}

static s64 hc_test_result(struct vcpu *v, const struct hc_args *a)
{
	static const char *const names[] = { "PASS", "FAIL", "SKIP" };
	char msg[LUCID_CONSOLE_MAX];

	if (a->a1 >= ARRAY_SIZE(names) || a->a3 > LUCID_CONSOLE_MAX)
		return -LUCID_EINVAL;
	if (gmem_read(&v->vm->mem, a->a2, msg, a->a3))
		return -LUCID_EFAULT;
	for (u64 i = 0; i < a->a3; i++)
		msg[i] = msg[i] == '\n' ? ' ' : sanitise(msg[i]);
	printk("test %s: %s %.*s\n", v->vm->name, names[a->a1], (int)a->a3, msg);
	return 0;
}

/* A test hook: a guest must not be able to raise interrupts at will in a
 * VM that was not set up for tests. */
static s64 hc_test_irq(struct vcpu *v, const struct hc_args *a)
{
	if (!vdev_state(v->vm, &testdev_model))
		return -LUCID_ENODEV;
	if (a->a1 < 32 || a->a1 > 255)
		return -LUCID_EINVAL;
	vcpu_raise_intr(v, (u8)a->a1);
	return 0;
}

typedef s64 (*hc_fn)(struct vcpu *v, const struct hc_args *a);

static const hc_fn calls[LUCID_HC_COUNT] = {
	[LUCID_HC_VERSION] = hc_version,
	[LUCID_HC_CONSOLE_WRITE] = hc_console_write,
	[LUCID_HC_SHUTDOWN] = hc_shutdown,
	[LUCID_HC_TEST_RESULT] = hc_test_result,
	[LUCID_HC_TEST_IRQ] = hc_test_irq,
};
_Static_assert(LUCID_HC_TEST_IRQ == LUCID_HC_COUNT - 1, "LUCID_HC_COUNT is the last call + 1");

enum exit_action hypercall_exit(struct vcpu *v, struct exit_record *x)
{
	u64 mask = x->long_mode ? ~0ull : 0xffffffffull;
	const u64 *g = v->regs.gpr;
	struct hc_args a = { g[REG_RAX] & mask, g[REG_RBX] & mask, g[REG_RCX] & mask,
			     g[REG_RDX] & mask, g[REG_RSI] & mask };
	s64 ret;

	if (x->cpl != 0)
		ret = -LUCID_EPERM;
	else if (a.nr >= ARRAY_SIZE(calls) || !calls[a.nr])
		ret = -LUCID_ENOSYS;
	else
		ret = calls[a.nr](v, &a);
	/* Powered off, or rebooted: the vCPU's registers are new already. */
	if (a.nr == LUCID_HC_SHUTDOWN && ret == 0)
		return v->state == VCPU_STOPPED ? ACT_STOP : ACT_RESUME;
	v->regs.gpr[REG_RAX] = (u64)ret;
	return ACT_SKIP;
}
