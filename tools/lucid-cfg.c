/* lucid-cfg: checks a lucid.cfg on the host before it is deployed, with the
 * parser lucid itself runs at boot (hv/config/config.c), so the messages are the
 * ones lucid would print. Run through the wrapper tools/lucid-cfg, which
 * builds this into build/lucid-cfg.
 *
 *     lucid-cfg check [--modules DIR] FILE
 *     lucid-cfg needs --modules DIR FILE
 *     lucid-cfg default
 *     lucid-cfg keys
 *     lucid-cfg limits
 *
 * With --modules, each file the config names (kernel, initrd, module) must
 * be a file under DIR (a name starting with / is taken as it is) or the
 * name of a guest built into lucid; tools/mkimage passes the config's own
 * directory. `needs` tells tools/mkimage and tools/run-qemu what a config
 * asks of the machine: the files to carry and the RAM and CPUs it wants.
 * `keys` lists the keys the parser knows with the limits it checks, which
 * docs/config.md's table must state, and `limits` the rest: how many VMs,
 * how long a name and a line (tree/docs-config-keys).
 *
 * Exit status: 0 no problems, 1 problems, 2 usage error or unreadable file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hv/builtin/builtin.h"
#include "hv/config/config.h"

static char diag_buf[65536];
static struct config cfg;
static struct config one_line;	/* for line_naming() */
static char *text;		/* the config file's bytes */
static size_t text_len;

static void usage(void)
{
	fprintf(stderr,
		"usage: lucid-cfg check [--modules DIR] FILE   check a config; with --modules,\n"
		"                                               also that its files are in DIR\n"
		"       lucid-cfg needs --modules DIR FILE     the files, RAM and CPUs it needs\n"
		"       lucid-cfg default                      print the built-in config\n"
		"       lucid-cfg keys                         the keys and their limits\n"
		"       lucid-cfg limits                       VMs, names and lines at most\n");
	exit(2);
}

/* The whole file, with no NUL added: lucid gets none at boot either. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got = 0;
	int err = 0;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			char *more = realloc(buf, cap = cap ? 2 * cap : 4096);
			if (!more) {
				err = ENOMEM;
				break;
			}
			buf = more;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (!err && ferror(f))
		err = errno ? errno : EIO;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	*len = n;
	return buf ? buf : malloc(1);
}

/* Where the config's file `name` is on this machine. */
static void resolve(char *path, size_t size, const char *dir, const char *name)
{
	snprintf(path, size, name[0] == '/' ? "%s%s" : "%s/%s", name[0] == '/' ? "" : dir, name);
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does one line, read by the parser on its own inside a section, name the
 * file `name` as `what`? The parser keeps no line per key, so each line of
 * the VM's section is parsed alone: quotes and comments are read just as
 * lucid reads them. */
static bool names_file(const char *line, size_t len, const char *what, const char *name)
{
	static char buf[CONFIG_LINE_MAX + 64];
	struct config_vm *vm = &one_line.vms[0];
	int head = snprintf(buf, sizeof(buf), "[vm \"x\"]\n");

	if (len > sizeof(buf) - (size_t)head)
		return false;
	memcpy(buf + head, line, len);
	config_parse("line", buf, (size_t)head + len, &one_line, NULL);
	if (one_line.nvms != 1)
		return false;
	if (!strcmp(what, "kernel"))
		return !strcmp(vm->kernel, name);
	if (!strcmp(what, "initrd"))
		return !strcmp(vm->initrd, name);
	return vm->nmodules == 1 && !strcmp(vm->modules[0].name, name);
}

/* The line of vm's section that names `name` as `what`; the header's
 * line when none is found. */
static u32 line_naming(const struct config_vm *vm, const char *what, const char *name)
{
	const char *p = text, *end = text + text_len;

	for (u32 line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *q = p;

		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (line > vm->line && q < eol && *q == '[')
			break;	/* the next section */
		if (line > vm->line && names_file(p, (size_t)(eol - p), what, name))
			return line;
		p = eol + 1;
	}
	return vm->line;
}

/* One problem of a VM found here rather than by the parser: a file it
 * names that is neither under dir nor built into lucid. A file wins over
 * a built-in guest of the same name, as at boot. */
static unsigned missing(const char *file, struct config_vm *vm, const char *what,
			const char *name, const char *dir)
{
	char path[4096];
	struct load_file f;

	if (!name[0])
		return 0;
	resolve(path, sizeof(path), dir, name);
	if (is_file(path) || builtin_guest(name, &f))
		return 0;
	printf("%s:%u: vm \"%s\": %s \"%s\": no such file (%s)\n", file,
	       line_naming(vm, what, name), vm->name, what, name, path);
	vm->valid = false;
	return 1;
}

static void print_names(const char *what, bool valid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cfg.nvms; i++)
		n += cfg.vms[i].valid == valid;
	printf("%u %s", n, what);
	if (!n)
		return;
	printf(" (");
	for (unsigned i = 0, k = 0; i < cfg.nvms; i++)
		if (cfg.vms[i].valid == valid)
			printf("%s\"%s\"", k++ ? ", " : "", cfg.vms[i].name);
	printf(")");
}

/* Parses FILE into cfg and, with modules, looks for its files there;
 * prints every problem. Returns the number of problems, or -1 when FILE
 * or DIR cannot be read (said on stderr). */
static int parse(const char *file, const char *modules)
{
	struct config_diag diag;
	struct stat st;
	unsigned problems;

	text = read_file(file, &text_len);
	if (!text) {
		fprintf(stderr, "lucid-cfg: %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (modules && (stat(modules, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "lucid-cfg: %s is not a directory\n", modules);
		return -1;
	}
	config_diag_init(&diag, diag_buf, sizeof(diag_buf));
	problems = config_parse(file, text, text_len, &cfg, &diag);
	fputs(diag_buf, stdout);

	for (unsigned i = 0; modules && i < cfg.nvms; i++) {
		struct config_vm *vm = &cfg.vms[i];

		problems += missing(file, vm, "kernel", vm->kernel, modules);
		problems += missing(file, vm, "initrd", vm->initrd, modules);
		for (unsigned m = 0; m < vm->nmodules; m++)
			problems += missing(file, vm, "module", vm->modules[m].name, modules);
	}
	return (int)problems;
}

static int check(const char *file, const char *modules)
{
	int problems = parse(file, modules);

	if (problems < 0)
		return 2;
	printf("%s: %u VM%s, ", file, cfg.nvms, cfg.nvms == 1 ? "" : "s");
	print_names("valid", true);
	printf(", ");
	print_names("invalid", false);
	if (problems)
		printf("; %d problem%s", problems, problems == 1 ? "" : "s");
	printf("\n");
	return problems ? 1 : 0;
}

/* One line per file, each name once: "file NAME<TAB>PATH" for a file to
 * carry, "builtin NAME" for a guest lucid carries itself. */
static void print_file(const char *name, const char *dir)
{
	static const char *printed[CONFIG_MAX_VMS * (CONFIG_MAX_MODULES + 2)];
	static unsigned nprinted;
	char path[4096];
	struct load_file f;

	if (!name[0])
		return;
	for (unsigned i = 0; i < nprinted; i++)
		if (!strcmp(printed[i], name))
			return;
	printed[nprinted++] = name;
	resolve(path, sizeof(path), dir, name);
	if (is_file(path))
		printf("file %s\t%s\n", name, path);
	else if (builtin_guest(name, &f))
		printf("builtin %s\n", name);
}

/* What tools/mkimage and tools/run-qemu need to know; only for a config
 * without problems (they are printed instead, as by check):
 *     ram MIB      the VMs' memory, all together
 *     cpus N       1 + the highest CPU a VM has to itself (1 if none)
 *     file NAME<TAB>PATH, builtin NAME   (print_file) */
static int needs(const char *file, const char *modules)
{
	int problems = parse(file, modules);
	u64 ram = 0, cpus = 0;

	if (problems < 0)
		return 2;
	if (problems) {
		printf("%s: %d problem%s\n", file, problems, problems == 1 ? "" : "s");
		return 1;
	}
	for (unsigned i = 0; i < cfg.nvms; i++) {
		ram += cfg.vms[i].memory;
		cpus |= cfg.vms[i].cpus;
	}
	printf("ram %llu\n", (unsigned long long)((ram + (1 << 20) - 1) >> 20));
	printf("cpus %d\n", cpus ? 64 - __builtin_clzll(cpus) : 1);
	for (unsigned i = 0; i < cfg.nvms; i++) {
		const struct config_vm *vm = &cfg.vms[i];

		print_file(vm->kernel, modules);
		print_file(vm->initrd, modules);
		for (unsigned m = 0; m < vm->nmodules; m++)
			print_file(vm->modules[m].name, modules);
	}
	return 0;
}

/* One line per key: its name, then what it takes ("vcpus  1 to 8"). */
static int keys(void)
{
	char what[160];
	const char *name;

	for (u32 i = 0; (name = config_key(i, what, sizeof(what))); i++)
		printf("%-11s %s\n", name, what);
	return 0;
}

/* The limits that are not a key's, from the constants the parser checks
 * against; docs/config.md states them too (tree/docs-config-keys). */
static int limits(void)
{
	printf("vms         up to %d\n", CONFIG_MAX_VMS);
	printf("name        1 to %d characters\n", CONFIG_VM_NAME_MAX);
	printf("line        up to %d characters\n", CONFIG_LINE_MAX);
	return 0;
}

int main(int argc, char **argv)
{
	const char *modules = NULL;
	int i = 2;

	if (argc == 2 && !strcmp(argv[1], "default")) {
		fputs(config_default_text, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "keys"))
		return keys();
	if (argc == 2 && !strcmp(argv[1], "limits"))
		return limits();
	if (argc < 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "needs")))
		usage();
	if (!strcmp(argv[i], "--modules")) {
		if (argc < 5)
			usage();
		modules = argv[i + 1];
		i += 2;
	}
	if (argc != i + 1 || argv[i][0] == '-')
		usage();
	if (!strcmp(argv[1], "needs"))
		return modules ? needs(argv[i], modules) : (usage(), 2);
	return check(argv[i], modules);
}
