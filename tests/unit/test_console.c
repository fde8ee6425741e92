/* Host tests for the console (hv/console/console.c) over a fake COM1: what
 * is typed comes from `input`, what the UART gets goes to `serial`, and
 * the log's sink is the same UART, as on the machine. Other CPUs are
 * played by changing the CPU number the log sees; the fake VM table lets
 * one of them print while the console lists the VMs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch/x86/reset.h"
#include "drivers/uart16550.h"
#include "hv/console/console.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/host/machine.h"
#include "hv/version.h"
#include "lib/log.h"

static char serial[4096];
static size_t serial_len;
static const char *input = "";

void uart_putc(u16 port, char c)
{
	(void)port;
	assert_true(serial_len + 1 < sizeof(serial));
	serial[serial_len++] = c;
	serial[serial_len] = '\0';
}

int uart_getc(u16 port)
{
	(void)port;
	return *input ? *input++ : -1;
}

void uart_log_sink(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		uart_putc(COM1_PORT, s[i]);
}

__noreturn void machine_reboot(void)
{
	fail_msg("reboot");
	__builtin_unreachable();
}

__noreturn void machine_halt(void)
{
	fail_msg("halt");
	__builtin_unreachable();
}

const char *version_line(void)
{
	return "lucid test";
}

static u32 cpu;

static u32 test_cpu_id(void)
{
	return cpu;
}

/* Three VMs; fetching the second, CPU 1 powers a VM off and says so. */
static struct vcpu vcpus[3];
static struct vm vms[3];

u32 vm_count(void)
{
	return 3;
}

struct vm *vm_get(u32 i)
{
	if (i == 1) {
		cpu = 1;
		printk("vm other: powered off\n");
		cpu = 0;
	}
	return &vms[i];
}

const char *vm_state_name(enum vm_state s)
{
	return s == VM_RUNNING ? "running" : "shut off";
}

static int setup(void **state)
{
	static const char *const names[] = { "a", "b", "c" };

	(void)state;
	for (int i = 0; i < 3; i++) {
		strcpy(vms[i].name, names[i]);
		vms[i].state = VM_RUNNING;
		vms[i].mem.size = 4 << 20;
		vms[i].nvcpus = 1;
		vms[i].vcpu[0] = &vcpus[i];
	}
	log_add_sink(uart_log_sink);
	log_set_cpu_id(test_cpu_id);
	/* A CPU that waits for the console's hold would wait for good here. */
	alarm(20);
	return 0;
}

/* The answer to 'vms' comes whole, right below the line it answers; the
 * line another CPU printed meanwhile comes after it, then the prompt. */
static void test_answer_is_not_cut_by_other_cpus(void **state)
{
	(void)state;
	console_poll();
	assert_string_equal(serial, CONSOLE_PROMPT);
	input = "vms\r";
	console_poll();
	console_poll();
	assert_string_equal(serial,
			    "lucid> vms\n"
			    "  name             state       memory  vcpus      exits\n"
			    "  a                running       4 MiB      1          0\n"
			    "  b                running       4 MiB      1          0\n"
			    "  c                running       4 MiB      1          0\n"
			    "vm other: powered off\n"
			    "lucid> ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_is_not_cut_by_other_cpus),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
