/* Line editing (echo, backspace, Ctrl-U) over a polled UART, and a table of
 * commands. A bad line gets one clear error and changes nothing.
 *
 * While it echoes what is typed and answers a line, the console holds the
 * log's output, and answers go straight to the UART: so an answer is never
 * cut into by other CPUs' log lines, which wait in the log ring and come
 * out after it, and it starts right below the line it answers. */
#include "hv/console/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/reset.h"
#include "drivers/uart16550.h"
#include "hv/console/attach.h"
#include "hv/host/machine.h"
#include "hv/core/timer.h"
#include "hv/core/vcpu.h"
#include "hv/vdev/uart.h"
#include "hv/version.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/string.h"

struct command {
	const char *name;
	const char *help;
	void (*run)(int argc, char **argv);
};

static void cmd_help(int argc, char **argv);

/* Part of a command's answer: not a log message, so not in the log ring
 * either, where 'log' would show it again. */
static __printf(1, 2) void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		uart_log_sink(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	say("%s\n", version_line());
}

static void cmd_log(int argc, char **argv)
{
	static char buf[LOG_RING_SIZE + 1];

	(void)argc, (void)argv;
	size_t n = log_read(buf, sizeof(buf)), from = 0;

	/* A ring that has wrapped starts inside a line: from the next. */
	if (n == LOG_RING_SIZE)
		while (from < n && buf[from++] != '\n')
			;
	uart_log_sink(buf + from, n - from);
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_reboot();
}

static void cmd_halt(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_halt();
}

static void cmd_vms(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!vm_count()) {
		say("no VMs\n");
		return;
	}
	say("  %-16s %-9s %8s %6s %10s\n", "name", "state", "memory", "vcpus", "exits");
	for (u32 i = 0; i < vm_count(); i++) {
		const struct vm *vm = vm_get(i);
		u64 exits = 0;

		for (u32 j = 0; j < vm->nvcpus; j++)
			for (u32 r = 0; r < NR_EXIT_REASONS; r++)
				exits += vm->vcpu[j]->exits[r];
		say("  %-16s %-9s %5llu MiB %6u %10llu\n", vm->name, vm_state_name(vm->state),
		    (unsigned long long)(vm->mem.size >> 20), vm->nvcpus, (unsigned long long)exits);
	}
}

/* The line being typed. The console is polled between guest time slices,
 * so it takes whatever characters have arrived and returns. */
static struct {
	char buf[CONSOLE_LINE_MAX];
	size_t n;
	bool overflow;
	bool prompted;
	bool attached; /* to a VM's serial port: attach.c has COM1 */
	u64 gone_at;   /* TSC when the prompt was last ended */
} edit;

static struct vm *find_vm(const char *name)
{
	for (u32 i = 0; i < vm_count(); i++)
		if (!strcmp(vm_get(i)->name, name))
			return vm_get(i);
	say("no VM '%s'; the VMs:", name);
	for (u32 i = 0; i < vm_count(); i++)
		say(" %s", vm_get(i)->name);
	say("%s\n", vm_count() ? "" : " none");
	return NULL;
}

static void cmd_console(int argc, char **argv)
{
	if (argc != 2) {
		say("usage: console VM\n");
		return;
	}
	struct vm *vm = find_vm(argv[1]);
	if (!vm)
		return;
	if (vm->state != VM_RUNNING) {
		say("VM %s is %s\n", vm->name, vm_state_name(vm->state));
		return;
	}
	if (!uart_present(vm)) {
		say("VM %s has no serial port (it has one with platform = pc)\n", vm->name);
		return;
	}
	say("Connected to VM %s's serial port (COM1); Ctrl-] comes back here\n", vm->name);
	attach_start(vm);
	edit.attached = true;
}

static const struct command commands[] = {
	{ "vms", "list the VMs and their state", cmd_vms },
	{ "console", "VM: type to the VM's serial port; Ctrl-] comes back", cmd_console },
	{ "help", "list commands", cmd_help },
	{ "version", "show lucid's version", cmd_version },
	{ "log", "show the log kept since boot", cmd_log },
	{ "reboot", "reset the machine", cmd_reboot },
	{ "halt", "stop lucid and every CPU", cmd_halt },
};

static void cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		say("  %-10s %s\n", commands[i].name, commands[i].help);
}

#define MAX_ARGS 8

void console_execute(char *line)
{
	char *argv[MAX_ARGS];
	int argc = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == MAX_ARGS) {
			say("too many words (at most %d)\n", MAX_ARGS);
			return;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!argc)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			commands[i].run(argc, argv);
			return;
		}
	}
	say("unknown command '%s'; type help\n", argv[0]);
}

/* Output that is not the console's own (a guest's line, a VM stopping)
 * must not land after the prompt: end the input line first; the prompt and
 * what was typed so far come back at the next poll. */
static void before_log_output(void)
{
	if (edit.prompted) {
		uart_log_sink("\n", 1);
		edit.prompted = false;
		edit.gone_at = rdtsc();
	}
}

/* Runs the line typed; the caller holds the output, so the answer comes
 * right below the line. */
static void line_done(void)
{
	uart_log_sink("\n", 1);
	edit.prompted = false;
	edit.buf[edit.n] = '\0';
	if (edit.overflow)
		say("line too long (at most %d characters)\n", CONSOLE_LINE_MAX - 1);
	else
		console_execute(edit.buf);
	edit.n = 0;
	edit.overflow = false;
}

/* Echo and editing, under the output hold. */
static void edit_char(int c)
{
	if (c == '\r' || c == '\n') {
		line_done();
	} else if (c == 0x7f || c == 0x08) { /* backspace */
		if (edit.n) {
			edit.n--;
			uart_log_sink("\b \b", 3);
		}
	} else if (c == 0x15) { /* Ctrl-U: kill the line */
		for (; edit.n; edit.n--)
			uart_log_sink("\b \b", 3);
	} else if (c >= 0x20 && c < 0x7f) {
		if (edit.n + 1 < sizeof(edit.buf)) {
			edit.buf[edit.n++] = (char)c;
			uart_putc(COM1_PORT, (char)c);
		} else {
			edit.overflow = true;
		}
	}
}

/* The prompt comes back once the log has been quiet for a fifth of a
 * second, not between each of a guest's lines; or two seconds after it
 * went, under a guest that never stops printing. A key brings it back at
 * once. */
static bool prompt_due(void)
{
	static u64 seen, since;
	u64 written = log_written(), now = rdtsc(), hz = timer_hz();

	if (written != seen) {
		seen = written;
		since = now;
	}
	return now - since >= hz / 5 || now - edit.gone_at >= 2 * hz;
}

/* One output hold for all that has arrived: a line typed at once is
 * echoed and answered with no other CPU's line in between. */
void console_poll(void)
{
	bool detached = false;
	struct log_hold h;
	int c;

	if (edit.attached) {
		if (attach_poll())
			return;
		edit.attached = false;
		detached = true; /* the prompt at once */
	}
	c = uart_getc(COM1_PORT);
	if (c < 0 && !detached && (edit.prompted || !prompt_due()))
		return;
	h = log_hold();
	if (!edit.prompted) {
		log_set_before_output(before_log_output);
		uart_log_sink(CONSOLE_PROMPT, sizeof(CONSOLE_PROMPT) - 1);
		uart_log_sink(edit.buf, edit.n);
		edit.prompted = true;
	}
	/* What comes after a line that attached is the guest's. */
	while (c >= 0) {
		edit_char(c);
		c = edit.attached ? -1 : uart_getc(COM1_PORT);
	}
	log_release(h);
}

__noreturn void console_run(void)
{
	for (;;) {
		console_poll();
		cpu_relax();
	}
}
