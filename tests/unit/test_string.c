/* Unit tests for lib/string.c: lucid's memory and string routines, built
 * for the host as lucid_memcpy() etc. (see lib/string.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_copies_and_returns_dst),
		cmocka_unit_test(test_memmove_overlap_forward),
		cmocka_unit_test(test_memmove_overlap_backward),
		cmocka_unit_test(test_memmove_same_and_empty),
		cmocka_unit_test(test_memset_fills_low_byte),
		cmocka_unit_test(test_memcmp_order_is_unsigned),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp),
		cmocka_unit_test(test_strncmp),
		cmocka_unit_test(test_strlcpy_fits),
		cmocka_unit_test(test_strlcpy_truncates_and_terminates),
		cmocka_unit_test(test_strlcpy_size_zero_writes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
