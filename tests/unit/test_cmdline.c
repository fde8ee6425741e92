/* Host tests for lucid's command line lookup (hv/config/cmdline.c). The command
 * line and the value buffer are heap blocks of exactly their size, so a
 * read past the NUL or a write past the buffer is an ASan report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/config/cmdline.h"

#define UNTOUCHED "untouched"

static char *line;	/* the command line under test */
static char *val;	/* the value buffer, val_len bytes */
static size_t val_len;

static int teardown(void **state)
{
	(void)state;
	free(line);
	free(val);
	line = val = NULL;
	return 0;
}

/* Looks key up in s with a value buffer of exactly len bytes, prefilled
 * with as much of UNTOUCHED as fits. */
static bool get_n(const char *s, const char *key, size_t len)
{
	free(line);
	free(val);
	line = strdup(s);
	assert_non_null(line);
	val_len = len;
	val = malloc(len ? len : 1);
	assert_non_null(val);
	if (len) {
		strncpy(val, UNTOUCHED, len - 1);
		val[len - 1] = '\0';
	}
	return cmdline_get(line, key, val, len);
}

static bool get(const char *s, const char *key)
{
	return get_n(s, key, 64);
}

/* key must be found with exactly this value. */
static void expect_found(const char *s, const char *key, const char *value)
{
	if (!get(s, key))
		fail_msg("'%s' not found in \"%s\"", key, s);
	assert_string_equal(val, value);
}

static void expect_missing(const char *s, const char *key)
{
	if (get(s, key))
		fail_msg("'%s' found in \"%s\", value \"%s\"", key, s, val);
	assert_string_equal(val, UNTOUCHED);	/* not written */
}

static void test_key_value(void **state)
{
	const char *s = "console=com1 lucid.selftest=smp mem=512M";

	(void)state;
	expect_found(s, "console", "com1");
	expect_found(s, "lucid.selftest", "smp");
	expect_found(s, "mem", "512M");
	expect_found("only=one", "only", "one");
}

static void test_bare_flag_and_empty_value(void **state)
{
	(void)state;
	expect_found("quiet debug", "quiet", "");
	expect_found("quiet debug", "debug", "");
	expect_found("console= quiet", "console", "");
	expect_found("a=1 flag", "flag", "");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_missing("console=com1 quiet", "debug");
	expect_missing("console=com1 quiet", "com1");		/* a value, not a key */
	expect_missing("x=console", "console");
	expect_missing("Console=com1", "console");		/* case matters */
}

/* A key is the whole word before '=', never a prefix of it. */
static void test_prefixes_do_not_match(void **state)
{
	(void)state;
	expect_missing("lucid.selftest=smp", "lucid");
	expect_missing("lucid.selftest=smp", "lucid.self");
	expect_missing("lucidity", "lucid");
	expect_missing("lucid=1", "lucid.selftest");
	expect_missing("luc", "lucid");
	expect_found("lucidity=1 lucid=2", "lucid", "2");
	expect_found("lucid.selftest=smp lucid=2", "lucid", "2");
}

static void test_first_occurrence_wins(void **state)
{
	(void)state;
	expect_found("a=1 a=2", "a", "1");
	expect_found("a a=2", "a", "");
	expect_found("a=1 a", "a", "1");
}

static void test_value_with_equals(void **state)
{
	(void)state;
	expect_found("root=UUID=1234-abcd ro", "root", "UUID=1234-abcd");
	expect_found("k==", "k", "=");
}

static void test_extra_spaces(void **state)
{
	const char *s = "   a=1     b=2   flag   ";

	(void)state;
	expect_found(s, "a", "1");
	expect_found(s, "b", "2");
	expect_found(s, "flag", "");
	expect_missing(s, "c");
}

/* Words are separated by spaces only, and quotes have no meaning: a
 * quoted value with a space in it is two words. */
static void test_no_quoting_no_tabs(void **state)
{
	(void)state;
	expect_found("name=\"a b\" x=1", "name", "\"a");
	expect_found("name=\"a b\" x=1", "b\"", "");
	expect_found("name=\"a b\" x=1", "x", "1");
	expect_found("a=1\tb=2", "a", "1\tb=2");
	expect_missing("a=1\tb=2", "b");
	expect_found("a=1\nb=2", "a", "1\nb=2");
}

static void test_empty_input(void **state)
{
	(void)state;
	expect_missing("", "console");
	expect_missing("     ", "console");
	expect_missing("=", "console");
	expect_missing("=value", "console");
}

static void test_value_truncated(void **state)
{
	(void)state;
	/* a 4-byte buffer: three characters and the NUL */
	assert_true(get_n("key=abcdefgh", "key", 4));
	assert_string_equal(val, "abc");
	assert_true(get_n("key=abc", "key", 4));
	assert_string_equal(val, "abc");
	assert_true(get_n("key=abcdefgh", "key", 1));
	assert_string_equal(val, "");
	/* length 0: only the answer, nothing written */
	assert_true(get_n("key=abcdefgh", "key", 0));
	assert_false(get_n("key=abcdefgh", "other", 0));
}

static void test_long_input(void **state)
{
	const size_t n = 10000;
	char *s = malloc(n + 1), *p = s;

	(void)state;
	assert_non_null(s);
	/* many short words, then a long value, then the key sought */
	for (int i = 0; i < 500; i++)
		p += sprintf(p, "w%d=x ", i);
	p += sprintf(p, "big=");
	memset(p, 'v', 5000);
	p += 5000;
	p += sprintf(p, " last=here");
	assert_true((size_t)(p - s) <= n);

	expect_found(s, "last", "here");
	expect_found(s, "w499", "x");
	assert_true(get_n(s, "big", 32));
	assert_int_equal(strlen(val), 31);
	assert_int_equal(strspn(val, "v"), 31);
	expect_missing(s, "w500");
	free(s);
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_value),
		T(test_bare_flag_and_empty_value),
		T(test_unknown_key),
		T(test_prefixes_do_not_match),
		T(test_first_occurrence_wins),
		T(test_value_with_equals),
		T(test_extra_spaces),
		T(test_no_quoting_no_tabs),
		T(test_empty_input),
		T(test_value_truncated),
		T(test_long_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
