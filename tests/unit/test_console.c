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
#include "hv/console/attach.h"
#include "hv/core/timer.h"
#include "hv/core/vm.h"
#include "hv/host/machine.h"
#include "hv/vdev/uart.h"
#include "hv/version.h"
#include "lib/log.h"

static char serial[8192];
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

/* Time: the prompt waits for 200 ticks of quiet (a fifth of timer_hz). */
static u64 tsc = 1000;

u64 rdtsc(void)
{
	return tsc;
}

u64 timer_hz(void)
{
	return 1000;
}

/* VM b's COM1 (a and c have none): what the guest sent, and what it was
 * typed. */
static char guest_out[4096];
static u64 guest_written;
static char guest_in[64];
static u32 guest_in_len;
static u32 guest_fifo_room = 16;
static bool guest_overrun;

static void guest_sends(const char *s)
{
	for (; *s; s++)
		guest_out[guest_written++ % sizeof(guest_out)] = *s;
}

static bool is_b(const struct vm *vm)
{
	return !strcmp(vm->name, "b");
}

bool uart_present(struct vm *vm)
{
	return is_b(vm);
}

u32 uart_input(struct vm *vm, const u8 *bytes, u32 len)
{
	u32 took = 0;

	assert_true(is_b(vm));
	for (; took < len && guest_in_len < guest_fifo_room; took++)
		guest_in[guest_in_len++] = (char)bytes[took];
	guest_overrun |= took < len; /* the rest is lost, LSR.OE set */
	return took;
}

u32 uart_input_room(struct vm *vm)
{
	assert_true(is_b(vm));
	return guest_fifo_room - guest_in_len;
}

u64 uart_output_end(struct vm *vm)
{
	assert_true(is_b(vm));
	return guest_written;
}

u32 uart_output_read(struct vm *vm, u64 *pos, u8 *buf, u32 size, u64 *lost)
{
	u64 oldest = guest_written > sizeof(guest_out) ? guest_written - sizeof(guest_out) : 0;
	u32 n = 0;

	assert_true(is_b(vm));
	*lost = *pos < oldest ? oldest - *pos : 0;
	*pos += *lost;
	while (n < size && *pos < guest_written)
		buf[n++] = (u8)guest_out[(*pos)++ % sizeof(guest_out)];
	return n;
}

static u32 test_cpu_id(void)
{
	return cpu;
}

/* Three VMs; fetching the second, CPU 1 powers a VM off and says so
 * (once 'vms' sets other_cpu_prints). */
static struct vcpu vcpus[3];
static struct vm vms[3];
static bool other_cpu_prints;

u32 vm_count(void)
{
	return 3;
}

struct vm *vm_get(u32 i)
{
	if (i == 1 && other_cpu_prints) {
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

/* Each test starts at a prompt with nothing on the serial line. */
static int at_prompt(void **state)
{
	(void)state;
	tsc += 1000;
	console_poll();
	serial_len = 0;
	serial[0] = '\0';
	input = "";
	other_cpu_prints = false;
	return 0;
}

static void type(const char *s)
{
	input = s;
	console_poll();
	assert_string_equal(input, "");
	console_poll(); /* the prompt after an answer */
}

static void other_cpu_logs(const char *line)
{
	cpu = 1;
	printk("%s", line);
	cpu = 0;
}

/* The answer to 'vms' comes whole, right below the line it answers; the
 * line another CPU printed meanwhile comes after it, then the prompt. */
static void test_answer_is_not_cut_by_other_cpus(void **state)
{
	(void)state;
	other_cpu_prints = true;
	input = "vms\r";
	console_poll();
	console_poll();
	tsc += 200; /* the prompt waits for a quiet log */
	console_poll();
	assert_string_equal(serial,
			    "vms\n"
			    "  name             state       memory  vcpus      exits\n"
			    "  a                running       4 MiB      1          0\n"
			    "  b                running       4 MiB      1          0\n"
			    "  c                running       4 MiB      1          0\n"
			    "vm other: powered off\n"
			    "lucid> ");
}

/* Lines logged one after another do not each get a prompt: it comes
 * back once the log has been quiet for a fifth of a second, or at a key. */
static void test_prompt_waits_for_a_quiet_log(void **state)
{
	(void)state;
	other_cpu_logs("vm x: one\n");
	console_poll();
	tsc += 150;
	other_cpu_logs("vm x: two\n");
	console_poll();
	tsc += 150;
	console_poll();
	assert_string_equal(serial, "\nvm x: one\nvm x: two\n");
	tsc += 50;
	console_poll();
	assert_string_equal(serial, "\nvm x: one\nvm x: two\nlucid> ");

	/* A guest that prints on and on gets the prompt every 2 seconds. */
	serial_len = 0;
	for (int i = 0; i < 25; i++) {
		other_cpu_logs("vm x: more\n");
		console_poll();
		tsc += 100;
	}
	assert_non_null(strstr(serial, "\nlucid> \nvm x: more\n"));
	assert_null(strstr(strstr(serial, "lucid> ") + 1, "lucid> "));
	tsc += 1000;
	console_poll();

	serial_len = 0;
	other_cpu_logs("vm x: three\n");
	console_poll();
	type("v");
	assert_string_equal(serial, "\nvm x: three\nlucid> v");
	type("\x15");
}

/* 'console b': the recent output from a line's start, then both ways;
 * the log is muted meanwhile and 'log' still has it; Ctrl-] comes back
 * to the prompt at once, and what follows is the console's again. */
static void test_console_attaches_and_detaches(void **state)
{
	(void)state;
	guest_written = 0;
	guest_in_len = 0;
	for (int i = 0; i < 40; i++)
		guest_sends("0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n");
	guest_sends("~ # ");
	type("console b\r");
	console_poll(); /* the replay takes more than one poll's share */
	const char *replay = strstr(serial, "Ctrl-] comes back here\n");
	assert_non_null(replay);
	replay += strlen("Ctrl-] comes back here\n");
	/* ATTACH_REPLAY bytes back lands inside a line: from the next one. */
	size_t want = (ATTACH_REPLAY / 74) * 74 + 4;
	assert_int_equal(strlen(replay), want);
	assert_memory_equal(replay, "0123", 4);
	assert_string_equal(replay + want - 7, "Z\r\n~ # ");

	serial_len = 0;
	type("ls\r");
	assert_int_equal(guest_in_len, 3);
	assert_memory_equal(guest_in, "ls\r", 3);
	other_cpu_logs("vm x: muted\n");
	guest_sends("bin\r\n~ # ");
	tsc += 1000;
	console_poll();
	assert_string_equal(serial, "bin\r\n~ # ");

	serial_len = 0;
	type("\x1dvms\r");
	assert_int_equal(guest_in_len, 3);
	assert_non_null(strstr(serial, "lucid: Ctrl-] typed; back at lucid's console\n"
				       "lucid> vms\n  name"));
	assert_null(strstr(serial, "muted"));
	serial_len = 0;
	type("log\r");
	assert_non_null(strstr(serial, "vm x: muted\n"));
}

/* What the guest's FIFO has no room for waits until it has; what the
 * ring dropped before it was shown is said. */
static void test_console_input_waits_and_lost_output(void **state)
{
	(void)state;
	guest_written = 0;
	guest_in_len = 0;
	guest_fifo_room = 4;
	type("console b\r");
	type("abcdef");
	assert_int_equal(guest_in_len, 4);
	guest_in_len = 0; /* the guest reads its FIFO */
	console_poll();
	assert_int_equal(guest_in_len, 2);
	assert_memory_equal(guest_in, "ef", 2);
	assert_false(guest_overrun);
	serial_len = 0;
	for (size_t i = 0; i < sizeof(guest_out) / 8 + 2; i++)
		guest_sends("output\r\n");
	console_poll();
	assert_non_null(strstr(serial, "[lucid: 16 bytes of output lost]"));
	guest_fifo_room = 16;
	type("\x1d");
}

/* The VM stopping ends the attachment. */
static void test_console_detaches_when_the_vm_stops(void **state)
{
	(void)state;
	guest_written = 0;
	type("console b\r");
	guest_sends("reboot: Power down\r\n");
	vms[1].state = VM_SHUTOFF;
	serial_len = 0;
	console_poll();
	assert_string_equal(serial, "reboot: Power down\r\n"
				    "\r\nlucid: VM b is shut off; back at lucid's console\n"
				    "lucid> ");
	vms[1].state = VM_RUNNING;
}

/* Each wrong use gets its own answer and attaches nothing. */
static void test_console_errors(void **state)
{
	(void)state;
	type("console\r");
	type("console zz\r");
	type("console a\r");
	vms[2].state = VM_SHUTOFF;
	type("console c\r");
	vms[2].state = VM_RUNNING;
	type("console b c\r");
	assert_string_equal(serial,
			    "console\nusage: console VM\nlucid> "
			    "console zz\nno VM 'zz'; the VMs: a b c\nlucid> "
			    "console a\nVM a has no serial port (it has one with platform = pc)\nlucid> "
			    "console c\nVM c is shut off\nlucid> "
			    "console b c\nusage: console VM\nlucid> ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_answer_is_not_cut_by_other_cpus, at_prompt),
		cmocka_unit_test_setup(test_prompt_waits_for_a_quiet_log, at_prompt),
		cmocka_unit_test_setup(test_console_attaches_and_detaches, at_prompt),
		cmocka_unit_test_setup(test_console_input_waits_and_lost_output, at_prompt),
		cmocka_unit_test_setup(test_console_detaches_when_the_vm_stops, at_prompt),
		cmocka_unit_test_setup(test_console_errors, at_prompt),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
