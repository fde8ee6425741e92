/* The console's commands (commands.h): what each one does and says. By
 * the time one runs, console.c has checked its arguments, found its VM
 * and that VM's state, so these say what they did, or why the VM's own
 * doing got in the way since. */
#include "hv/console/commands.h"
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/reset.h"
#include "hv/console/reply.h"
#include "hv/core/timer.h"
#include "hv/core/vcpu.h"
#include "hv/host/cpus.h"
#include "hv/host/machine.h"
#include "hv/mm/page_alloc.h"
#include "hv/vdev/acpi_pm.h"
#include "hv/version.h"
#include "lib/log.h"
#include "lib/string.h"

#define ANY_STATE ((1u << VM_NR_STATES) - 1)
#define STOPPED_STATES (1u << VM_DEFINED | 1u << VM_SHUTOFF | 1u << VM_CRASHED)
#define BOOTED_STATES (1u << VM_RUNNING | 1u << VM_PAUSED)

/* TSC ticks as milliseconds, without overflow for any uptime. */
static u64 ms(u64 ticks)
{
	u64 hz = timer_hz();

	return ticks / hz * 1000 + ticks % hz * 1000 / hz;
}

static u64 cpu_time(const struct vm *vm)
{
	u64 t = 0;

	for (u32 i = 0; i < vm->nvcpus; i++)
		t += vm->vcpu[i]->run_tsc;
	return t;
}

static u64 exit_count(const struct vcpu *v)
{
	u64 n = 0;

	for (u32 r = 0; r < NR_EXIT_REASONS; r++)
		n += v->exits[r];
	return n;
}

/* "12.345 s" for people, 12345 (ms) for programs. */
static void reply_ms(const char *label, const char *key, u64 ticks)
{
	u64 t = ms(ticks);

	if (reply_mode() == REPLY_JSON)
		reply_number(label, key, t, NULL);
	else
		reply_field(label, key, "%llu.%03llu s", (unsigned long long)(t / 1000),
			    (unsigned long long)(t % 1000));
}

static void cmd_list(struct vm *unused, int argc, char **argv)
{
	static const struct column cols[] = {
		{ "Id", "id", 4, true }, { "Name", "name", 16, false },
		{ "State", "state", 9, false }, { "vCPUs", "vcpus", 6, true },
		{ "MiB", "memory_mib", 0, true },
	};
	bool all = argc > 1;

	(void)unused, (void)argv;
	reply_table("vms", cols, ARRAY_SIZE(cols));
	for (u32 i = 0; i < vm_count(); i++) {
		const struct vm *vm = vm_get(i);
		char id[12], vcpus[12], mib[24];
		const char *cells[] = { id, vm->name, vm_state_name(vm->state), vcpus, mib };

		if (!all && !vm_booted(vm))
			continue;
		snprintf(id, sizeof(id), "%u", vm->id);
		snprintf(vcpus, sizeof(vcpus), "%u", vm->nvcpus);
		snprintf(mib, sizeof(mib), "%llu", (unsigned long long)(vm->mem.size >> 20));
		reply_row(cells);
	}
	reply_table_end();
}

/* "1-2,4", a CPU mask as lucid.cfg's cpus = writes it. */
static const char *cpu_list(char *buf, size_t len, u64 mask)
{
	size_t n = 0;

	buf[0] = '\0';
	for (u32 c = 0; c < 64 && n < len; c++) {
		u32 last = c;

		if (!(mask >> c & 1))
			continue;
		while (last < 63 && (mask >> (last + 1) & 1))
			last++;
		n += (size_t)snprintf(buf + n, len - n, "%s%u", n ? "," : "", c);
		if (last > c && n < len)
			n += (size_t)snprintf(buf + n, len - n, "-%u", last);
		c = last;
	}
	return buf;
}

static void cmd_dominfo(struct vm *vm, int argc, char **argv)
{
	char cpus[48];

	(void)argc, (void)argv;
	reply_number("Id", "id", vm->id, NULL);
	reply_field("Name", "name", "%s", vm->name);
	reply_field("State", "state", "%s", vm_state_name(vm->state));
	if (!vm_booted(vm) && vm->why[0])
		reply_field("Why", "why", "%s", vm->why);
	reply_number("vCPUs", "vcpus", vm->nvcpus, NULL);
	if (vm->cpus)
		reply_field("CPUs", "cpus", "%s%s", cpu_list(cpus, sizeof(cpus), vm->cpus),
			    reply_mode() == REPLY_TEXT ? " (dedicated)" : "");
	else
		reply_number("Weight", "weight", vm->weight, NULL);
	reply_number("Memory", "memory_mib", vm->mem.size >> 20, "MiB");
	reply_field("Kernel", "kernel", "%s (%s)", vm->boot.kernel.name ? vm->boot.kernel.name : "?",
		    loader_format_name(vm->boot.format));
	reply_field("Command line", "cmdline", "%s", vm->boot.cmdline ? vm->boot.cmdline : "");
	reply_field("Autostart", "autostart", "%s", vm->autostart ? "yes" : "no");
	reply_number("Reboots", "reboots", vm->reboots, NULL);
	if (vm_booted(vm))
		reply_ms("Up", "up_ms", rdtsc() - vm->started_at);
	reply_ms("CPU time", "cpu_time_ms", cpu_time(vm));
}

static const char *vcpu_state(const struct vcpu *v)
{
	static const char *const names[] = { [VCPU_RUNNABLE] = "running",
		[VCPU_HALTED] = "halted", [VCPU_STOPPED] = "stopped",
		[VCPU_WAIT_SIPI] = "wait-for-SIPI" };

	return v->vm->state == VM_PAUSED ? "paused" : names[v->state];
}

static void cmd_vcpuinfo(struct vm *vm, int argc, char **argv)
{
	static const struct column cols[] = {
		{ "vCPU", "vcpu", 5, true }, { "CPU", "cpu", 4, true },
		{ "State", "state", 8, false }, { "CPU time (ms)", "cpu_time_ms", 14, true },
		{ "Exits", "exits", 0, true },
	};

	(void)argc, (void)argv;
	reply_table("vcpus", cols, ARRAY_SIZE(cols));
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = vm->vcpu[i];
		char id[12], cpu[12], t[24], exits[24];
		const char *cells[] = { id, cpu, vcpu_state(v), t, exits };

		snprintf(id, sizeof(id), "%u", v->id);
		snprintf(cpu, sizeof(cpu), "%u", v->cpu);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)ms(v->run_tsc));
		snprintf(exits, sizeof(exits), "%llu", (unsigned long long)exit_count(v));
		reply_row(cells);
	}
	reply_table_end();
}

/* virsh's `domstats` form: key=value lines, the same keys in JSON. */
static void cmd_domstats(struct vm *vm, int argc, char **argv)
{
	char key[40];

	(void)argc, (void)argv;
	if (reply_mode() == REPLY_TEXT)
		reply_field(NULL, "", "Domain: '%s'", vm->name);
	reply_field(REPLY_STAT, "state.state", "%s", vm_state_name(vm->state));
	reply_number(REPLY_STAT, "state.reboots", vm->reboots, NULL);
	reply_number(REPLY_STAT, "memory.size_mib", vm->mem.size >> 20, NULL);
	reply_number(REPLY_STAT, "cpu.time_ms", ms(cpu_time(vm)), NULL);
	reply_number(REPLY_STAT, "vcpu.count", vm->nvcpus, NULL);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = vm->vcpu[i];

		snprintf(key, sizeof(key), "vcpu.%u.cpu", i);
		reply_number(REPLY_STAT, key, v->cpu, NULL);
		snprintf(key, sizeof(key), "vcpu.%u.state", i);
		reply_field(REPLY_STAT, key, "%s", vcpu_state(v));
		snprintf(key, sizeof(key), "vcpu.%u.time_ms", i);
		reply_number(REPLY_STAT, key, ms(v->run_tsc), NULL);
		snprintf(key, sizeof(key), "vcpu.%u.exits", i);
		reply_number(REPLY_STAT, key, exit_count(v), NULL);
	}
	for (u32 r = 0; r < NR_EXIT_REASONS; r++) {
		u64 n = 0;

		for (u32 i = 0; i < vm->nvcpus; i++)
			n += vm->vcpu[i]->exits[r];
		snprintf(key, sizeof(key), "exits.%s", exit_reason_name(r));
		reply_number(REPLY_STAT, key, n, NULL);
	}
}

static void cmd_nodeinfo(struct vm *unused, int argc, char **argv)
{
	char virt_line[160];

	(void)unused, (void)argc, (void)argv;
	cpu_features_virt_summary(machine.cpu, virt_line, sizeof(virt_line));
	reply_field("CPU model", "cpu_model", "%s", machine.cpu->brand);
	reply_number("CPUs", "cpus", cpus_online(), NULL);
	reply_number("TSC", "tsc_mhz", timer_hz() / 1000000, "MHz");
	reply_number("Memory", "memory_mib", page_alloc_total_pages() * PAGE_SIZE >> 20, "MiB");
	reply_number("Free memory", "free_mib", page_alloc_free_pages() * PAGE_SIZE >> 20, "MiB");
	reply_field("Virtualization", "virtualization", "%s", virt_line);
	reply_number("VMs", "vms", vm_count(), NULL);
}

static void cmd_start(struct vm *vm, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (vm_start(vm))
		reply_error("VM %s did not start: %s", vm->name, vm->why);
	else
		reply_message("VM %s started", vm->name);
}

/* The ACPI power button; `reboot` also turns the power-off it leads to
 * into a boot, as libvirt does for QEMU (the last press says which). */
static void power_button(struct vm *vm, bool reboot)
{
	atomic_store(&vm->reboot_at_poweroff, reboot);
	if (!acpi_pm_power_button(vm)) {
		vm->reboot_at_poweroff = false;
		reply_error("VM %s has no ACPI power button (platform = pc has one); "
			    "'destroy' or 'reset' do without", vm->name);
		return;
	}
	reply_message("VM %s: power button pressed; the guest %s", vm->name,
		      reboot ? "shuts down, then boots again" : "shuts down");
}

static void cmd_shutdown(struct vm *vm, int argc, char **argv)
{
	(void)argc, (void)argv;
	power_button(vm, false);
}

static void cmd_reboot(struct vm *vm, int argc, char **argv)
{
	(void)argc, (void)argv;
	power_button(vm, true);
}

static void cmd_console(struct vm *vm, int argc, char **argv)
{
	(void)argc, (void)argv;
	console_attach(vm);
}

static void cmd_log(struct vm *unused, int argc, char **argv)
{
	static char buf[LOG_RING_SIZE + 1];

	(void)unused, (void)argc, (void)argv;
	size_t n = log_read(buf, sizeof(buf)), from = 0;

	/* A ring that has wrapped starts inside a line: from the next. */
	if (n == LOG_RING_SIZE)
		while (from < n && buf[from++] != '\n')
			;
	reply_text("log", buf + from, n - from);
}

static void cmd_version(struct vm *unused, int argc, char **argv)
{
	(void)unused, (void)argc, (void)argv;
	reply_field(NULL, "version", "%s", version_line());
}

static void cmd_json(struct vm *unused, int argc, char **argv)
{
	(void)unused, (void)argc;
	console_set_json(!strcmp(argv[1], "on"));
	reply_message("JSON mode %s", argv[1]);
}

static void cmd_reboot_host(struct vm *unused, int argc, char **argv)
{
	(void)unused, (void)argc, (void)argv;
	machine_reboot();
}

static void cmd_halt_host(struct vm *unused, int argc, char **argv)
{
	(void)unused, (void)argc, (void)argv;
	machine_halt();
}

/* The shapes of command: on a VM in some states, a verb of vm.h on one,
 * one on the machine. */
#define ON_VM(name, help, states, run) { name, "VM", help, 1, 1, ARG_VM, NULL, states, run, NULL, NULL }
#define VERB(name, help, states, verb, done) \
	{ name, "VM", help, 1, 1, ARG_VM, NULL, states, NULL, verb, done }
#define ON_HOST(name, help, run) { name, "", help, 0, 0, ARG_NONE, NULL, 0, run, NULL, NULL }

const struct command commands[] = {
	{ "list", "[--all]", "the running and paused VMs; with --all, every VM", 0, 1, ARG_WORD,
	  (const char *const[]){ "--all", NULL }, 0, cmd_list, NULL, NULL },
	ON_VM("dominfo", "a VM's state, size, kernel and times", ANY_STATE, cmd_dominfo),
	ON_VM("vcpuinfo", "each vCPU's physical CPU, state, run time and exits", ANY_STATE,
	      cmd_vcpuinfo),
	ON_VM("domstats", "a VM's statistics as key=value: exits by reason, run time per vCPU, "
	      "memory", ANY_STATE, cmd_domstats),
	ON_VM("start", "boot a VM that is not running, from scratch", STOPPED_STATES, cmd_start),
	ON_VM("shutdown", "press the VM's ACPI power button: the guest shuts down cleanly",
	      1u << VM_RUNNING, cmd_shutdown),
	ON_VM("reboot", "the power button, then boot again once the guest has powered off",
	      1u << VM_RUNNING, cmd_reboot),
	VERB("reset", "boot again at once, as a reset button does: the guest is not asked",
	     1u << VM_RUNNING, vm_reset, "was reset"),
	VERB("destroy", "power off at once: the guest is not asked", BOOTED_STATES, vm_destroy,
	     "destroyed"),
	VERB("suspend", "stop running the VM's vCPUs; its memory and devices stay",
	     1u << VM_RUNNING, vm_suspend, "suspended"),
	VERB("resume", "run a suspended VM again", 1u << VM_PAUSED, vm_resume, "resumed"),
	ON_VM("console", "COM1 to the VM's serial port and back; Ctrl-] returns here",
	      BOOTED_STATES, cmd_console),
	ON_HOST("nodeinfo", "this machine: CPUs, memory, virtualization", cmd_nodeinfo),
	ON_HOST("log", "what lucid has printed since boot (the last 16 KiB)", cmd_log),
	ON_HOST("version", "lucid's version", cmd_version),
	{ "help", "[COMMAND]", "the commands, or one in full", 0, 1, ARG_COMMAND, NULL, 0,
	  console_help, NULL, NULL },
	{ "json", "on|off", "one JSON object a line, for programs (docs/console.md)", 1, 1,
	  ARG_WORD, (const char *const[]){ "on", "off", NULL }, 0, cmd_json, NULL, NULL },
	ON_HOST("reboot-host", "reset the machine, and every VM with it", cmd_reboot_host),
	ON_HOST("halt-host", "stop lucid and every CPU", cmd_halt_host),
};

const u32 ncommands = ARRAY_SIZE(commands);
