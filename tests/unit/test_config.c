/* Unit tests for the lucid.cfg parser (hv/config/config.c). Every text is parsed
 * from an exactly-sized heap copy with no NUL after it, as a boot module
 * arrives, so ASan reports any read past the end. Expected messages are
 * written out in full, with their line numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/config/config.h"

static struct config cfg;
static char diag_buf[16384];
static struct config_diag diag;

/* A VM's required keys, for tests about something else. */
#define REQ "memory = 16M\nkernel = k\n"

static u32 parse_n(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	u32 n;

	assert_non_null(copy);
	memcpy(copy, text, len);
	config_diag_init(&diag, diag_buf, sizeof(diag_buf));
	n = config_parse("lucid.cfg", copy, len, &cfg, &diag);
	free(copy);
	assert_int_equal(n, diag.count);
	assert_int_equal(diag.shown, diag.count);
	return n;
}

static u32 parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* Parses text and checks the whole diagnostic output. */
static void expect(const char *text, const char *messages)
{
	parse(text);
	assert_string_equal(diag_buf, messages);
}

static struct config_vm *vm(const char *name)
{
	for (u32 i = 0; i < cfg.nvms; i++)
		if (!strcmp(cfg.vms[i].name, name))
			return &cfg.vms[i];
	fail_msg("no vm \"%s\"", name);
	return NULL;
}

/* --- good configs --------------------------------------------------------- */

static void test_every_key(void **state)
{
	struct config_vm *w, *f;

	(void)state;
	assert_int_equal(parse(
		"# lucid.cfg\n"
		"[vm \"web\"]\n"					/* 2 */
		"vcpus     = 3            # 1..8\n"
		"cpus      = 1-2,4        # dedicated\n"
		"memory    = 256M\n"
		"kernel    = vmlinuz\n"
		"initrd    = initrd.img\n"
		"module    = mod.bin some args\n"
		"module    = \"other mod\" \"x # y\"\n"
		"cmdline   = \"console=ttyS0 quiet\"\n"
		"format    = linux\n"
		"autostart = no\n"
		"testdev   = yes\n"
		"debug-exit = yes\n"
		"fw-cfg = yes\n"
		"\n"
		"[vm \"boot_sector-1\"]\n"				/* 17 */
		"vcpus = 1\n"
		"memory = 1M\n"
		"kernel = boot.bin\n"
		"format = flat\n"
		"load = 0x7c00\n"
		"entry = 0x7c10\n"
		"mode = real\n"
		"platform = none\n"
		"weight = 250\n"
		"autostart = true\n"), 0);
	assert_string_equal(diag_buf, "");
	assert_int_equal(cfg.nvms, 2);

	w = &cfg.vms[0];
	assert_string_equal(w->name, "web");
	assert_true(w->valid);
	assert_int_equal(w->line, 2);
	assert_int_equal(w->vcpus, 3);
	assert_int_equal(w->cpus, (1 << 1) | (1 << 2) | (1 << 4));
	assert_int_equal(w->memory, 256ull << 20);
	assert_string_equal(w->kernel, "vmlinuz");
	assert_string_equal(w->initrd, "initrd.img");
	assert_int_equal(w->nmodules, 2);
	assert_string_equal(w->modules[0].name, "mod.bin");
	assert_string_equal(w->modules[0].cmdline, "some args");
	assert_string_equal(w->modules[1].name, "other mod");
	assert_string_equal(w->modules[1].cmdline, "x # y");
	assert_string_equal(w->cmdline, "console=ttyS0 quiet");
	assert_int_equal(w->format, CONFIG_FORMAT_LINUX);
	assert_false(w->autostart);
	assert_true(w->testdev);
	assert_true(w->debug_exit);
	assert_true(w->fw_cfg);
	assert_int_equal(w->platform, CONFIG_PLATFORM_PC);	/* the default */
	assert_int_equal(w->weight, CONFIG_WEIGHT_DEFAULT);

	f = &cfg.vms[1];
	assert_string_equal(f->name, "boot_sector-1");
	assert_true(f->valid);
	assert_int_equal(f->line, 17);
	assert_int_equal(f->memory, 1 << 20);
	assert_int_equal(f->format, CONFIG_FORMAT_FLAT);
	assert_int_equal(f->load, 0x7c00);
	assert_int_equal(f->entry, 0x7c10);
	assert_int_equal(f->mode, CONFIG_MODE_REAL);
	assert_int_equal(f->platform, CONFIG_PLATFORM_NONE);
	assert_int_equal(f->weight, 250);
	assert_true(f->autostart);
	assert_false(f->testdev);
	assert_false(f->debug_exit);
	assert_false(f->fw_cfg);
}

static void test_defaults(void **state)
{
	struct config_vm *v;

	(void)state;
	assert_int_equal(parse("[vm \"a\"]\nmemory = 16M\nkernel = k\n"), 0);
	assert_int_equal(cfg.nvms, 1);
	v = &cfg.vms[0];
	assert_true(v->valid);
	assert_int_equal(v->vcpus, 1);
	assert_int_equal(v->cpus, 0);
	assert_int_equal(v->weight, 100);	/* Linux's cpu.weight default */
	assert_string_equal(v->initrd, "");
	assert_string_equal(v->cmdline, "");
	assert_int_equal(v->nmodules, 0);
	assert_int_equal(v->format, CONFIG_FORMAT_AUTO);
	assert_int_equal(v->mode, CONFIG_MODE_PROTECTED);
	assert_int_equal(v->load, 0);
	assert_int_equal(v->entry, 0);
	assert_true(v->autostart);
	assert_false(v->testdev);
}

static void test_default_config(void **state)
{
	(void)state;
	config_diag_init(&diag, diag_buf, sizeof(diag_buf));
	assert_int_equal(config_default(&cfg, &diag), 0);
	assert_string_equal(diag_buf, "");
	assert_int_equal(cfg.nvms, 1);
	assert_string_equal(cfg.vms[0].name, "hello");
	assert_true(cfg.vms[0].valid);
	assert_int_equal(cfg.vms[0].vcpus, 1);
	assert_int_equal(cfg.vms[0].memory, 16ull << 20);
	assert_string_equal(cfg.vms[0].kernel, "hello");
	assert_int_equal(cfg.vms[0].nmodules, 0);
	assert_int_equal(cfg.vms[0].format, CONFIG_FORMAT_AUTO);
	assert_true(cfg.vms[0].autostart);
	/* The text is what tools/lucid-cfg default prints: it must parse too. */
	assert_int_equal(parse(config_default_text), 0);
}

static void test_sizes(void **state)
{
	static const struct { const char *text; u64 bytes; } cases[] = {
		{ "1M", 1ull << 20 },
		{ "1m", 1ull << 20 },
		{ "1024K", 1ull << 20 },
		{ "1048576", 1ull << 20 },
		{ "0x100000", 1ull << 20 },
		{ "0x10M", 16ull << 20 },
		{ "4G", 4ull << 30 },
		{ "64G", 64ull << 30 },
		{ "68719476736", 64ull << 30 },
		{ "\"2M\"", 2ull << 20 },
	};
	char text[128];

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[vm \"a\"]\nkernel = k\nmemory = %s\n", cases[i].text);
		assert_int_equal(parse(text), 0);
		assert_int_equal(cfg.vms[0].memory, cases[i].bytes);
	}
}

/* One VM with a bad line 3; checks the one message and that the VM is
 * kept but invalid. */
static void expect_line3(const char *line, const char *message)
{
	char text[2048], want[512];

	snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "%s\n", line);
	/* REQ is lines 2 and 3; the line under test is 4 */
	snprintf(want, sizeof(want), "lucid.cfg:4: vm \"a\": %s\n", message);
	parse(text);
	assert_string_equal(diag_buf, want);
	assert_int_equal(cfg.nvms, 1);
	assert_false(cfg.vms[0].valid);
}

/* The same for a key that REQ already has: it replaces REQ's line. */
static void expect_mem(const char *value, const char *message)
{
	char text[256], want[512];

	snprintf(text, sizeof(text), "[vm \"a\"]\nkernel = k\nmemory = %s\n", value);
	snprintf(want, sizeof(want), "lucid.cfg:3: vm \"a\": memory: %s\n", message);
	parse(text);
	assert_string_equal(diag_buf, want);
	assert_false(cfg.vms[0].valid);
}

static void test_memory_errors(void **state)
{
	(void)state;
	expect_mem("256Q", "\"256Q\" is not a size (use e.g. 256M)");
	expect_mem("1MB", "\"1MB\" is not a size (use e.g. 256M)");
	expect_mem("M", "\"M\" is not a size (use e.g. 256M)");
	expect_mem("-1M", "\"-1M\" is not a size (use e.g. 256M)");
	expect_mem("1 M", "\"1 M\" is not a size (use e.g. 256M)");
	expect_mem("512K", "\"512K\" is too small (at least 1M)");
	expect_mem("0", "\"0\" is too small (at least 1M)");
	expect_mem("65G", "\"65G\" is too large (at most 64G)");
	expect_mem("68719480832", "\"68719480832\" is too large (at most 64G)");
	expect_mem("2000000", "\"2000000\" is not a multiple of 4K");
	expect_mem("1025K", "\"1025K\" is not a multiple of 4K");
	/* overflow: of the digits, and of the suffix's shift */
	expect_mem("99999999999999999999", "\"99999999999999999999\" is too large (at most 64G)");
	expect_mem("18014398509481984K", "\"18014398509481984K\" is too large (at most 64G)");
	expect_mem("0x400000000000G", "\"0x400000000000G\" is too large (at most 64G)");
	expect_mem("", "no value given");
	expect_mem("# nothing", "no value given");
}

static void test_vcpus(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm \"a\"]\n" REQ "vcpus = 8\n"), 0);
	assert_int_equal(cfg.vms[0].vcpus, 8);
	assert_int_equal(parse("[vm \"a\"]\n" REQ "vcpus = 0x3\n"), 0);
	assert_int_equal(cfg.vms[0].vcpus, 3);
	expect_line3("vcpus = 0", "vcpus: \"0\" is out of range (1 to 8)");
	expect_line3("vcpus = 9", "vcpus: \"9\" is out of range (1 to 8)");
	expect_line3("vcpus = two", "vcpus: \"two\" is not a number");
	expect_line3("vcpus = 2x", "vcpus: \"2x\" is not a number");
	expect_line3("vcpus = -1", "vcpus: \"-1\" is not a number");
	expect_line3("vcpus = 18446744073709551617",
		     "vcpus: \"18446744073709551617\" is out of range (1 to 8)");
}

static void test_cpus_list(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cpus = 1-2,4\n"), 0);
	assert_int_equal(cfg.vms[0].cpus, 0x16);
	assert_int_equal(cfg.vms[0].vcpus, 3);	/* defaults to the CPUs listed */
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cpus = 63 , 0 - 3\nvcpus = 5\n"), 0);
	assert_int_equal(cfg.vms[0].cpus, 0x800000000000000full);
	assert_int_equal(cfg.vms[0].vcpus, 5);
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cpus = 7-7\n"), 0);
	assert_int_equal(cfg.vms[0].cpus, 0x80);

	expect_line3("cpus = 1,1", "cpus: CPU 1 is listed twice");
	expect_line3("cpus = 1-3,2", "cpus: CPU 2 is listed twice");
	expect_line3("cpus = 4-2", "cpus: \"4-2\" is not a range (the lower CPU goes first)");
	expect_line3("cpus = 2,64", "cpus: \"64\" is out of range (CPUs are 0 to 63)");
	expect_line3("cpus = 0-99999999999999999999",
		     "cpus: \"0-99999999999999999999\" is out of range (CPUs are 0 to 63)");
	expect_line3("cpus = 1,,2", "cpus: \"1,,2\" is not a list of CPUs (use e.g. 1-2,4)");
	expect_line3("cpus = 1,", "cpus: \"1,\" is not a list of CPUs (use e.g. 1-2,4)");
	expect_line3("cpus = 1-", "cpus: \"1-\" is not a list of CPUs (use e.g. 1-2,4)");
	expect_line3("cpus = -1", "cpus: \"-1\" is not a list of CPUs (use e.g. 1-2,4)");
	expect_line3("cpus = 1 2", "cpus: \"1 2\" is not a list of CPUs (use e.g. 1-2,4)");
	expect_line3("cpus = 1-2-3", "cpus: \"1-2-3\" is not a list of CPUs (use e.g. 1-2,4)");
	/* the count is checked against vcpus wherever vcpus comes */
	expect_line3("cpus = 1-3\nvcpus = 2", "cpus: 3 CPUs listed, but vcpus = 2");
	expect_line3("cpus = 5\nvcpus = 2", "cpus: 1 CPU listed, but vcpus = 2");
	expect_line3("cpus = 0-8", "cpus: 9 CPUs listed, but a VM has at most 8 vCPUs");
}

/* 1 to 10000, as Linux's cpu.weight; only for a VM that shares CPUs. */
static void test_weight(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm \"a\"]\n" REQ "weight = 1\n"), 0);
	assert_int_equal(cfg.vms[0].weight, 1);
	assert_int_equal(parse("[vm \"a\"]\n" REQ "weight = 10000\n"), 0);
	assert_int_equal(cfg.vms[0].weight, 10000);
	expect_line3("weight = 0", "weight: \"0\" is out of range (1 to 10000)");
	expect_line3("weight = 10001", "weight: \"10001\" is out of range (1 to 10000)");
	expect_line3("weight = heavy", "weight: \"heavy\" is not a number");
	expect_line3("weight = -5", "weight: \"-5\" is not a number");
	/* with cpus, before or after it: the VM does not start */
	expect_line3("weight = 200\ncpus = 1",
		     "weight is only for VMs without cpus: a dedicated CPU is not shared");
	expect("[vm \"a\"]\n" REQ "cpus = 1\nweight = 100\n",
	       "lucid.cfg:5: vm \"a\": weight is only for VMs without cpus: "
	       "a dedicated CPU is not shared\n");
	assert_false(cfg.vms[0].valid);
	expect_line3("wieght = 5", "unknown key \"wieght\" (did you mean \"weight\"?)");
	expect_line3("weigth = 5", "unknown key \"weigth\" (did you mean \"weight\"?)");
}

static void test_cpus_dedicated_to_one_vm(void **state)
{
	(void)state;
	expect("[vm \"a\"]\n" REQ "cpus = 1-2\n"
	       "[vm \"b\"]\n" REQ "cpus = 3, 2\n"
	       "[vm \"c\"]\n" REQ "cpus = 4\n",
	       "lucid.cfg:8: vm \"b\": cpus: CPU 2 is already dedicated to vm \"a\"\n");
	assert_true(vm("a")->valid);
	assert_false(vm("b")->valid);
	assert_true(vm("c")->valid);
	/* a VM that will not run holds no CPUs */
	expect("[vm \"a\"]\nmemory = 16M\ncpus = 1-2\n"
	       "[vm \"b\"]\n" REQ "cpus = 2\n",
	       "lucid.cfg:1: vm \"a\": no kernel given\n");
	assert_false(vm("a")->valid);
	assert_true(vm("b")->valid);
}

static void test_file_names(void **state)
{
	char text[256];

	(void)state;
	assert_int_equal(parse("[vm \"a\"]\nmemory = 16M\nkernel = \"my kernel #2\"\n"
			       "initrd = \"\\initrd\"\n"), 0);
	assert_string_equal(cfg.vms[0].kernel, "my kernel #2");
	assert_string_equal(cfg.vms[0].initrd, "\\initrd");
	expect_line3("initrd = my initrd", "initrd: \"my initrd\" has a space in it "
		     "(quote a name with spaces; arguments go in cmdline)");
	/* a bad kernel is one problem: it was given, so not also missing */
	expect("[vm \"a\"]\nmemory = 16M\nkernel = vmlinuz quiet\n",
	       "lucid.cfg:3: vm \"a\": kernel: \"vmlinuz quiet\" has a space in it "
	       "(quote a name with spaces; arguments go in cmdline)\n");
	assert_false(cfg.vms[0].valid);
	expect("[vm \"a\"]\nmemory = 16M\nkernel = \"\"\n",
	       "lucid.cfg:3: vm \"a\": kernel: no name given\n");

	/* 63 characters fit, as in a boot module's name */
	snprintf(text, sizeof(text), "[vm \"a\"]\nmemory = 16M\nkernel = %.*s\n", 63,
		 "0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.vms[0].kernel), 63);
	snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "initrd = %.*s\n", 64,
		 "0123456789012345678901234567890123456789012345678901234567890123456789");
	expect(text, "lucid.cfg:4: vm \"a\": initrd: name too long (64 characters, at most 63)\n");
}

static void test_modules(void **state)
{
	char text[2048];
	size_t n;

	(void)state;
	assert_int_equal(parse("[vm \"a\"]\n" REQ "module = m\n"
			       "module=\"a b\"   x=\"1 2\" y  # c\n"
			       "module = \"q\"\n"
			       "module = r \"quoted # args\"\n"), 0);
	assert_int_equal(cfg.vms[0].nmodules, 4);
	assert_string_equal(cfg.vms[0].modules[0].name, "m");
	assert_string_equal(cfg.vms[0].modules[0].cmdline, "");
	assert_string_equal(cfg.vms[0].modules[1].name, "a b");
	assert_string_equal(cfg.vms[0].modules[1].cmdline, "x=\"1 2\" y");
	assert_string_equal(cfg.vms[0].modules[2].name, "q");
	assert_string_equal(cfg.vms[0].modules[2].cmdline, "");
	assert_string_equal(cfg.vms[0].modules[3].name, "r");
	assert_string_equal(cfg.vms[0].modules[3].cmdline, "quoted # args");

	expect_line3("module = \"a\"b", "module: text after the closing quote: \"b\"");
	expect_line3("module = \"\" args", "module: no name given");
	expect_line3("module =", "module: no value given");
	expect_line3("module = m \"a\" b", "module: text after the closing quote: \" b\"");
	/* the line's quotes pair up, the command line's do not */
	expect_line3("module = a\"b \"c", "module: missing closing quote");

	/* 8 fit; the 9th and 10th are one problem, at the 9th */
	n = (size_t)snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ);
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%d arg%d\n", i, i);
	expect(text, "lucid.cfg:12: vm \"a\": more than 8 modules\n");
	assert_int_equal(cfg.vms[0].nmodules, 8);
	assert_string_equal(cfg.vms[0].modules[7].name, "m7");
	assert_string_equal(cfg.vms[0].modules[7].cmdline, "arg7");
	assert_false(cfg.vms[0].valid);
}

static void test_cmdline_and_quoting(void **state)
{
	char text[1024], want[256];

	(void)state;
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline = console=ttyS0 quiet  # c\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "console=ttyS0 quiet");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline = \"  a # b  \"  # c\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "  a # b  ");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline = root=x init=\"/bin/sh -c\" q\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "root=x init=\"/bin/sh -c\" q");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline = a=\"#\"#b\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "a=\"#\"");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline = \"\"\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "cmdline =\n"), 0);
	assert_string_equal(cfg.vms[0].cmdline, "");
	assert_int_equal(parse("[vm \"a\"]\n" REQ "vcpus = \"2\"\nautostart=\"no\"\n"), 0);
	assert_int_equal(cfg.vms[0].vcpus, 2);
	assert_false(cfg.vms[0].autostart);

	expect_line3("cmdline = \"a\" b", "cmdline: text after the closing quote: \" b\"");
	expect_line3("cmdline = \"abc # x", "cmdline: missing closing quote");
	expect_line3("cmdline = a=\"b", "cmdline: missing closing quote");

	/* 255 characters fit, 256 do not */
	snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "cmdline = %0255d\n", 0);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.vms[0].cmdline), 255);
	snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "cmdline = \"%0256d\"\n", 0);
	snprintf(want, sizeof(want), "lucid.cfg:4: vm \"a\": cmdline: command line too long "
		 "(256 characters, at most 255)\n");
	expect(text, want);
	snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "module = m %0256d\n", 0);
	expect(text, "lucid.cfg:4: vm \"a\": module: command line too long "
	       "(256 characters, at most 255)\n");
}

static void test_format_and_flat(void **state)
{
	static const struct { const char *name; enum config_format f; } formats[] = {
		{ "auto", CONFIG_FORMAT_AUTO },
		{ "multiboot1", CONFIG_FORMAT_MULTIBOOT1 },
		{ "multiboot2", CONFIG_FORMAT_MULTIBOOT2 },
		{ "linux", CONFIG_FORMAT_LINUX },
	};
	char text[256];

	(void)state;
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "format = %s\n", formats[i].name);
		assert_int_equal(parse(text), 0);
		assert_int_equal(cfg.vms[0].format, formats[i].f);
		assert_string_equal(config_format_name(formats[i].f), formats[i].name);
	}
	assert_string_equal(config_format_name(CONFIG_FORMAT_FLAT), "flat");

	/* entry defaults to load, mode to protected */
	assert_int_equal(parse("[vm \"a\"]\n" REQ "format = flat\nload = 0x8000\n"), 0);
	assert_int_equal(cfg.vms[0].format, CONFIG_FORMAT_FLAT);
	assert_int_equal(cfg.vms[0].load, 0x8000);
	assert_int_equal(cfg.vms[0].entry, 0x8000);
	assert_int_equal(cfg.vms[0].mode, CONFIG_MODE_PROTECTED);
	assert_int_equal(parse("[vm \"a\"]\n" REQ "mode = protected\nentry = 4096\n"
			       "load = 0\nformat = flat\n"), 0);
	assert_int_equal(cfg.vms[0].entry, 4096);

	expect_line3("platform = isa", "platform: \"isa\" is not pc or none");
	expect_line3("format = elf",
		     "format: \"elf\" is not one of auto, multiboot1, multiboot2, linux, flat");
	expect_line3("format = Flat",
		     "format: \"Flat\" is not one of auto, multiboot1, multiboot2, linux, flat");
	expect("[vm \"a\"]\n" REQ "format = flat\nload = 0x8000\nmode = long\n",
	       "lucid.cfg:6: vm \"a\": mode: \"long\" is not real or protected\n");
	expect("[vm \"a\"]\n" REQ "format = flat\nentry = 0x8000\n",
	       "lucid.cfg:1: vm \"a\": format = flat needs a load address\n");
	assert_false(cfg.vms[0].valid);
	/* flat-only keys, each reported at its own line */
	expect("[vm \"a\"]\n" REQ "mode = real\nload = 0x8000\nformat = multiboot2\nentry = 1\n",
	       "lucid.cfg:5: vm \"a\": load is only for format = flat\n"
	       "lucid.cfg:7: vm \"a\": entry is only for format = flat\n"
	       "lucid.cfg:4: vm \"a\": mode is only for format = flat\n");
	expect("[vm \"a\"]\n" REQ "load = 0x8000\n",
	       "lucid.cfg:4: vm \"a\": load is only for format = flat\n");
	/* a bad format says so, and nothing about flat keys */
	expect("[vm \"a\"]\n" REQ "load = 0x8000\nformat = raw\n",
	       "lucid.cfg:5: vm \"a\": format: \"raw\" is not one of auto, multiboot1, "
	       "multiboot2, linux, flat\n");
	/* inside the VM's memory (16M = 0x1000000) */
	expect("[vm \"a\"]\n" REQ "format = flat\nload = 0x1000000\n",
	       "lucid.cfg:5: vm \"a\": load: 0x1000000 is beyond the end of memory (0x1000000)\n");
	expect("[vm \"a\"]\n" REQ "format = flat\nload = 0\nentry = 0xffffffff\n",
	       "lucid.cfg:6: vm \"a\": entry: 0xffffffff is beyond the end of memory (0x1000000)\n");
	expect("[vm \"a\"]\n" REQ "format = flat\nload = 0x1ffffffffffffffff\n",
	       "lucid.cfg:5: vm \"a\": load: \"0x1ffffffffffffffff\" is too large "
	       "(more than 64 bits)\n");
	expect("[vm \"a\"]\n" REQ "format = flat\nload = 0x8000\nentry = 8000h\n",
	       "lucid.cfg:6: vm \"a\": entry: \"8000h\" is not a number\n");
}

/* autostart, testdev, debug-exit and fw-cfg: the same yes/no values and
 * message. */
static void test_yes_no_keys(void **state)
{
	static const struct { const char *text; bool on; } cases[] = {
		{ "yes", true }, { "no", false }, { "true", true },
		{ "false", false }, { "1", true }, { "0", false },
	};
	char text[128];

	static const struct { const char *key; size_t field; } keys[] = {
		{ "autostart", offsetof(struct config_vm, autostart) },
		{ "testdev", offsetof(struct config_vm, testdev) },
		{ "debug-exit", offsetof(struct config_vm, debug_exit) },
		{ "fw-cfg", offsetof(struct config_vm, fw_cfg) },
	};

	(void)state;
	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			snprintf(text, sizeof(text), "[vm \"a\"]\n" REQ "%s = %s\n", keys[k].key,
				 cases[i].text);
			assert_int_equal(parse(text), 0);
			assert_int_equal(*(const bool *)((const char *)&cfg.vms[0] + keys[k].field),
					 cases[i].on);
		}
	expect_line3("autostart = maybe",
		     "autostart: \"maybe\" is not yes or no (or true/false, 1/0)");
	expect_line3("autostart = YES", "autostart: \"YES\" is not yes or no (or true/false, 1/0)");
	expect_line3("testdev = on", "testdev: \"on\" is not yes or no (or true/false, 1/0)");
	expect_line3("debug-exit = 2", "debug-exit: \"2\" is not yes or no (or true/false, 1/0)");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_line3("vcpu = 2", "unknown key \"vcpu\" (did you mean \"vcpus\"?)");
	expect_line3("memroy = 1", "unknown key \"memroy\" (did you mean \"memory\"?)");
	expect_line3("laod = 1", "unknown key \"laod\" (did you mean \"load\"?)");
	expect_line3("Kernel = k", "unknown key \"Kernel\" (did you mean \"kernel\"?)");
	expect_line3("auto = yes", "unknown key \"auto\" (did you mean \"autostart\"?)");
	expect_line3("cpu = 1", "unknown key \"cpu\" (did you mean \"cpus\"?)");
	expect_line3("colour = blue", "unknown key \"colour\"");
	/* three edits are too many: "name" is not "mode" */
	expect_line3("name = web", "unknown key \"name\"");
	expect_line3("x = 1", "unknown key \"x\"");
	expect_line3("a very long key that is nothing = 1",
		     "unknown key \"a very long key that is nothing\"");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect("[vm \"a\"]\n" REQ "vcpus = 1\nmemory = 32M\nvcpus = 2\n",
	       "lucid.cfg:5: vm \"a\": memory is given twice (first at line 2)\n"
	       "lucid.cfg:6: vm \"a\": vcpus is given twice (first at line 4)\n");
	assert_int_equal(cfg.vms[0].memory, 16ull << 20);	/* the first stands */
	assert_false(cfg.vms[0].valid);
	/* a bad first value still counts as given */
	expect("[vm \"a\"]\n" REQ "vcpus = 0\nvcpus = 1\n",
	       "lucid.cfg:4: vm \"a\": vcpus: \"0\" is out of range (1 to 8)\n"
	       "lucid.cfg:5: vm \"a\": vcpus is given twice (first at line 4)\n");
	/* keys in different VMs are not duplicates */
	assert_int_equal(parse("[vm \"a\"]\n" REQ "[vm \"b\"]\n" REQ), 0);
}

static void test_duplicate_vm(void **state)
{
	(void)state;
	expect("[vm \"web\"]\n" REQ "\n"
	       "[vm \"db\"]\n" REQ
	       "[vm \"web\"]\nkernel = other\nnonsense\n"
	       "[vm \"x\"]\n" REQ,
	       "lucid.cfg:8: vm \"web\" is defined twice (first at line 1)\n");
	assert_int_equal(cfg.nvms, 3);
	assert_true(vm("web")->valid);
	assert_string_equal(vm("web")->kernel, "k");	/* the second's keys are skipped */
	assert_true(vm("db")->valid);
	assert_true(vm("x")->valid);
}

static void test_section_headers(void **state)
{
	(void)state;
	assert_int_equal(parse("  [ vm   \"a\" ]  # c\n" REQ "[vm\"b\"]\n" REQ), 0);
	assert_int_equal(cfg.nvms, 2);
	assert_string_equal(cfg.vms[0].name, "a");
	assert_string_equal(cfg.vms[1].name, "b");
	assert_int_equal(parse("[vm \"abcdefghijklmnopqrstuvwxyz_-012\"]\n" REQ), 0);
	assert_string_equal(cfg.vms[0].name, "abcdefghijklmnopqrstuvwxyz_-012");

	/* each rejected section is one problem; its keys are skipped */
	expect("[vm \"abcdefghijklmnopqrstuvwxyz_-0123\"]\n" REQ,
	       "lucid.cfg:1: vm name \"abcdefghijklmnopqrstuvwxyz_-0123\" is longer than "
	       "31 characters\n");
	assert_int_equal(cfg.nvms, 0);
	expect("[vm \"\"]\n" REQ, "lucid.cfg:1: vm name is empty\n");
	expect("[vm \"a b\"]\n" REQ,
	       "lucid.cfg:1: vm name \"a b\" may only have letters, digits, \"_\" and \"-\"\n");
	expect("[vm \"a.b\"]\n" REQ,
	       "lucid.cfg:1: vm name \"a.b\" may only have letters, digits, \"_\" and \"-\"\n");
	expect("[vm web]\n" REQ,
	       "lucid.cfg:1: \"[vm web]\" is not a section header (use [vm \"name\"])\n");
	expect("[vm \"web\"\n" REQ,
	       "lucid.cfg:1: \"[vm \"web\"\" is not a section header (use [vm \"name\"])\n");
	expect("[vm \"web]\n" REQ,
	       "lucid.cfg:1: \"[vm \"web]\" is not a section header (use [vm \"name\"])\n");
	expect("[vm \"web\"] x # c\n" REQ,
	       "lucid.cfg:1: \"[vm \"web\"] x\" is not a section header (use [vm \"name\"])\n");
	expect("[vm]\n" REQ, "lucid.cfg:1: \"[vm]\" is not a section header (use [vm \"name\"])\n");
	expect("[]\n" REQ, "lucid.cfg:1: \"[]\" is not a section header (use [vm \"name\"])\n");
	expect("[network]\nfoo = bar\n[vm \"a\"]\n" REQ,
	       "lucid.cfg:1: unknown section [network] (only [vm \"name\"] is known)\n");
	assert_true(vm("a")->valid);
	expect("[VM \"a\"]\n" REQ,
	       "lucid.cfg:1: unknown section [VM] (only [vm \"name\"] is known)\n");
	assert_int_equal(cfg.nvms, 0);
}

static void test_outside_any_section(void **state)
{
	(void)state;
	expect("memory = 16M\ngarbage\n = 1\n\n[vm \"a\"]\n" REQ,
	       "lucid.cfg:1: key \"memory\" is outside any [vm \"name\"] section\n"
	       "lucid.cfg:2: \"garbage\" is not \"key = value\", a [vm \"name\"] header or a # "
	       "comment\n"
	       "lucid.cfg:3: no key before \"=\"\n");
	assert_int_equal(cfg.nvms, 1);
	assert_true(cfg.vms[0].valid);		/* problems outside a VM spare it */
	expect("[vm \"a\"]\n" REQ "garbage # with a = in the comment\n",
	       "lucid.cfg:4: vm \"a\": \"garbage\" is not \"key = value\", a [vm \"name\"] "
	       "header or a # comment\n");
	assert_false(cfg.vms[0].valid);
}

static void test_required_keys(void **state)
{
	(void)state;
	expect("\n[vm \"a\"]\nvcpus = 1\n[vm \"b\"]\n" REQ,
	       "lucid.cfg:2: vm \"a\": no memory given\n"
	       "lucid.cfg:2: vm \"a\": no kernel given\n");
	assert_false(vm("a")->valid);
	assert_true(vm("b")->valid);
	/* at the end of the file too */
	expect("[vm \"a\"]\nmemory = 1M", "lucid.cfg:1: vm \"a\": no kernel given\n");
}

static void test_one_bad_vm_among_good(void **state)
{
	(void)state;
	expect("[vm \"web\"]\nvcpus = 2\nmemory = 256M\nkernel = vmlinuz\n\n"
	       "[vm \"db\"]\nvcpus = 2\nmemory = 256Q\n\n"
	       "[vm \"cache\"]\nmemory = 64M\nkernel = redis\n",
	       "lucid.cfg:8: vm \"db\": memory: \"256Q\" is not a size (use e.g. 256M)\n"
	       "lucid.cfg:6: vm \"db\": no kernel given\n");
	assert_int_equal(cfg.nvms, 3);
	assert_true(vm("web")->valid);
	assert_int_equal(vm("web")->memory, 256ull << 20);
	assert_false(vm("db")->valid);
	assert_true(vm("cache")->valid);
	assert_string_equal(vm("cache")->kernel, "redis");
}

static void test_crlf_and_whitespace(void **state)
{
	(void)state;
	assert_int_equal(parse("# c\r\n\r\n[vm \"a\"]\r\n\tvcpus\t=\t2\t\r\nmemory=16M\r\n"
			       "kernel = k \r\ncmdline = a b\r\ninitrd = \"i\"\r\n"
			       "module = m x \r\n"), 0);
	assert_int_equal(cfg.vms[0].line, 3);
	assert_int_equal(cfg.vms[0].vcpus, 2);
	assert_string_equal(cfg.vms[0].kernel, "k");
	assert_string_equal(cfg.vms[0].cmdline, "a b");
	assert_string_equal(cfg.vms[0].initrd, "i");
	assert_string_equal(cfg.vms[0].modules[0].cmdline, "x");
	/* line numbers count CRLF lines once */
	expect("[vm \"a\"]\r\n" "memory = 16M\r\n" "kernel = k\r\n" "vcpus = 9\r\n",
	       "lucid.cfg:4: vm \"a\": vcpus: \"9\" is out of range (1 to 8)\n");
}

static void test_comments(void **state)
{
	(void)state;
	assert_int_equal(parse("# top\n   # indented\n[vm \"a\"] # after header\n"
			       "#memory = 1G\nmemory = 16M#no space\nkernel = k # c # d\n"
			       "cpus = 1 # , 2\n"), 0);
	assert_int_equal(cfg.vms[0].memory, 16ull << 20);
	assert_string_equal(cfg.vms[0].kernel, "k");
	assert_int_equal(cfg.vms[0].cpus, 2);
	/* a UTF-8 byte order mark at the start is skipped */
	assert_int_equal(parse("\xef\xbb\xbf[vm \"a\"]\n" REQ), 0);
	assert_int_equal(cfg.nvms, 1);
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = "[vm \"a\"]\nmemory = 16M\nkernel = kernel-image";

	(void)state;
	/* the last value ends where len says, mid-word */
	assert_int_equal(parse_n(text, sizeof(text) - 1 - 6), 0);
	assert_string_equal(cfg.vms[0].kernel, "kernel");
	/* cut inside a quoted value: the quote is never closed */
	expect("[vm \"a\"]\n" REQ "cmdline = \"abc\"", "");
	assert_string_equal(cfg.vms[0].cmdline, "abc");
	parse_n("[vm \"a\"]\n" REQ "cmdline = \"abc\"", 9 + 24 + 14);
	assert_string_equal(diag_buf, "lucid.cfg:4: vm \"a\": cmdline: missing closing quote\n");
	/* cut inside a header: that is the one problem, no "no section" too */
	parse_n("[vm \"abc\"]\n", 7);
	assert_string_equal(diag_buf,
			    "lucid.cfg:1: \"[vm \"ab\" is not a section header (use [vm \"name\"])\n");
}

static void test_embedded_nul(void **state)
{
	const char text[] = "[vm \"a\"]\nmemory = 16M\nkernel = k\0junk\ncmdline = c\n"
			    "[vm \"b\"]\n" REQ;

	(void)state;
	assert_int_equal(parse_n(text, sizeof(text) - 1), 2);
	assert_string_equal(diag_buf,
			    "lucid.cfg:3: vm \"a\": binary data (a NUL byte); is this a text file?\n"
			    "lucid.cfg:1: vm \"a\": no kernel given\n");
	assert_false(vm("a")->valid);
	assert_string_equal(vm("a")->cmdline, "c");	/* the next line was read */
	assert_true(vm("b")->valid);
	/* before any section it is still a problem, but no VM's */
	assert_int_equal(parse_n("\0\n[vm \"a\"]\n" REQ, 2 + 9 + 24), 1);
	assert_string_equal(diag_buf,
			    "lucid.cfg:1: binary data (a NUL byte); is this a text file?\n");
	assert_true(cfg.vms[0].valid);
}

static void test_huge_line(void **state)
{
	size_t n = 9 + 5000 + 40;
	char *text = malloc(n), *p = text;
	char line[1100];

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "[vm \"a\"]\n");
	memset(p, 'x', 5000);
	p += 5000;
	p += sprintf(p, "\n" REQ "vcpus = 9\n");
	parse_n(text, (size_t)(p - text));
	assert_string_equal(diag_buf,
			    "lucid.cfg:2: vm \"a\": line too long (5000 characters, at most 1023)\n"
			    "lucid.cfg:5: vm \"a\": vcpus: \"9\" is out of range (1 to 8)\n");
	assert_int_equal(cfg.vms[0].memory, 16ull << 20);	/* the rest was read */

	/* exactly 1023 is fine, also with a CR after it; 1024 is not */
	memset(line, ' ', sizeof(line));
	memcpy(line, "# ", 2);
	snprintf(text, n, "%.1023s\r\n[vm \"a\"]\n" REQ, line);
	assert_int_equal(parse(text), 0);
	snprintf(text, n, "%.1024s\n[vm \"a\"]\n" REQ, line);
	expect(text, "lucid.cfg:1: line too long (1024 characters, at most 1023)\n");
	assert_true(cfg.vms[0].valid);		/* before the VM: not its problem */
	/* the last line, with no newline */
	snprintf(text, n, "[vm \"a\"]\n" REQ "%.1100s", line);
	expect(text, "lucid.cfg:4: vm \"a\": line too long (1100 characters, at most 1023)\n");
	free(text);
}

static void test_too_many_vms(void **state)
{
	enum { N = CONFIG_MAX_VMS };
	char text[(N + 2) * 64], want[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(N, 64);	/* the limit docs/config.md gives */
	for (int i = 0; i < N + 2; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[vm \"v%d\"]\n" REQ, i);
	/* three lines per VM: v<N> starts at line N * 3 + 1 */
	snprintf(want, sizeof(want),
		 "lucid.cfg:%d: too many VMs (at most %d): vm \"v%d\" is ignored\n"
		 "lucid.cfg:%d: too many VMs (at most %d): vm \"v%d\" is ignored\n",
		 N * 3 + 1, N, N, N * 3 + 4, N, N + 1);
	expect(text, want);
	assert_int_equal(cfg.nvms, N);
	for (int i = 0; i < N; i++)
		assert_true(cfg.vms[i].valid);
	snprintf(want, sizeof(want), "v%d", N - 1);
	assert_string_equal(cfg.vms[N - 1].name, want);
	/* N is fine */
	n = 0;
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[vm \"v%d\"]\n" REQ, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nvms, N);
}

static void test_empty(void **state)
{
	(void)state;
	expect("", "lucid.cfg: no [vm \"name\"] section\n");
	assert_int_equal(cfg.nvms, 0);
	expect("# only a comment\n\n", "lucid.cfg: no [vm \"name\"] section\n");
}

/* `lucid-cfg keys`: each key the parser knows, with the limits it checks
 * (docs/config.md's table states them; tree/docs-config-keys compares). */
static void test_keys(void **state)
{
	char what[160], text[64];
	const char *name;

	(void)state;
	for (u32 i = 0; (name = config_key(i, what, sizeof(what))); i++) {
		snprintf(text, sizeof(text), "[vm \"a\"]\n%s = x\n", name);
		parse(text);
		assert_null(strstr(diag_buf, "unknown key"));
		assert_true(what[0]);
	}
	assert_string_equal(config_key(0, what, sizeof(what)), "vcpus");
	assert_string_equal(what, "1 to 8");
	assert_string_equal(config_key(1, what, sizeof(what)), "cpus");
	assert_string_equal(what, "CPUs 0 to 63");
	assert_string_equal(config_key(3, what, sizeof(what)), "memory");
	assert_string_equal(what, "1M to 64G, a multiple of 4K");
	assert_string_equal(config_key(8, what, sizeof(what)), "format");
	assert_string_equal(what, "auto, multiboot1, multiboot2, linux or flat");
	config_key(8, what, 10);
	assert_string_equal(what, "auto, mul");
}

static void test_messages_show_user_text_safely(void **state)
{
	(void)state;
	/* long text is cut to 40 characters, control bytes become '?' */
	expect_mem("1234567890123456789012345678901234567890123456789X",
		   "\"1234567890123456789012345678901234567...\" is not a size (use e.g. 256M)");
	expect_mem("\x1b[31m", "\"?[31m\" is not a size (use e.g. 256M)");
}

static void test_diag_buffer_full(void **state)
{
	const char *text = "[vm \"a\"]\nvcpus = 0\nvcpus = 1\ncpus = x\n";
	/* each message is 50 to 60 bytes; 150 bytes hold two of them and the
	 * room kept for the tail line */
	char *small = malloc(150);
	const char *p;
	u32 lines = 0;

	(void)state;
	assert_non_null(small);
	config_diag_init(&diag, small, 150);
	assert_int_equal(config_parse("lucid.cfg", text, strlen(text), &cfg, &diag), 5);
	assert_int_equal(diag.count, 5);
	assert_true(diag.shown >= 1 && diag.shown < 5);
	assert_true(strlen(small) < 150);
	for (p = small; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, diag.shown + 1);
	assert_non_null(strstr(small, "lucid.cfg:2: vm \"a\": vcpus: \"0\" is out of range"));
	p = strstr(small, "... and ");
	assert_non_null(p);
	char tail[64];
	snprintf(tail, sizeof(tail), "... and %u more problem%s\n", 5 - diag.shown,
		 5 - diag.shown == 1 ? "" : "s");
	assert_string_equal(p, tail);

	/* one more parse into the same, full diag: counted, still in the tail */
	config_parse("lucid.cfg", text, strlen(text), &cfg, &diag);
	assert_int_equal(diag.count, 10);
	snprintf(tail, sizeof(tail), "... and %u more problems\n", 10 - diag.shown);
	assert_string_equal(strstr(small, "... and "), tail);
	free(small);

	/* too small for anything: the tail, cut short, and no overrun */
	small = malloc(10);
	assert_non_null(small);
	config_diag_init(&diag, small, 10);
	config_parse("lucid.cfg", text, strlen(text), &cfg, &diag);
	assert_int_equal(diag.shown, 0);
	assert_string_equal(small, "... and 5");
	free(small);

	/* no diag at all */
	assert_int_equal(config_parse("lucid.cfg", text, strlen(text), &cfg, NULL), 5);
	assert_false(cfg.vms[0].valid);
	config_diag_init(&diag, NULL, 0);
	assert_int_equal(config_parse("lucid.cfg", text, strlen(text), &cfg, &diag), 5);
	assert_int_equal(diag.count, 5);
}

static void test_diag_singular_tail(void **state)
{
	const char *text = "[vm \"a\"]\nvcpus = 0\n" REQ "autostart = x\n";
	char buf[2048];
	size_t first;

	(void)state;
	/* size the buffer to hold the first message and the tail room only */
	config_diag_init(&diag, buf, sizeof(buf));
	config_parse("f", text, strlen(text), &cfg, &diag);
	assert_int_equal(diag.count, 2);
	first = (size_t)(strchr(buf, '\n') + 1 - buf);
	config_diag_init(&diag, buf, first + 40);
	config_parse("f", text, strlen(text), &cfg, &diag);
	assert_int_equal(diag.shown, 1);
	assert_string_equal(buf + first, "... and 1 more problem\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_memory_errors),
		cmocka_unit_test(test_vcpus),
		cmocka_unit_test(test_cpus_list),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_cpus_dedicated_to_one_vm),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_cmdline_and_quoting),
		cmocka_unit_test(test_format_and_flat),
		cmocka_unit_test(test_yes_no_keys),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_duplicate_vm),
		cmocka_unit_test(test_section_headers),
		cmocka_unit_test(test_outside_any_section),
		cmocka_unit_test(test_required_keys),
		cmocka_unit_test(test_one_bad_vm_among_good),
		cmocka_unit_test(test_crlf_and_whitespace),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_too_many_vms),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_messages_show_user_text_safely),
		cmocka_unit_test(test_diag_buffer_full),
		cmocka_unit_test(test_diag_singular_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
