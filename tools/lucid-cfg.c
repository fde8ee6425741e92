/* lucid-cfg: checks a lucid.cfg on the host before it is deployed, with the
 * parser lucid itself runs at boot (hv/config/config.c), so the messages are the
 * ones lucid would print. Run through the wrapper tools/lucid-cfg, which
 * builds this into build/lucid-cfg.
 *
 *     lucid-cfg check [--modules DIR] FILE
 *     lucid-cfg default
 *
 * Exit status: 0 no problems, 1 problems, 2 usage error or unreadable file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hv/config/config.h"

static char diag_buf[65536];
static struct config cfg;

static void usage(void)
{
	fprintf(stderr,
		"usage: lucid-cfg check [--modules DIR] FILE   check a config; with --modules,\n"
		"                                               also that its files are in DIR\n"
		"       lucid-cfg default                      print the built-in config\n");
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

/* One problem of a VM found here rather than by the parser. */
static unsigned missing(const char *file, struct config_vm *vm, const char *what,
			const char *name, const char *dir)
{
	char path[4096];
	struct stat st;

	if (!name[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	printf("%s:%u: vm \"%s\": %s \"%s\" is not in %s\n", file, vm->line, vm->name, what,
	       name, dir);
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

static int check(const char *file, const char *modules)
{
	struct config_diag diag;
	size_t len;
	char *text = read_file(file, &len);
	unsigned problems;

	if (!text) {
		fprintf(stderr, "lucid-cfg: %s: %s\n", file, strerror(errno));
		return 2;
	}
	config_diag_init(&diag, diag_buf, sizeof(diag_buf));
	problems = config_parse(file, text, len, &cfg, &diag);
	free(text);
	fputs(diag_buf, stdout);

	if (modules) {
		struct stat st;

		if (stat(modules, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "lucid-cfg: %s is not a directory\n", modules);
			return 2;
		}
		for (unsigned i = 0; i < cfg.nvms; i++) {
			struct config_vm *vm = &cfg.vms[i];

			problems += missing(file, vm, "kernel", vm->kernel, modules);
			problems += missing(file, vm, "initrd", vm->initrd, modules);
			for (unsigned m = 0; m < vm->nmodules; m++)
				problems += missing(file, vm, "module", vm->modules[m].name, modules);
		}
	}

	printf("%s: %u VM%s, ", file, cfg.nvms, cfg.nvms == 1 ? "" : "s");
	print_names("valid", true);
	printf(", ");
	print_names("invalid", false);
	if (problems)
		printf("; %u problem%s", problems, problems == 1 ? "" : "s");
	printf("\n");
	return problems ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *modules = NULL;
	int i = 2;

	if (argc == 2 && !strcmp(argv[1], "default")) {
		fputs(config_default_text, stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "check"))
		usage();
	if (!strcmp(argv[i], "--modules")) {
		if (argc < 5)
			usage();
		modules = argv[i + 1];
		i += 2;
	}
	if (argc != i + 1 || argv[i][0] == '-')
		usage();
	return check(argv[i], modules);
}
