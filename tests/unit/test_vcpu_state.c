/* The entry states a loader's guest_entry turns into (hv/core/vcpu_state.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "hv/core/vcpu_state.h"

static void assert_seg(const struct guest_seg *s, u16 sel, u64 base, u32 limit, u16 attr)
{
	assert_int_equal(s->sel, sel);
	assert_int_equal(s->base, base);
	assert_int_equal(s->limit, limit);
	assert_int_equal(s->attr, attr);
}

static void real_mode_entry(void **state)
{
	struct guest_entry e = { .mode = GUEST_REAL, .ip = 0x12345, .eax = 1, .ebx = 2 };
	struct vcpu_state st;

	(void)state;
	vcpu_state_from_entry(&st, &e);
	/* CS:IP = 0x1000:0x2345 reaches linear 0x12345. */
	assert_seg(&st.seg[SEG_CS], 0x1000, 0x10000, 0xffff, 0x9b);
	assert_int_equal(st.rip, 0x2345);
	assert_int_equal(st.seg[SEG_CS].base + st.rip, e.ip);
	for (int i = 0; i < NR_SEGS; i++)
		if (i != SEG_CS)
			assert_seg(&st.seg[i], 0, 0, 0xffff, 0x93);
	assert_int_equal(st.cr0 & 1, 0);		/* PE clear */
	assert_int_equal(st.efer, 0);
	assert_int_equal(st.rflags, 0x2);
	assert_int_equal(st.gpr[REG_RAX], 1);
	assert_int_equal(st.gpr[REG_RBX], 2);
}

static void protected_mode_entry(void **state)
{
	struct guest_entry e = { .mode = GUEST_PROTECTED, .ip = 0x100040,
				 .eax = 0x2badb002, .ebx = 0x9000, .sp = 0x7000 };
	struct vcpu_state st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));	/* nothing stale survives */
	vcpu_state_from_entry(&st, &e);
	assert_seg(&st.seg[SEG_CS], 0x08, 0, 0xffffffff,
		   0x9b | SEG_ATTR_DB | SEG_ATTR_G);
	for (int i = 0; i < NR_SEGS; i++)
		if (i != SEG_CS)
			assert_seg(&st.seg[i], 0x10, 0, 0xffffffff,
				   0x93 | SEG_ATTR_DB | SEG_ATTR_G);
	assert_int_equal(st.rip, 0x100040);
	assert_int_equal(st.cr0 & 1, 1);		/* PE */
	assert_int_equal(st.cr0 & (1ull << 31), 0);	/* paging off */
	assert_int_equal(st.cr3, 0);
	assert_int_equal(st.cr4, 0);
	assert_int_equal(st.efer, 0);
	assert_int_equal(st.gpr[REG_RAX], 0x2badb002);
	assert_int_equal(st.gpr[REG_RBX], 0x9000);
	assert_int_equal(st.gpr[REG_RSP], 0x7000);
	for (int r = 0; r < NR_GPRS; r++)
		if (r != REG_RAX && r != REG_RBX && r != REG_RSP)
			assert_int_equal(st.gpr[r], 0);
	assert_seg(&st.ldtr, 0, 0, 0xffff, 0x82);
	assert_seg(&st.tr, 0, 0, 0xffff, 0x8b);
	assert_int_equal(st.gdtr.limit, 0xffff);
	assert_int_equal(st.idtr.limit, 0xffff);
}

/* Linux's 64-bit entry (boot.rst, "64-bit Boot Protocol"): long mode on
 * the loader's GDT and page tables. The values are those
 * test_vmx_guest_check.c's linux64() and test_svm_guest_check.c's
 * linux64() run through the entry checks. */
static void long_mode_entry(void **state)
{
	struct guest_entry e = { .mode = GUEST_LONG, .ip = 0x1000200, .rsi = 0x2000,
				 .cr3 = 0x4000, .gdt = 0x1000, .gdt_limit = 0x1f };
	struct vcpu_state st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	vcpu_state_from_entry(&st, &e);
	/* __BOOT_CS: 64-bit code (L, not D/B), G, P, S, execute/read, accessed. */
	assert_seg(&st.seg[SEG_CS], 0x10, 0, 0xffffffff, 0xa9b);
	/* __BOOT_DS in DS, ES, SS (and FS, GS): flat read/write data. */
	for (int i = 0; i < NR_SEGS; i++)
		if (i != SEG_CS)
			assert_seg(&st.seg[i], 0x18, 0, 0xffffffff, 0xc93);
	assert_int_equal(st.rip, 0x1000200);
	assert_int_equal(st.cr0, 0x80000031);		/* PG NE ET PE */
	assert_int_equal(st.cr3, 0x4000);
	assert_int_equal(st.cr4, 0x20);			/* PAE */
	assert_int_equal(st.efer, 0x500);		/* LMA LME */
	assert_int_equal(st.rflags, 0x2);		/* IF = 0 */
	assert_int_equal(st.gpr[REG_RSI], 0x2000);
	for (int r = 0; r < NR_GPRS; r++)
		if (r != REG_RSI)
			assert_int_equal(st.gpr[r], 0);
	assert_int_equal(st.gdtr.base, 0x1000);
	assert_int_equal(st.gdtr.limit, 0x1f);
	assert_int_equal(st.idtr.base, 0);
	assert_int_equal(st.idtr.limit, 0);	/* a fault shuts down, not through 0 */
	/* A usable LDT and a busy TSS: type 0xb is the 64-bit busy TSS in
	 * long mode, which VM entry insists on. */
	assert_seg(&st.ldtr, 0, 0, 0xffff, 0x82);
	assert_seg(&st.tr, 0, 0, 0xffff, 0x8b);
}

/* An application processor's start-up: CS = vector << 8, IP = 0, the
 * rest as after RESET. */
static void sipi_state(void **state)
{
	struct vcpu_state st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	vcpu_state_sipi(&st, 0x9f);
	assert_seg(&st.seg[SEG_CS], 0x9f00, 0x9f000, 0xffff, 0x9b);
	assert_int_equal(st.rip, 0);
	for (int i = 0; i < NR_SEGS; i++)
		if (i != SEG_CS)
			assert_seg(&st.seg[i], 0, 0, 0xffff, 0x93);
	assert_int_equal(st.cr0, 0x10);			/* ET */
	assert_int_equal(st.cr3 | st.cr4 | st.efer, 0);
	assert_int_equal(st.rflags, 0x2);
	for (int r = 0; r < NR_GPRS; r++)
		assert_int_equal(st.gpr[r], 0);
	assert_int_equal(st.gdtr.limit, 0xffff);
	assert_int_equal(st.idtr.base, 0);
	assert_int_equal(st.idtr.limit, 0xffff);
	assert_seg(&st.ldtr, 0, 0, 0xffff, 0x82);
	assert_seg(&st.tr, 0, 0, 0xffff, 0x8b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_mode_entry),
		cmocka_unit_test(protected_mode_entry),
		cmocka_unit_test(long_mode_entry),
		cmocka_unit_test(sipi_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
