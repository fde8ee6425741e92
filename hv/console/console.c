/* Line editing (echo, backspace, Ctrl-U) over a polled UART, and a table of
 * commands. A bad line gets one clear error and changes nothing. */
#include "hv/console/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/reset.h"
#include "drivers/uart16550.h"
#include "hv/platform.h"
#include "hv/version.h"
#include "lib/log.h"
#include "lib/string.h"

struct command {
	const char *name;
	const char *help;
	void (*run)(int argc, char **argv);
};

static void cmd_help(int argc, char **argv);

static void cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	printk("%s\n", version_line());
}

static void cmd_log(int argc, char **argv)
{
	static char buf[LOG_RING_SIZE + 1];

	(void)argc, (void)argv;
	size_t n = log_read(buf, sizeof(buf));
	/* Straight to the UART: printing through the log would append the log
	 * to itself. */
	uart_log_sink(buf, n);
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	platform_reboot();
}

static void cmd_halt(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_halt();
}

static const struct command commands[] = {
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
		printk("  %-10s %s\n", commands[i].name, commands[i].help);
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
			printk("too many words (at most %d)\n", MAX_ARGS);
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
	printk("unknown command '%s'; type help\n", argv[0]);
}

/* Reads one line with echo. Returns its length, or -1 if it was too long
 * (the rest of it is read and dropped). */
static int read_line(char *buf, size_t size)
{
	size_t n = 0;
	bool overflow = false;

	for (;;) {
		int c = uart_getc(COM1_PORT);
		if (c < 0) {
			cpu_relax();
			continue;
		}
		if (c == '\r' || c == '\n') {
			uart_log_sink("\n", 1);
			buf[n] = '\0';
			return overflow ? -1 : (int)n;
		}
		if (c == 0x7f || c == 0x08) { /* backspace */
			if (n) {
				n--;
				uart_log_sink("\b \b", 3);
			}
		} else if (c == 0x15) { /* Ctrl-U: kill the line */
			for (; n; n--)
				uart_log_sink("\b \b", 3);
		} else if (c >= 0x20 && c < 0x7f) {
			if (n + 1 < size) {
				buf[n++] = (char)c;
				uart_putc(COM1_PORT, (char)c);
			} else {
				overflow = true;
			}
		}
	}
}

__noreturn void console_run(void)
{
	char line[CONSOLE_LINE_MAX];

	for (;;) {
		uart_log_sink(CONSOLE_PROMPT, sizeof(CONSOLE_PROMPT) - 1);
		int n = read_line(line, sizeof(line));
		if (n < 0)
			printk("line too long (at most %d characters)\n", CONSOLE_LINE_MAX - 1);
		else
			console_execute(line);
	}
}
