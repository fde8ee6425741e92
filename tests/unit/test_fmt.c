/* Unit tests for lib/fmt.c, lucid's vsnprintf. Every expected string is
 * written out by hand; where the format is standard C, the host libc's
 * output is also checked against it, which keeps the hand-written
 * expectations honest. */
#include <stdio.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/fmt.h"

/* fmt.h renamed lucid's functions to lucid_*; from here on the plain
 * names are libc's again. */
#undef snprintf
#undef vsnprintf

/* Formats with lucid and with libc, expects both to give `expect`. */
static void __attribute__((format(printf, 3, 4)))
check_std(int line, const char *expect, const char *fmt, ...)
{
	char got[128], ref[128];
	va_list ap, ap2;
	int n, m;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = lucid_vsnprintf(got, sizeof(got), fmt, ap);
	m = vsnprintf(ref, sizeof(ref), fmt, ap2);
	va_end(ap2);
	va_end(ap);
	if (strcmp(ref, expect))
		print_error("line %d: test expectation \"%s\" disagrees with libc \"%s\"\n",
			    line, expect, ref);
	assert_string_equal(ref, expect);
	if (strcmp(got, expect))
		print_error("line %d: format \"%s\"\n", line, fmt);
	assert_string_equal(got, expect);
	assert_int_equal(n, strlen(expect));
	assert_int_equal(m, n);
}

/* For lucid-specific behaviour: no libc comparison, no format checking. */
static void check_lucid(int line, const char *expect, const char *fmt, ...)
{
	char got[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lucid_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	if (strcmp(got, expect))
		print_error("line %d: format \"%s\"\n", line, fmt);
	assert_string_equal(got, expect);
	assert_int_equal(n, strlen(expect));
}

#define STD(expect, ...) check_std(__LINE__, expect, __VA_ARGS__)
#define LUCID(expect, ...) check_lucid(__LINE__, expect, __VA_ARGS__)
/* STD for flag combinations that are valid C but that gcc warns about as
 * redundant ("'0' flag ignored with '-' flag"). */
#define STD_REDUNDANT(expect, ...)					\
	do {								\
		_Pragma("GCC diagnostic push")				\
		_Pragma("GCC diagnostic ignored \"-Wformat\"")	\
		STD(expect, __VA_ARGS__);				\
		_Pragma("GCC diagnostic pop")				\
	} while (0)

static void test_plain_text_and_percent(void **state)
{
	(void)state;
	STD("", "%s", "");
	STD("hello, world", "hello, world");
	STD("100%", "100%%");
	STD("%%", "%%%%");
}

static void test_signed_decimal(void **state)
{
	(void)state;
	STD("0", "%d", 0);
	STD("42", "%d", 42);
	STD("-42", "%i", -42);
	STD("2147483647", "%d", INT_MAX);
	STD("-2147483648", "%d", INT_MIN);
	STD("-9223372036854775808", "%ld", LONG_MIN);
	STD("9223372036854775807", "%lld", LLONG_MAX);
	STD("-5", "%jd", (intmax_t)-5);
	STD("-6", "%td", (ptrdiff_t)-6);
}

static void test_unsigned_bases(void **state)
{
	(void)state;
	STD("4294967295", "%u", UINT_MAX);
	STD("18446744073709551615", "%llu", ULLONG_MAX);
	STD("123", "%zu", (size_t)123);
	STD("deadbeef", "%x", 0xdeadbeefu);
	STD("DEADBEEF", "%X", 0xdeadbeefu);
	STD("ffffffffffffffff", "%lx", ULONG_MAX);
	STD("10", "%o", 8);
	STD("1777777777777777777777", "%llo", ULLONG_MAX);
	STD("0", "%x", 0);
}

static void test_length_modifiers_truncate(void **state)
{
	(void)state;
	STD("-1", "%hhd", 255);
	STD("ff", "%hhx", 0x1ff);
	STD("4464", "%hu", 70000);
	STD("-32768", "%hd", 32768);
}

static void test_flags(void **state)
{
	(void)state;
	STD("   42", "%5d", 42);
	STD("42   |", "%-5d|", 42);
	STD("-0042", "%05d", -42);
	STD_REDUNDANT("7    |", "%-05d|", 7);
	STD("+42", "%+d", 42);
	STD("-42", "%+d", -42);
	STD(" 42", "% d", 42);
	STD_REDUNDANT("+42", "%+ d", 42);
	STD("0xff", "%#x", 255);
	STD("0XFF", "%#X", 255);
	STD("0", "%#x", 0);
	STD("010", "%#o", 8);
	STD("0", "%#o", 0);
	STD("0x0000ff", "%#08x", 255);
	STD("  0xff", "%#6x", 255);
}

static void test_precision(void **state)
{
	(void)state;
	STD("007", "%.3d", 7);
	STD("    -007", "%8.3d", -7);
	STD_REDUNDANT("     007", "%08.3d", 7); /* precision disables the 0 flag */
	STD("", "%.0d", 0);
	STD("     |", "%5.0d|", 0);
	STD("010", "%#.3o", 8);
	STD("0x000ff", "%#.5x", 255);
	STD("lu", "%.2s", "lucid");
	STD("lucid", "%.9s", "lucid");
}

static void test_star_width_and_precision(void **state)
{
	(void)state;
	STD("   7", "%*d", 4, 7);
	STD("7   |", "%*d|", -4, 7);
	STD("luc", "%.*s", 3, "lucid");
	STD("7", "%.*d", -1, 7);
	STD("ab    |", "%-*s|", 6, "ab");
	STD("  007", "%*.*d", 5, 3, 7);
}

static void test_strings_and_chars(void **state)
{
	const char *null = NULL;

	(void)state;
	STD("lucid", "%s", "lucid");
	STD("     lucid", "%10s", "lucid");
	STD("lucid     |", "%-10s|", "lucid");
	STD("x", "%c", 'x');
	STD("  x", "%3c", 'x');
	STD("x  |", "%-3c|", 'x');
	STD("a-b-c", "%c-%s-%c", 'a', "b", 'c');
	LUCID("(null)", "%s", null);
}

static void test_pointer(void **state)
{
	(void)state;
	STD("0x1234", "%p", (void *)0x1234);
	STD("0xffff800000001000", "%p", (void *)0xffff800000001000ull);
	STD("    0x10", "%8p", (void *)0x10);
}

static void test_unknown_conversion_printed_literally(void **state)
{
	(void)state;
	LUCID("%y", "%y");
	/* an unknown conversion consumes no argument */
	LUCID("%y 5", "%y %d", 5);
	LUCID("[%-5k]", "[%-5k]");
	LUCID("abc%", "abc%");
}

static void test_truncation(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(lucid_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(lucid_snprintf(buf, sizeof(buf), "%d", -1234567), 8);
	assert_string_equal(buf, "-123456");

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(lucid_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');
}

static void test_size_zero_writes_nothing(void **state)
{
	char buf[4] = { 'X', 'X', 'X', 'X' };

	(void)state;
	assert_int_equal(lucid_snprintf(buf, 0, "%s", "lucid"), 5);
	assert_int_equal(lucid_snprintf(NULL, 0, "%08x", 1u), 8);
	assert_memory_equal(buf, "XXXX", 4);
}

static void test_exact_fit(void **state)
{
	char buf[6];

	(void)state;
	assert_int_equal(lucid_snprintf(buf, sizeof(buf), "%s", "lucid"), 5);
	assert_string_equal(buf, "lucid");
	assert_int_equal(lucid_snprintf(buf, sizeof(buf), "%s", "lucid!"), 6);
	assert_string_equal(buf, "lucid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_and_percent),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_bases),
		cmocka_unit_test(test_length_modifiers_truncate),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_star_width_and_precision),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversion_printed_literally),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_size_zero_writes_nothing),
		cmocka_unit_test(test_exact_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
