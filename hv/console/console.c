/* The console on COM1: the line editor (line.h) over the UART, the
 * command table (commands.h) and its checks, and the two modes: text for
 * people, JSON for programs (reply.h).
 *
 * While it echoes what is typed and answers a line, the console holds the
 * log's output, and answers go straight to the UART: so an answer is never
 * cut into by other CPUs' log lines, which wait in the log ring and come
 * out after it, and it starts right below the line it answers. In JSON
 * mode the log is muted (`log` still has it): each line out is one JSON
 * object, a command's answer or a VM's change of state. */
#include "hv/console/console.h"
#include "arch/x86/cpu.h"
#include "drivers/uart16550.h"
#include "hv/console/attach.h"
#include "hv/console/commands.h"
#include "hv/console/line.h"
#include "hv/console/reply.h"
#include "hv/core/timer.h"
#include "hv/vdev/uart.h"
#include "lib/log.h"
#include "lib/nearest.h"
#include "lib/string.h"

static void term_out(const char *s, size_t n)
{
	uart_log_sink(s, n);
}

static void no_echo(const char *s, size_t n)
{
	(void)s, (void)n;
}

static void complete(struct line *l, u32 index, char *const *words);

static struct {
	struct line line;
	bool ready;
	bool prompted;
	bool attached;	/* to a VM's serial port: attach.c has COM1 */
	bool json;
	u64 gone_at;	/* TSC when the prompt was last ended */
	/* JSON mode: each VM's state and reboots as last reported */
	u8 seen_state[VM_MAX];
	u32 seen_reboots[VM_MAX];
} con = { .line = { .prompt = CONSOLE_PROMPT, .out = term_out, .complete = complete } };

static void setup(void)
{
	if (!con.ready) {
		reply_setup(term_out);
		con.ready = true;
	}
}

void console_set_json(bool on)
{
	con.json = on;
	con.line.out = on ? no_echo : term_out;
	log_mute(on);
	reply_set_mode(on ? REPLY_JSON : REPLY_TEXT);
	for (u32 i = 0; i < vm_count(); i++) {
		con.seen_state[i] = (u8)vm_get(i)->state;
		con.seen_reboots[i] = vm_get(i)->reboots;
	}
}

void console_attach(struct vm *vm)
{
	if (con.json) {
		reply_error("'console' is for people: 'json off' first");
		return;
	}
	if (!uart_present(vm)) {
		reply_error("VM %s has no serial port (it has one with platform = pc)", vm->name);
		return;
	}
	reply_message("Connected to VM %s's serial port (COM1); Ctrl-] comes back here",
		      vm->name);
	attach_start(vm);
	con.attached = true;
}

static const struct command *find_command(const char *name)
{
	for (u32 i = 0; i < ncommands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* "list [--all]", "version": a command with the arguments it takes. */
static const char *synopsis(const struct command *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
	return buf;
}

static void usage(const struct command *c)
{
	char buf[48];

	reply_error("usage: %s", synopsis(c, buf, sizeof(buf)));
}

void console_help(struct vm *unused, int argc, char **argv)
{
	static const struct column cols[] = {
		{ "Command", "name", 22, false }, { "What it does", "help", 0, false },
	};
	const struct command *c;
	char buf[48];

	(void)unused;
	if (argc == 2) {
		if (!(c = find_command(argv[1]))) {
			reply_error("no command '%s'; 'help' lists them", argv[1]);
			return;
		}
		reply_field("Usage", "usage", "%s", synopsis(c, buf, sizeof(buf)));
		reply_field("What it does", "help", "%s", c->help);
		return;
	}
	reply_table("commands", cols, 2);
	for (u32 i = 0; i < ncommands; i++) {
		const char *cells[] = { synopsis(&commands[i], buf, sizeof(buf)),
					commands[i].help };

		reply_row(cells);
	}
	reply_table_end();
}

/* Names the states in `states`: "defined, shut off or crashed". */
static void states_text(u32 states, char *buf, size_t len)
{
	size_t n = 0;
	u32 left = 0;

	for (u32 s = 0; s < VM_NR_STATES; s++)
		left += !!(states & (1u << s));
	buf[0] = '\0';
	for (u32 s = 0; s < VM_NR_STATES && n < len; s++)
		if (states & (1u << s)) {
			left--;
			n += (size_t)snprintf(buf + n, len - n, "%s%s", vm_state_name(s),
					      left > 1 ? ", " : left ? " or " : "");
		}
}

static struct vm *find_vm(const char *name)
{
	struct nearest near;
	char names[VM_MAX * (VM_NAME_MAX + 1) + 8];
	size_t n = 0;

	nearest_init(&near, name);
	names[0] = '\0';
	for (u32 i = 0; i < vm_count(); i++) {
		if (!strcmp(vm_get(i)->name, name))
			return vm_get(i);
		nearest_offer(&near, vm_get(i)->name);
		n += (size_t)snprintf(names + n, sizeof(names) - n, " %s", vm_get(i)->name);
	}
	if (near.best)
		reply_error("no VM '%s'; did you mean '%s'? The VMs:%s", name, near.best, names);
	else
		reply_error("no VM '%s'; the VMs:%s", name, vm_count() ? names : " none");
	return NULL;
}

/* Whether word is one of the NULL-ended `words`. */
static bool one_of(const char *word, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(*words, word))
			return true;
	return false;
}

/* Checks a line's words against its command, then runs it. */
static void run(int argc, char **argv)
{
	const struct command *c = find_command(argv[0]);
	struct vm *vm = NULL;

	if (!c) {
		struct nearest near;

		nearest_init(&near, argv[0]);
		for (u32 i = 0; i < ncommands; i++)
			nearest_offer(&near, commands[i].name);
		if (near.best)
			reply_error("unknown command '%s'; did you mean '%s'?", argv[0], near.best);
		else
			reply_error("unknown command '%s'; 'help' lists them", argv[0]);
		return;
	}
	if (argc - 1 < c->min_args || argc - 1 > c->max_args ||
	    (c->arg == ARG_WORD && argc > 1 && !one_of(argv[1], c->words))) {
		usage(c);
		return;
	}
	if (c->arg == ARG_VM) {
		char want[64];

		if (!(vm = find_vm(argv[1])))
			return;
		if (!(c->states & (1u << vm->state))) {
			states_text(c->states, want, sizeof(want));
			reply_error("VM %s is %s; '%s' wants it %s", vm->name,
				    vm_state_name(vm->state), c->name, want);
			return;
		}
	}
	if (c->run)
		c->run(vm, argc, argv);
	else if (c->verb(vm))
		reply_error("VM %s is %s now", vm->name, vm_state_name(vm->state));
	else
		reply_message("VM %s %s", vm->name, c->done);
}

/* Executes one command line, as typed. The answer goes straight to
 * COM1: the caller holds the log's output (log_hold). */
static void console_execute(char *line)
{
	char *argv[LINE_WORDS];
	int argc = line_words(line, argv, LINE_WORDS);

	setup();
	if (!argc)
		return;
	reply_begin("reply", argc > 0 ? argv[0] : "");
	if (argc < 0)
		reply_error("too many words (at most %d)", LINE_WORDS);
	else
		run(argc, argv);
	reply_end();
}

/* Tab: command names first, then what the command takes. */
static void complete(struct line *l, u32 index, char *const *words)
{
	const struct command *c = index == 1 ? find_command(words[0]) : NULL;

	if (!index || (c && c->arg == ARG_COMMAND))
		for (u32 i = 0; i < ncommands; i++)
			line_offer(l, commands[i].name);
	else if (c && c->arg == ARG_VM)
		for (u32 i = 0; i < vm_count(); i++)
			line_offer(l, vm_get(i)->name);
	else if (c && c->arg == ARG_WORD)
		for (const char *const *w = c->words; *w; w++)
			line_offer(l, *w);
}

/* JSON mode: a VM whose state or reboot count moved is reported. */
static void state_events(void)
{
	for (u32 i = 0; i < vm_count(); i++) {
		struct vm *vm = vm_get(i);
		enum vm_state s = atomic_load(&vm->state);

		if (s == con.seen_state[i] && vm->reboots == con.seen_reboots[i])
			continue;
		con.seen_state[i] = (u8)s;
		con.seen_reboots[i] = vm->reboots;
		reply_begin("event", "state");
		reply_field(NULL, "vm", "%s", vm->name);
		reply_field(NULL, "state", "%s", vm_state_name(s));
		reply_number(NULL, "reboots", vm->reboots, NULL);
		if (!vm_booted(vm) && vm->why[0])
			reply_field(NULL, "why", "%s", vm->why);
		reply_end();
	}
}

/* Output that is not the console's own (a guest's line, a VM stopping)
 * must not land after the prompt: end the input line first; the prompt and
 * what was typed so far come back at the next poll. */
static void before_log_output(void)
{
	if (con.prompted) {
		term_out("\n", 1);
		con.prompted = false;
		con.gone_at = rdtsc();
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

	if (con.json)
		return false;
	if (written != seen) {
		seen = written;
		since = now;
	}
	return now - since >= hz / 5 || now - con.gone_at >= 2 * hz;
}

/* One output hold for all that has arrived: a line typed at once is
 * echoed and answered with no other CPU's line in between. */
void console_poll(void)
{
	bool detached = false;
	struct log_hold h;
	int c;

	setup();
	if (con.attached) {
		if (attach_poll())
			return;
		con.attached = false;
		detached = true; /* the prompt at once */
	}
	c = uart_getc(COM1_PORT);
	if (con.json)
		state_events();
	if (c < 0 && !detached && (con.prompted || !prompt_due()))
		return;
	h = log_hold();
	if (!con.prompted && !con.json) {
		log_set_before_output(before_log_output);
		line_redraw(&con.line);
		con.prompted = true;
	}
	/* What comes after a line that attached is the guest's. */
	for (; c >= 0; c = con.attached ? -1 : uart_getc(COM1_PORT)) {
		enum line_result r = line_key(&con.line, c);

		if (r == LINE_MORE)
			continue;
		con.prompted = false;
		if (r == LINE_DONE && con.line.too_long) {
			reply_begin("reply", "");
			reply_error("line too long (at most %d characters)", LINE_MAX - 1);
			reply_end();
		} else if (r == LINE_DONE) {
			console_execute(con.line.buf);
		}
		line_reset(&con.line);
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
