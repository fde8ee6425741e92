/* Unit tests for lib/string.c: lucid's memory and string routines, built
 * for the host as lucid_memcpy() etc. (see lib/string.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/string.h"

static void test_memcpy_copies_and_returns_dst(void **state)
{
	const char src[] = "abcdefgh";
	char dst[12] = "XXXXXXXXXXX";

	(void)state;
	assert_ptr_equal(memcpy(dst, src, 5), dst);
	assert_memory_equal(dst, "abcdeXXXXXX", 12);
	assert_ptr_equal(memcpy(dst, src, 0), dst);
	assert_memory_equal(dst, "abcdeXXXXXX", 12);
}

static void test_memmove_overlap_forward(void **state)
{
	char buf[] = "0123456789";

	(void)state;
	/* dst > src: must copy from the end */
	assert_ptr_equal(memmove(buf + 2, buf, 6), buf + 2);
	assert_string_equal(buf, "0101234589");
}

static void test_memmove_overlap_backward(void **state)
{
	char buf[] = "0123456789";

	(void)state;
	/* dst < src: must copy from the start */
	assert_ptr_equal(memmove(buf, buf + 3, 7), buf);
	assert_string_equal(buf, "3456789789");
}

static void test_memmove_same_and_empty(void **state)
{
	char buf[] = "hello";

	(void)state;
	memmove(buf, buf, 5);
	assert_string_equal(buf, "hello");
	memmove(buf + 1, buf, 0);
	assert_string_equal(buf, "hello");
}

static void test_memset_fills_low_byte(void **state)
{
	unsigned char buf[8] = { 0 };

	(void)state;
	assert_ptr_equal(memset(buf + 1, 0x1ab, 6), buf + 1);
	assert_int_equal(buf[0], 0);
	for (int i = 1; i < 7; i++)
		assert_int_equal(buf[i], 0xab);
	assert_int_equal(buf[7], 0);
}

/* Whole words from an odd address, and the bytes after them. */
static void test_memset_words_and_tail(void **state)
{
	unsigned char buf[40];

	(void)state;
	for (size_t n = 0; n <= 29; n++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)i;
		assert_ptr_equal(memset(buf + 3, 0x5c, n), buf + 3);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], i >= 3 && i < 3 + n ? 0x5c : i);
	}
}

static void test_memcmp_order_is_unsigned(void **state)
{
	const unsigned char a[] = { 1, 2, 0x80 };
	const unsigned char b[] = { 1, 2, 0x7f };

	(void)state;
	assert_int_equal(memcmp(a, a, 3), 0);
	assert_true(memcmp(a, b, 3) > 0);
	assert_true(memcmp(b, a, 3) < 0);
	assert_int_equal(memcmp(a, b, 2), 0);
	assert_int_equal(memcmp(a, b, 0), 0);
}

static void test_strlen_strnlen(void **state)
{
	(void)state;
	assert_int_equal(strlen(""), 0);
	assert_int_equal(strlen("lucid"), 5);
	assert_int_equal(strnlen("lucid", 3), 3);
	assert_int_equal(strnlen("lucid", 5), 5);
	assert_int_equal(strnlen("lucid", 99), 5);
	assert_int_equal(strnlen("lucid", 0), 0);
}

static void test_strcmp(void **state)
{
	(void)state;
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_int_equal(strcmp("", ""), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abd", "abc") > 0);
	assert_true(strcmp("ab", "abc") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	/* bytes compare as unsigned char */
	assert_true(strcmp("\x80", "\x7f") > 0);
}

static void test_strncmp(void **state)
{
	(void)state;
	assert_int_equal(strncmp("abcX", "abcY", 3), 0);
	assert_true(strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(strncmp("abc", "abc", 10), 0);
	assert_true(strncmp("ab", "abc", 10) < 0);
	assert_int_equal(strncmp("x", "y", 0), 0);
	assert_true(strncmp("\xff", "a", 1) > 0);
}

static void test_strlcpy_fits(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "lucid", sizeof(buf)), 5);
	assert_string_equal(buf, "lucid");
}

static void test_strlcpy_truncates_and_terminates(void **state)
{
	char buf[4];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "hypervisor", sizeof(buf)), 10);
	assert_string_equal(buf, "hyp");
	assert_int_equal(strlcpy(buf, "abcd", sizeof(buf)), 4);
	assert_string_equal(buf, "abc");
}

static void test_strlcpy_size_zero_writes_nothing(void **state)
{
	char buf[2] = { 'X', 'Y' };

	(void)state;
	assert_int_equal(strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Y');
}

/* str_to_u64 on exactly len bytes on the heap, so ASan sees any read past
 * them; returns the bytes used. */
static size_t to_u64(const char *s, size_t len, u64 *val, bool *overflow)
{
	char *buf = malloc(len ? len : 1);
	size_t used;

	assert_non_null(buf);
	memcpy(buf, s, len);
	used = str_to_u64(buf, len, val, overflow);
	free(buf);
	return used;
}

static void test_str_to_u64_decimal_and_hex(void **state)
{
	u64 v;
	bool of;

	(void)state;
	assert_int_equal(to_u64("0", 1, &v, &of), 1);
	assert_int_equal(v, 0);
	assert_false(of);
	assert_int_equal(to_u64("123abc", 6, &v, &of), 3);
	assert_int_equal(v, 123);
	assert_int_equal(to_u64("010", 3, &v, &of), 3);
	assert_int_equal(v, 10);		/* no octal */
	assert_int_equal(to_u64("0x1F", 4, &v, &of), 4);
	assert_int_equal(v, 0x1f);
	assert_int_equal(to_u64("0Xa0g", 5, &v, &of), 4);
	assert_int_equal(v, 0xa0);
	assert_int_equal(to_u64("12345", 3, &v, &of), 3);
	assert_int_equal(v, 123);
}

static void test_str_to_u64_no_number(void **state)
{
	u64 v = 7;
	bool of = true;

	(void)state;
	assert_int_equal(to_u64("", 0, &v, &of), 0);
	assert_int_equal(v, 0);
	assert_false(of);
	assert_int_equal(to_u64("abc", 3, &v, &of), 0);
	assert_int_equal(to_u64("-1", 2, &v, &of), 0);
	assert_int_equal(to_u64("+1", 2, &v, &of), 0);
	assert_int_equal(to_u64(" 1", 2, &v, &of), 0);
	/* "0x" without a hex digit is the number 0 followed by "x" */
	assert_int_equal(to_u64("0x", 2, &v, &of), 1);
	assert_int_equal(v, 0);
	assert_int_equal(to_u64("0xg", 3, &v, &of), 1);
	assert_int_equal(v, 0);
}

static void test_str_to_u64_overflow(void **state)
{
	u64 v;
	bool of;

	(void)state;
	assert_int_equal(to_u64("18446744073709551615", 20, &v, &of), 20);
	assert_false(of);
	assert_true(v == UINT64_MAX);
	assert_int_equal(to_u64("18446744073709551616", 20, &v, &of), 20);
	assert_true(of);
	assert_true(v == UINT64_MAX);
	assert_int_equal(to_u64("99999999999999999999999x", 24, &v, &of), 23);
	assert_true(of);
	assert_int_equal(to_u64("0xffffffffffffffff", 18, &v, &of), 18);
	assert_false(of);
	assert_true(v == UINT64_MAX);
	assert_int_equal(to_u64("0x10000000000000000", 19, &v, &of), 19);
	assert_true(of);
	assert_int_equal(to_u64("0x00000000000000000001", 22, &v, &of), 22);
	assert_false(of);
	assert_int_equal(v, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_copies_and_returns_dst),
		cmocka_unit_test(test_memmove_overlap_forward),
		cmocka_unit_test(test_memmove_overlap_backward),
		cmocka_unit_test(test_memmove_same_and_empty),
		cmocka_unit_test(test_memset_fills_low_byte),
		cmocka_unit_test(test_memset_words_and_tail),
		cmocka_unit_test(test_memcmp_order_is_unsigned),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp),
		cmocka_unit_test(test_strncmp),
		cmocka_unit_test(test_strlcpy_fits),
		cmocka_unit_test(test_strlcpy_truncates_and_terminates),
		cmocka_unit_test(test_strlcpy_size_zero_writes_nothing),
		cmocka_unit_test(test_str_to_u64_decimal_and_hex),
		cmocka_unit_test(test_str_to_u64_no_number),
		cmocka_unit_test(test_str_to_u64_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
