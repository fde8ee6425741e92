/* Host tests for decoding the instructions lucid completes after an exit
 * (hv/emul/insn_sys.c): lengths with and without prefixes, REX only in
 * 64-bit mode and only right before the opcode, the 15-byte limit, MOV to
 * CR's registers, and what is not one of them. Each decode runs on a heap
 * block of exactly the bytes given, so reading past them is an ASan
 * report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/emul/insn_sys.h"

#define M16 INSN_MODE_16
#define M32 INSN_MODE_32
#define M64 INSN_MODE_64
#define B(...) .b = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })
#define P12 0x2e, 0x3e, 0x26, 0x36, 0x2e, 0x3e, 0x26, 0x36, 0x2e, 0x3e, 0x26, 0x36

struct scase {
	const char *text;
	enum insn_mode mode;
	u8 b[INSN_MAX_LEN + 2];
	u8 n;
	int err;	/* 0: decodes, with len n */
	u32 opcode;
	u8 reg, gpr;	/* MOV to CR or DR */
};

static const struct scase cases[] = {
	{ "cpuid", M64, B(0x0f, 0xa2), 0, 0x0fa2 },
	{ "rdmsr", M32, B(0x0f, 0x32), 0, 0x0f32 },
	{ "wrmsr", M16, B(0x0f, 0x30), 0, 0x0f30 },
	{ "invd", M64, B(0x0f, 0x08), 0, 0x0f08 },
	{ "hlt", M32, B(0xf4), 0, 0xf4 },
	{ "vmmcall", M64, B(0x0f, 0x01, 0xd9), 0, 0x0f01d9 },
	{ "vmcall", M32, B(0x0f, 0x01, 0xc1), 0, 0x0f01c1 },
	{ "xsetbv", M64, B(0x0f, 0x01, 0xd1), 0, 0x0f01d1 },
	/* prefixes the CPU ignores count */
	{ "cs ds o16 rex cpuid", M64, B(0x2e, 0x3e, 0x66, 0x40, 0x0f, 0xa2), 0, 0x0fa2 },
	{ "ds es rex hlt", M64, B(0x3e, 0x26, 0x40, 0xf4), 0, 0xf4 },
	{ "cs ds rex.w vmmcall", M64, B(0x2e, 0x3e, 0x48, 0x0f, 0x01, 0xd9), 0, 0x0f01d9 },
	{ "a32 o16 wrmsr", M32, B(0x67, 0x66, 0x0f, 0x30), 0, 0x0f30 },
	{ "rex then a prefix: rex ignored", M64, B(0x41, 0x2e, 0x0f, 0x22, 0xe0), 0, 0x0f22, 4, 0 },
	{ "12 prefixes, rex, cpuid: 15 bytes", M64, B(P12, 0x40, 0x0f, 0xa2), 0, 0x0fa2 },
	/* MOV to CR */
	{ "mov cr4, rax", M64, B(0x0f, 0x22, 0xe0), 0, 0x0f22, 4, REG_RAX },
	{ "mov cr4, r9", M64, B(0x41, 0x0f, 0x22, 0xe1), 0, 0x0f22, 4, REG_R9 },
	{ "mov cr3, rdi", M64, B(0x0f, 0x22, 0xdf), 0, 0x0f22, 3, REG_RDI },
	{ "mov cr12 (rex.r), rax", M64, B(0x44, 0x0f, 0x22, 0xe0), 0, 0x0f22, 12, REG_RAX },
	{ "mov cr4, esp (mod ignored)", M32, B(0x0f, 0x22, 0x24), 0, 0x0f22, 4, REG_RSP },
	{ "lock mov cr0: cr8", M32, B(0xf0, 0x0f, 0x22, 0xc0), 0, 0x0f22, 8, REG_RAX },
	{ "cs mov cr4, rbx", M64, B(0x2e, 0x0f, 0x22, 0xe3), 0, 0x0f22, 4, REG_RBX },
	/* MOV to DR: LOCK names no other register */
	{ "mov dr7, rax", M64, B(0x0f, 0x23, 0xf8), 0, 0x0f23, 7, REG_RAX },
	{ "mov dr7, r10", M64, B(0x41, 0x0f, 0x23, 0xfa), 0, 0x0f23, 7, REG_R10 },
	{ "mov dr0, edx (mod ignored)", M32, B(0x0f, 0x23, 0x02), 0, 0x0f23, 0, REG_RDX },
	{ "mov dr15 (rex.r), rcx", M64, B(0x44, 0x0f, 0x23, 0xf9), 0, 0x0f23, 15, REG_RCX },
	{ "lock mov dr0, eax: dr0", M32, B(0xf0, 0x0f, 0x23, 0xc0), 0, 0x0f23, 0, REG_RAX },
	/* not one of them */
	{ "0x40 is inc eax in 32-bit mode", M32, B(0x40, 0x0f, 0xa2), INSN_EUNSUPPORTED, 0x40 },
	{ "ud2", M64, B(0x0f, 0x0b), INSN_EUNSUPPORTED, 0x0f0b },
	{ "vmrun", M64, B(0x0f, 0x01, 0xd8), INSN_EUNSUPPORTED, 0x0f01d8 },
	{ "mov rax, cr4", M64, B(0x0f, 0x20, 0xe0), INSN_EUNSUPPORTED, 0x0f20 },
	{ "mov rax, dr7", M64, B(0x0f, 0x21, 0xf8), INSN_EUNSUPPORTED, 0x0f21 },
	{ "nop", M64, B(0x90), INSN_EUNSUPPORTED, 0x90 },
	{ "13 prefixes, rex, cpuid: 16 bytes", M64, B(P12, 0x2e, 0x40, 0x0f, 0xa2),
	  INSN_ETOOLONG, 0x0f },
	{ "12 prefixes, rex, vmmcall: 16 bytes", M64, B(P12, 0x40, 0x0f, 0x01, 0xd9),
	  INSN_ETOOLONG, 0x0f01 },
	{ "15 prefixes", M64, B(P12, 0x2e, 0x3e, 0x26), INSN_ETOOLONG, 0 },
};

static int decode_exact(const u8 *b, size_t n, enum insn_mode mode, struct insn_sys *out)
{
	u8 *p = malloc(n + 1);
	int err;

	assert_non_null(p);
	memcpy(p + 1, b, n);	/* the block's end is the bytes' end */
	err = insn_sys_decode(p + 1, n, mode, out);
	free(p);
	return err;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct scase *c = &cases[i];
		struct insn_sys in;
		int err = decode_exact(c->b, c->n, c->mode, &in);

		if (err != c->err || in.opcode != c->opcode)
			fail_msg("%s: got %d opcode %#x, want %d opcode %#x", c->text, err,
				 in.opcode, c->err, c->opcode);
		if (!err && (in.len != c->n || in.reg != c->reg || in.gpr != c->gpr))
			fail_msg("%s: got len %u reg %u gpr %u, want %u %u %u", c->text, in.len,
				 in.reg, in.gpr, c->n, c->reg, c->gpr);
	}
}

/* Fewer bytes than a good instruction needs: more are asked for. */
static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct scase *c = &cases[i];

		for (u8 n = 0; !c->err && n < c->n; n++) {
			struct insn_sys in;
			int err = decode_exact(c->b, n, c->mode, &in);

			if (err != INSN_ETRUNC)
				fail_msg("%s: %u of %u bytes gave %d", c->text, n, c->n, err);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
