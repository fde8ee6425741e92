/* Host tests for the console (hv/console/) over a fake COM1, with real
 * VMs on the host's fake machine (fake_hv.h): what is typed comes from
 * `input`, what the UART gets goes to `serial`, and the log's sink is the
 * same UART, as on the machine. Other CPUs are played by changing the
 * CPU the log sees; a wrapped vm_get lets one of them print while the
 * console lists the VMs, and wrapped UART calls stand for VM b's COM1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/reset.h"
#include "drivers/uart16550.h"
#include "hv/console/attach.h"
#include "hv/console/console.h"
#include "hv/core/vcpu.h"
#include "hv/host/machine.h"
#include "hv/vdev/uart.h"
#include "hv/version.h"
#include "lib/log.h"

static char serial[16384];
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

static const struct cpu_features cpu = { .brand = "Test CPU @ 1.00GHz" };
struct machine machine = { .cpu = &cpu };

void cpu_features_virt_summary(const struct cpu_features *f, char *buf, size_t len)
{
	assert_ptr_equal(f, &cpu);
	snprintf(buf, len, "AMD SVM with NPT");
}

/* VM b's COM1 (a and c have none), in place of the UART model: what the
 * guest sent, and what it was typed. */
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

bool __wrap_uart_present(struct vm *vm)
{
	return is_b(vm);
}

u32 __wrap_uart_input(struct vm *vm, const u8 *bytes, u32 len)
{
	u32 took = 0;

	assert_true(is_b(vm));
	for (; took < len && guest_in_len < guest_fifo_room; took++)
		guest_in[guest_in_len++] = (char)bytes[took];
	guest_overrun |= took < len; /* the rest is lost, LSR.OE set */
	return took;
}

u32 __wrap_uart_input_room(struct vm *vm)
{
	assert_true(is_b(vm));
	return guest_fifo_room - guest_in_len;
}

u64 __wrap_uart_output_end(struct vm *vm)
{
	assert_true(is_b(vm));
	return guest_written;
}

u32 __wrap_uart_output_read(struct vm *vm, u64 *pos, u8 *buf, u32 size, u64 *lost)
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
	return this_cpu()->index;
}

/* Three VMs: a (no devices) and b (a PC) running, c defined. Fetching
 * the second, CPU 1 powers a VM off and says so (once a test sets
 * other_cpu_prints). */
static struct vm *vm_a, *vm_b, *vm_c;
#define MS (FAKE_TSC_HZ / 1000)
static bool other_cpu_prints;

struct vm *__real_vm_get(u32 i);
struct vm *__wrap_vm_get(u32 i)
{
	if (i == 1 && other_cpu_prints) {
		host_set_cpu(1);
		printk("vm other: powered off\n");
		host_set_cpu(0);
	}
	return __real_vm_get(i);
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	vm_a = host_vm("a", 1, MiB(4), 0, true);
	vm_b = host_pc_vm("b", 1, MiB(4), true);
	vm_c = host_vm("c", 1, MiB(4), 0, false);
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
	input = "";
	console_poll();
	fake_tsc += 1000 * MS;	/* the log quiet: the prompt */
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
	host_set_cpu(1);
	printk("%s", line);
	host_set_cpu(0);
}

/* The answer to 'list' comes whole, right below the line it answers; the
 * line another CPU printed meanwhile comes after it, then the prompt. */
static void test_answer_is_not_cut_by_other_cpus(void **state)
{
	(void)state;
	other_cpu_prints = true;
	input = "list --all\r";
	console_poll();
	console_poll();
	fake_tsc += 200 * MS; /* the prompt waits for a quiet log */
	console_poll();
	assert_string_equal(serial,
			    "list --all\n"
			    " Id   Name             State     vCPUs  MiB\n"
			    "--------------------------------------------\n"
			    " 0    a                running   1      4\n"
			    " 1    b                running   1      4\n"
			    " 2    c                defined   1      4\n"
			    "vm other: powered off\n"
			    "lucid# ");
}

/* Lines logged one after another do not each get a prompt: it comes
 * back once the log has been quiet for a fifth of a second, or at a key. */
static void test_prompt_waits_for_a_quiet_log(void **state)
{
	(void)state;
	other_cpu_logs("vm x: one\n");
	console_poll();
	fake_tsc += 150 * MS;
	other_cpu_logs("vm x: two\n");
	console_poll();
	fake_tsc += 150 * MS;
	console_poll();
	assert_string_equal(serial, "\nvm x: one\nvm x: two\n");
	fake_tsc += 50 * MS;
	console_poll();
	assert_string_equal(serial, "\nvm x: one\nvm x: two\nlucid# ");

	/* A guest that prints on and on gets the prompt every 2 seconds. */
	serial_len = 0;
	for (int i = 0; i < 25; i++) {
		other_cpu_logs("vm x: more\n");
		console_poll();
		fake_tsc += 100 * MS;
	}
	assert_non_null(strstr(serial, "\nlucid# \nvm x: more\n"));
	assert_null(strstr(strstr(serial, "lucid# ") + 1, "lucid# "));
	fake_tsc += 1000 * MS;
	console_poll();

	serial_len = 0;
	other_cpu_logs("vm x: three\n");
	console_poll();
	type("v");
	assert_string_equal(serial, "\nvm x: three\nlucid# v");
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
	fake_tsc += 1000 * MS;
	console_poll();
	assert_string_equal(serial, "bin\r\n~ # ");

	serial_len = 0;
	type("\x1dlist\r");
	assert_int_equal(guest_in_len, 3);
	assert_non_null(strstr(serial, "lucid: Ctrl-] typed; back at lucid's console\n"
				       "lucid# list\n Id"));
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
	vm_destroy(vm_b);
	serial_len = 0;
	console_poll();
	assert_string_equal(serial, "reboot: Power down\r\n"
				    "\r\nlucid: VM b is shut off; back at lucid's console\n"
				    "lucid# ");
	assert_int_equal(vm_start(vm_b), 0);
}

/* Each wrong use gets its own answer and attaches nothing. */
static void test_console_errors(void **state)
{
	(void)state;
	type("console\r");
	type("console zz\r");
	type("console a\r");
	type("console c\r");
	type("console b c\r");
	assert_string_equal(serial,
			    "console\nerror: usage: console VM\nlucid# "
			    "console zz\nerror: no VM 'zz'; the VMs: a b c\nlucid# "
			    "console a\nerror: VM a has no serial port (it has one with platform = pc)\n"
			    "lucid# console c\nerror: VM c is defined; 'console' wants it running or "
			    "paused\nlucid# "
			    "console b c\nerror: usage: console VM\nlucid# ");
}

/* The answer to the last line typed: from below it to the next prompt. */
static const char *answer(void)
{
	static char a[8192];
	char *start = strrchr(serial, '\r') ? NULL : NULL;
	char *end;

	(void)start;
	start = serial;
	/* The line typed is echoed, then its answer, then the prompt. */
	start = strchr(start, '\n');
	assert_non_null(start);
	start++;
	end = strstr(start, "lucid# ");
	assert_non_null(end);
	memcpy(a, start, (size_t)(end - start));
	a[end - start] = '\0';
	return a;
}

/* Types one line at the prompt and returns its answer. */
static const char *ask(const char *line)
{
	char typed[256];

	serial_len = 0;
	serial[0] = '\0';
	snprintf(typed, sizeof(typed), "%s\r", line);
	type(typed);
	fake_tsc += 1000 * MS;	/* log lines after the answer, then the prompt */
	console_poll();
	return answer();
}

/* The life cycle through the console: each verb changes the state it
 * names and says so; each wrong state gets the state it is in. */
static void test_life_cycle(void **state)
{
	(void)state;
	assert_string_equal(ask("start c"), "vm c: started: 4 MiB, 1 vCPU on CPU 0\nVM c started\n");
	assert_int_equal(vm_c->state, VM_RUNNING);
	assert_string_equal(ask("start c"),
			    "error: VM c is running; 'start' wants it defined, shut off or crashed\n");
	assert_string_equal(ask("suspend c"), "vm c: suspended\nVM c suspended\n");
	assert_int_equal(vm_c->state, VM_PAUSED);
	assert_false(vm_may_run(vm_c));
	assert_string_equal(ask("suspend c"),
			    "error: VM c is paused; 'suspend' wants it running\n");
	assert_string_equal(ask("shutdown c"),
			    "error: VM c is paused; 'shutdown' wants it running\n");
	assert_string_equal(ask("resume c"), "vm c: resumed\nVM c resumed\n");
	assert_int_equal(vm_c->state, VM_RUNNING);
	assert_true(vm_may_run(vm_c));
	assert_string_equal(ask("reset c"), "vm c: rebooting\nVM c was reset\n");
	assert_int_equal(vm_c->reboots, 1);
	assert_string_equal(ask("destroy c"), "vm c: destroyed\nVM c destroyed\n");
	assert_int_equal(vm_c->state, VM_SHUTOFF);
	assert_string_equal(ask("destroy c"),
			    "error: VM c is shut off; 'destroy' wants it running or paused\n");
	assert_string_equal(ask("dominfo c"),
			    "Id:             2\n"
			    "Name:           c\n"
			    "State:          shut off\n"
			    "Why:            destroyed from the console\n"
			    "vCPUs:          1\n"
			    "Weight:         100\n"
			    "Memory:         4 MiB\n"
			    "Kernel:         host_kernel (flat)\n"
			    "Command line:   \n"
			    "Autostart:      no\n"
			    "Reboots:        1\n"
			    "CPU time:       0.000 s\n");
	/* A VM without an ACPI PM device has no power button. */
	assert_string_equal(ask("shutdown a"), "error: VM a has no ACPI power button (platform "
			    "= pc has one); 'destroy' or 'reset' do without\n");
	assert_false(vm_a->reboot_at_poweroff);
	/* b has one: its guest is asked, and for reboot its power-off reboots it. */
	assert_string_equal(ask("reboot b"),
			    "VM b: power button pressed; the guest shuts down, then boots again\n");
	assert_true(vm_b->reboot_at_poweroff);
	ask("shutdown b");	/* the last press says which */
	assert_false(vm_b->reboot_at_poweroff);
	ask("reboot b");
	assert_true(vm_b->reboot_at_poweroff);
	vm_poweroff_why(vm_b, "ACPI S5");
	vm_serve_requests(vm_b);	/* as b's CPU does after the exit */
	assert_int_equal(vm_b->state, VM_RUNNING);
	assert_int_equal(vm_b->reboots, 1);
	assert_false(vm_b->reboot_at_poweroff);
	assert_string_equal(ask("shutdown b"), "VM b: power button pressed; the guest shuts down\n");
	vm_poweroff_why(vm_b, "ACPI S5");
	assert_int_equal(vm_b->state, VM_SHUTOFF);
	assert_int_equal(vm_start(vm_b), 0);
	assert_int_equal(vm_start(vm_c), 0);
}

/* Mistakes: each gets one line that says what is wrong and what would
 * be right, and nothing changes. */
static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(ask("lsit"), "error: unknown command 'lsit'; did you mean 'list'?\n");
	assert_string_equal(ask("frobnicate"), "error: unknown command 'frobnicate'; 'help' lists them\n");
	assert_string_equal(ask("dominfo bb"), "error: no VM 'bb'; did you mean 'b'? The VMs: a b c\n");
	assert_string_equal(ask("list --everything"), "error: usage: list [--all]\n");
	assert_string_equal(ask("start"), "error: usage: start VM\n");
	assert_string_equal(ask("1 2 3 4 5 6 7 8 9"), "error: too many words (at most 8)\n");
	assert_string_equal(ask("help frob"), "error: no command 'frob'; 'help' lists them\n");
	assert_string_equal(ask("json maybe"), "error: usage: json on|off\n");
	char line[200];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_string_equal(ask(line), "error: line too long (at most 127 characters)\n");
	assert_int_equal(vm_a->state, VM_RUNNING);
	assert_int_equal(vm_c->state, VM_RUNNING);
}

/* help lists every command with what it takes; help CMD says one. */
static void test_help(void **state)
{
	(void)state;
	const char *all = ask("help");
	assert_non_null(strstr(all, " start VM               boot a VM that is not running, from scratch\n"));
	assert_non_null(strstr(all, " list [--all]           the running and paused VMs"));
	assert_non_null(strstr(all, " halt-host              stop lucid and every CPU\n"));
	assert_string_equal(ask("help destroy"), "Usage:          destroy VM\n"
			    "What it does:   power off at once: the guest is not asked\n");
}

/* The statistics commands over a running VM. */
static void test_info(void **state)
{
	(void)state;
	vm_a->vcpu[0]->exits[EXIT_CPUID] = 5;
	vm_a->vcpu[0]->exits[EXIT_IO] = 2;
	vm_a->vcpu[0]->run_tsc = 1500 * MS;
	assert_string_equal(ask("vcpuinfo a"),
			    " vCPU  CPU  State    CPU time (ms)  Exits\n"
			    "------------------------------------------\n"
			    " 0     0    running  1500           7\n");
	const char *stats = ask("domstats a");
	assert_non_null(strstr(stats, "Domain: 'a'\n  state.state=running\n"));
	assert_non_null(strstr(stats, "  cpu.time_ms=1500\n"));
	assert_non_null(strstr(stats, "  vcpu.0.exits=7\n"));
	assert_non_null(strstr(stats, "  exits.cpuid=5\n  exits.io=2\n"));
	const char *node = ask("nodeinfo");
	assert_non_null(strstr(node, "CPU model:      Test CPU @ 1.00GHz\nCPUs:           2\n"
				     "TSC:            1000 MHz\n"));
	assert_non_null(strstr(node, "Virtualization: AMD SVM with NPT\nVMs:            3\n"));
	assert_string_equal(ask("version"), "lucid test\n");
	/* A VM with CPUs to itself shows them instead of its weight. */
	vm_a->cpus = 0x16;
	assert_non_null(strstr(ask("dominfo a"), "vCPUs:          1\n"
					       "CPUs:           1-2,4 (dedicated)\nMemory:"));
	vm_a->cpus = 1ull << 63 | 1;
	assert_non_null(strstr(ask("dominfo a"), "\nCPUs:           0,63 (dedicated)\n"));
	vm_a->cpus = 0;
	vm_a->weight = 250;
	assert_non_null(strstr(ask("dominfo a"), "\nWeight:         250\n"));
	vm_a->weight = 100;
}

/* In JSON mode, what one typed line gets. */
static const char *json_ask(const char *line)
{
	serial_len = 0;
	serial[0] = '\0';
	input = line;
	console_poll();
	return serial;
}

/* JSON mode: no echo and no prompt; one object a line for each answer
 * and each change of a VM's state; the log stays out of the way. */
static void test_json(void **state)
{
	(void)state;
	serial_len = 0;
	type("json on\r");
	assert_string_equal(serial, "json on\n"
			    "{\"reply\":\"json\",\"ok\":true,\"message\":\"JSON mode on\"}\n");
	serial_len = 0;
	serial[0] = '\0';
	input = "list\r";
	console_poll();
	assert_string_equal(serial, "{\"reply\":\"list\",\"ok\":true,\"vms\":["
			    "{\"id\":0,\"name\":\"a\",\"state\":\"running\",\"vcpus\":1,\"memory_mib\":4},"
			    "{\"id\":1,\"name\":\"b\",\"state\":\"running\",\"vcpus\":1,\"memory_mib\":4},"
			    "{\"id\":2,\"name\":\"c\",\"state\":\"running\",\"vcpus\":1,\"memory_mib\":4}]}\n");
	assert_non_null(strstr(json_ask("dominfo a\r"),
			       "\"vcpus\":1,\"weight\":100,\"memory_mib\":4,"));
	/* A command's name, with its arguments if it takes any. */
	assert_non_null(strstr(json_ask("help\r"), "{\"name\":\"version\",\"help\":"));
	assert_non_null(strstr(json_ask("help\r"), "{\"name\":\"dominfo VM\",\"help\":"));
	assert_non_null(strstr(json_ask("help version\r"), "\"usage\":\"version\","));
	vm_a->cpus = 0x6;
	assert_non_null(strstr(json_ask("dominfo a\r"),
			       "\"vcpus\":1,\"cpus\":\"1-2\",\"memory_mib\":4,"));
	vm_a->cpus = 0;
	serial_len = 0;
	input = "destroy c\r";
	console_poll();
	console_poll();
	assert_string_equal(serial, "{\"reply\":\"destroy\",\"ok\":true,\"message\":\"VM c destroyed\"}\n"
			    "{\"event\":\"state\",\"vm\":\"c\",\"state\":\"shut off\",\"reboots\":0,"
			    "\"why\":\"destroyed from the console\"}\n");
	serial_len = 0;
	input = "start x\"y\r";
	console_poll();
	assert_string_equal(serial, "{\"reply\":\"start\",\"ok\":false,\"error\":"
			    "\"no VM 'x\\\"y'; the VMs: a b c\"}\n");
	serial_len = 0;
	input = "console b\r";
	console_poll();
	assert_string_equal(serial, "{\"reply\":\"console\",\"ok\":false,\"error\":"
			    "\"'console' is for people: 'json off' first\"}\n");
	serial_len = 0;
	other_cpu_logs("vm x: not in JSON\n");
	input = "version\r";
	console_poll();
	fake_tsc += 1000 * MS;
	console_poll();
	assert_string_equal(serial, "{\"reply\":\"version\",\"ok\":true,\"version\":\"lucid test\"}\n");
	serial_len = 0;
	input = "json off\r";
	console_poll();
	assert_string_equal(serial, "JSON mode off\n");
	assert_int_equal(vm_start(vm_c), 0);
}

/* Tab completes commands, then VM names, through the console. */
static void test_completion(void **state)
{
	(void)state;
	type("dom\t");
	assert_non_null(strstr(serial, "dominfo  domstats  \n"));
	type("i\t");
	type("\t");
	assert_non_null(strstr(serial, "a  b  c  \n"));
	serial_len = 0;
	type("b\r");
	assert_non_null(strstr(serial, "Name:           b\n"));
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
		cmocka_unit_test_setup(test_life_cycle, at_prompt),
		cmocka_unit_test_setup(test_errors, at_prompt),
		cmocka_unit_test_setup(test_help, at_prompt),
		cmocka_unit_test_setup(test_info, at_prompt),
		cmocka_unit_test_setup(test_json, at_prompt),
		cmocka_unit_test_setup(test_completion, at_prompt),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
