/* Host tests for the guest-state checker (arch/x86/vmx/vmx_guest_check.c),
 * over a fake VMCS: a table of fields and values that fails the test when
 * the checker reads a field it does not hold. Four guests that VM entry
 * takes: a 64-bit long-mode kernel; a real-mode guest under unrestricted
 * guest as lucid's reset leaves it (vcpu_state.c's real-mode entry, with
 * the access rights and fixed bits vmx.c's vmx_vcpu_reset writes); a
 * virtual-8086 task; a 32-bit PAE guest. Each test breaks one rule of one
 * of them and looks for the field and the rule in the line.
 *
 * A fifth, linux64(), is the Linux boot protocol's 64-bit entry as
 * vcpu_state.c builds it and vmx_vcpu_reset writes it.
 *
 * Field encodings, bit positions and values are spelled out from the SDM
 * (vol. 3C chapter 25, 27.3.1 and appendix B), not taken from lucid's
 * headers, so that a wrong constant there shows here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_guest_check.h"

#define BIT(n) (1ull << (n))

/* VMCS field encodings (SDM appendix B). Segments in the order ES, CS,
 * SS, DS, FS, GS, LDTR, TR, two apart. */
enum { ES, CS, SS, DS, FS, GS, LDTR, TR };
#define F_SEL(i)          (0x0800u + 2 * (i))
#define F_LIMIT(i)        (0x4800u + 2 * (i))
#define F_AR(i)           (0x4814u + 2 * (i))
#define F_BASE(i)         (0x6806u + 2 * (i))
#define F_PDPTE(i)        (0x280au + 2 * (i))
#define F_LINK            0x2800u
#define F_DEBUGCTL        0x2802u
#define F_PAT             0x2804u
#define F_EFER            0x2806u
#define F_PIN             0x4000u
#define F_PROC            0x4002u
#define F_ENTRY           0x4012u
#define F_ENTRY_INTR      0x4016u
#define F_PROC2           0x401eu
#define F_GDTR_LIMIT      0x4810u
#define F_IDTR_LIMIT      0x4812u
#define F_INTERRUPTIBILITY 0x4824u
#define F_ACTIVITY        0x4826u
#define F_SYSENTER_CS     0x482au
#define F_CR0             0x6800u
#define F_CR3             0x6802u
#define F_CR4             0x6804u
#define F_GDTR_BASE       0x6816u
#define F_IDTR_BASE       0x6818u
#define F_DR7             0x681au
#define F_RSP             0x681cu
#define F_RIP             0x681eu
#define F_RFLAGS          0x6820u
#define F_PENDING_DBG     0x6822u
#define F_SYSENTER_ESP    0x6824u
#define F_SYSENTER_EIP    0x6826u

/* Controls (SDM 25.6, 25.8) */
#define PROC_SECONDARY    BIT(31)
#define PROC2_EPT         BIT(1)
#define PROC2_UNRESTRICTED BIT(7)
#define PIN_VIRTUAL_NMIS  BIT(5)
#define ENTRY_LOAD_DEBUG  BIT(2)
#define ENTRY_IA32E       BIT(9)
#define ENTRY_LOAD_PAT    BIT(14)
#define ENTRY_LOAD_EFER   BIT(15)
/* VM-entry interruption information: valid, type in bits 10:8, vector */
#define INJECT(type, vector) (BIT(31) | (type) << 8 | (vector))

/* A Skylake's IA32_VMX_CR0/CR4_FIXED0/1 (as in test_vmx_caps.c): CR0 PE,
 * NE, PG must be 1; CR4 VMXE must be 1, and LA57, PKE may not be. */
static const struct vmx_fixed skl_cr0 = { 0x80000021, 0xffffffff };
static const struct vmx_fixed skl_cr4 = { 0x2000, 0x3727ff };

/* --- the fake VMCS -------------------------------------------------------------- */

#define MAX_FIELDS 96
static struct {
	u32 field[MAX_FIELDS];
	u64 value[MAX_FIELDS];
	size_t n;
} vmcs;

static u64 fake_read(void *ctx, u32 field)
{
	(void)ctx;
	for (size_t i = 0; i < vmcs.n; i++)
		if (vmcs.field[i] == field)
			return vmcs.value[i];
	fail_msg("the checker read field 0x%x, which no test guest has", field);
	return 0;
}

static void set(u32 field, u64 value)
{
	for (size_t i = 0; i < vmcs.n; i++)
		if (vmcs.field[i] == field) {
			vmcs.value[i] = value;
			return;
		}
	assert_true(vmcs.n < MAX_FIELDS);
	vmcs.field[vmcs.n] = field;
	vmcs.value[vmcs.n++] = value;
}

static u64 get(u32 field)
{
	return fake_read(NULL, field);
}

/* common() sets the rest: a Skylake's fixed bits, MAXPHYADDR 39, 48-bit
 * linear addresses */
static struct vmx_guest_env env = { .read = fake_read };

static void seg(int i, u16 sel, u64 base, u32 limit, u32 ar)
{
	set(F_SEL(i), sel);
	set(F_BASE(i), base);
	set(F_LIMIT(i), limit);
	set(F_AR(i), ar);
}

/* What every guest here has alike: lucid's controls (EPT, unrestricted
 * guest; load debug controls, IA32_PAT, IA32_EFER), no event, active,
 * nothing pending, no shadow VMCS. */
static void common(void)
{
	memset(&vmcs, 0, sizeof(vmcs));
	env.cr0 = skl_cr0;
	env.cr4 = skl_cr4;
	env.phys_bits = 39;
	env.linear_bits = 48;
	set(F_PIN, 0x16 | BIT(0) | BIT(3) | PIN_VIRTUAL_NMIS);
	set(F_PROC, PROC_SECONDARY | BIT(7) | BIT(25) | BIT(28));
	set(F_PROC2, PROC2_EPT | PROC2_UNRESTRICTED | BIT(5));
	set(F_ENTRY, 0x11fb | ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER);
	set(F_ENTRY_INTR, 0);
	set(F_DR7, 0x400);
	set(F_DEBUGCTL, 0);
	set(F_PAT, 0x0007040600070406);
	set(F_SYSENTER_CS, 0);
	set(F_SYSENTER_ESP, 0);
	set(F_SYSENTER_EIP, 0);
	set(F_INTERRUPTIBILITY, 0);
	set(F_ACTIVITY, 0);
	set(F_PENDING_DBG, 0);
	set(F_LINK, ~0ull);
	set(F_RSP, 0);
	for (int i = 0; i < 4; i++)
		set(F_PDPTE(i), 0);
}

/* A 64-bit kernel: paging, PAE, long mode; a flat 64-bit code segment
 * (0xa09b: G, L, P, S, code read accessed), flat data (0xc093: G, D/B, P,
 * S, data write accessed), no LDT, a 64-bit busy TSS (0x8b). */
static void long64(void)
{
	common();
	set(F_ENTRY, get(F_ENTRY) | ENTRY_IA32E);
	set(F_CR0, 0x80050033);	/* PG AM WP NE ET MP PE */
	set(F_CR3, 0x1000);
	set(F_CR4, 0x20a0);	/* VMXE PGE PAE */
	set(F_EFER, 0xd01);	/* NXE LMA LME SCE */
	seg(CS, 0x08, 0, 0xffffffff, 0xa09b);
	seg(SS, 0x10, 0, 0xffffffff, 0xc093);
	seg(DS, 0x10, 0, 0xffffffff, 0xc093);
	seg(ES, 0x10, 0, 0xffffffff, 0xc093);
	seg(FS, 0, 0x00007f0000001000, 0, BIT(16));
	seg(GS, 0, 0xffff888000000000, 0, BIT(16));
	seg(LDTR, 0, 0, 0, BIT(16));
	seg(TR, 0x18, 0xfffffe0000001000, 0x67, 0x8b);
	set(F_GDTR_BASE, 0xfffffe0000000000);
	set(F_GDTR_LIMIT, 0x7f);
	set(F_IDTR_BASE, 0xfffffe0000002000);
	set(F_IDTR_LIMIT, 0xfff);
	set(F_RIP, 0xffffffff81000000);
	set(F_RSP, 0xffffc90000000000);
	set(F_RFLAGS, 0x202);
}

/* lucid's reset into real mode: CR0 is ET and the fixed NE (PE and PG
 * free under unrestricted guest), CS 0xf000 (0x9b: P, S, code read
 * accessed), data 0x93, a usable LDT (0x82), a 16-bit-limit busy TSS. */
static void realmode(void)
{
	common();
	set(F_CR0, 0x30);
	set(F_CR3, 0);
	set(F_CR4, 0x2000);
	set(F_EFER, 0);
	seg(CS, 0xf000, 0xf0000, 0xffff, 0x9b);
	for (int i = ES; i <= GS; i++)
		if (i != CS)
			seg(i, 0, 0, 0xffff, 0x93);
	seg(LDTR, 0, 0, 0xffff, 0x82);
	seg(TR, 0, 0, 0xffff, 0x8b);
	set(F_GDTR_BASE, 0);
	set(F_GDTR_LIMIT, 0xffff);
	set(F_IDTR_BASE, 0);
	set(F_IDTR_LIMIT, 0xffff);
	set(F_RIP, 0xfff0);
	set(F_RFLAGS, 0x2);
}

/* A virtual-8086 task: protected mode, RFLAGS.VM, every segment at its
 * selector * 16 with limit 0xffff and access rights 0xf3. */
static void v86(void)
{
	realmode();
	set(F_CR0, 0x31);
	for (int i = ES; i <= GS; i++)
		seg(i, 0x1000 + 0x100 * i, (0x1000 + 0x100 * i) << 4, 0xffff, 0xf3);
	set(F_RFLAGS, BIT(17) | BIT(9) | 0x2);
}

/* A 32-bit kernel with PAE paging: its PDPTEs are VMCS fields with EPT. */
static void pae32(void)
{
	realmode();
	set(F_CR0, 0x80000031);
	set(F_CR4, 0x2020);
	seg(CS, 0x08, 0, 0xffffffff, 0xc09b);
	for (int i = ES; i <= GS; i++)
		if (i != CS)
			seg(i, 0x10, 0, 0xffffffff, 0xc093);
	set(F_RIP, 0xc0100000);
	set(F_PDPTE(0), 0x1001);
	set(F_PDPTE(1), 0x2001);
	set(F_PDPTE(2), 0x3001);
	set(F_PDPTE(3), 0x4001 | BIT(3) | BIT(4));	/* PWT, PCD */
}

/* Linux's 64-bit entry as lucid's reset leaves it (test_vcpu_state.c's
 * long_mode_entry): the reset's LDT and TSS, with CR0 PG NE ET PE, CR4
 * PAE and the fixed VMXE, EFER LMA LME; CS 0x10 (0xa09b), data 0x18
 * (0xc093) in every other register, the loader's GDT at 0x1000, no IDT,
 * IF clear. */
static void linux64(void)
{
	realmode();
	set(F_ENTRY, get(F_ENTRY) | ENTRY_IA32E);
	set(F_CR0, 0x80000031);
	set(F_CR3, 0x4000);
	set(F_CR4, 0x2020);
	set(F_EFER, 0x500);
	seg(CS, 0x10, 0, 0xffffffff, 0xa09b);
	for (int i = ES; i <= GS; i++)
		if (i != CS)
			seg(i, 0x18, 0, 0xffffffff, 0xc093);
	set(F_GDTR_BASE, 0x1000);
	set(F_GDTR_LIMIT, 0x1f);
	set(F_IDTR_LIMIT, 0);
	set(F_RIP, 0x1000200);
}

/* lucid without unrestricted guest, as older CPUs would need */
static void restricted(void)
{
	set(F_PROC2, get(F_PROC2) & ~PROC2_UNRESTRICTED);
}

static void assert_passes(void)
{
	char buf[160];

	memset(buf, 'x', sizeof(buf));
	if (vmx_guest_check(&env, buf, sizeof(buf)))
		fail_msg("a valid guest fails: %s", buf);
	assert_string_equal(buf, "");
}

static void assert_fails(const char *want)
{
	char buf[160];

	if (!vmx_guest_check(&env, buf, sizeof(buf)))
		fail_msg("passes, expected \"%s\"", want);
	if (!strstr(buf, want))
		fail_msg("expected \"%s\" in \"%s\"", want, buf);
}

/* --- the guests VM entry takes -------------------------------------------------- */

static void valid_guests_pass(void **state)
{
	(void)state;
	long64();
	assert_passes();
	realmode();
	assert_passes();
	v86();
	assert_passes();
	pae32();
	assert_passes();
	linux64();
	assert_passes();
	/* ...which needs the IA-32e mode entry control set from EFER.LMA. */
	set(F_ENTRY, get(F_ENTRY) & ~ENTRY_IA32E);
	assert_fails("IA-32e");
	/* A 64-bit user process: CPL 3 in CS and SS alike. */
	long64();
	seg(CS, 0x33, 0, 0xffffffff, 0xa0fb);
	seg(SS, 0x2b, 0, 0xffffffff, 0xc0f3);
	assert_passes();
	/* real mode with its segments unusable */
	realmode();
	for (int i = ES; i <= GS; i++)
		if (i != CS)
			set(F_AR(i), BIT(16));
	set(F_AR(LDTR), BIT(16));
	assert_passes();
}

static void message_is_one_line_in_the_buffer(void **state)
{
	char buf[48], tiny[1] = { 'x' };

	(void)state;
	long64();
	set(F_RFLAGS, 0x200);
	assert_true(vmx_guest_check(&env, buf, sizeof(buf)));
	assert_string_equal(buf, "guest RFLAGS 0x200: bit 1 must be 1");
	/* cut short, terminated */
	set(F_LINK, 0);
	set(F_RFLAGS, 0x202);
	assert_true(vmx_guest_check(&env, buf, 20));
	assert_string_equal(buf, "guest VMCS link poi");
	assert_true(vmx_guest_check(&env, tiny, sizeof(tiny)));
	assert_int_equal(tiny[0], '\0');
}

/* --- 27.3.1.1 control registers, debug registers, MSRs -------------------------- */

static void cr0_fixed_bits(void **state)
{
	(void)state;
	long64();
	set(F_CR0, 0x80050013);	/* NE clear */
	assert_fails("guest CR0 0x80050013: bit 5 must be 1 in VMX operation");
	long64();
	set(F_CR0, 0x80050033 | BIT(32));
	assert_fails("guest CR0 0x180050033: bit 32 must be 0");
	/* Real mode needs unrestricted guest... */
	realmode();
	restricted();
	assert_fails("guest CR0 0x30: bit 0 must be 1");
	/* ...which counts only with the secondary controls active. */
	realmode();
	set(F_PROC, get(F_PROC) & ~PROC_SECONDARY);
	assert_fails("guest CR0 0x30: bit 0 must be 1");
	/* CD and NW are never checked. */
	realmode();
	env.cr0.may1 = 0x9fffffff;
	set(F_CR0, 0x30 | BIT(29) | BIT(30));
	assert_passes();
}

static void cr0_paging_needs_protection(void **state)
{
	(void)state;
	realmode();
	set(F_CR0, 0x80000030);
	assert_fails("guest CR0 0x80000030: PG (bit 31) needs PE (bit 0)");
}

static void cr4_rules(void **state)
{
	(void)state;
	long64();
	set(F_CR4, 0xa0);	/* VMXE clear */
	assert_fails("guest CR4 0xa0: bit 13 must be 1 in VMX operation");
	long64();
	set(F_CR4, 0x20a0 | BIT(12));	/* LA57, which this CPU lacks */
	assert_fails("guest CR4 0x30a0: bit 12 must be 0");
	long64();
	set(F_CR4, 0x2080);
	assert_fails("guest CR4 0x2080: an IA-32e mode guest needs PAE");
	pae32();
	set(F_CR4, 0x2020 | BIT(17));
	assert_fails("guest CR4 0x22020: PCIDE (bit 17) needs an IA-32e mode guest");
	long64();
	env.cr4.may1 |= BIT(23);
	set(F_CR4, 0x20a0 | BIT(23));	/* CET */
	set(F_CR0, 0x80040033);		/* WP clear */
	assert_fails("guest CR4 0x8020a0: CET (bit 23) needs CR0.WP");
}

static void cr3_within_maxphyaddr(void **state)
{
	(void)state;
	long64();
	set(F_CR3, BIT(39) | 0x1000);
	assert_fails("guest CR3 0x8000001000: bits 63:39 must be 0");
	env.phys_bits = 46;
	assert_passes();
}

static void debug_controls(void **state)
{
	(void)state;
	long64();
	set(F_DR7, BIT(32) | 0x400);
	assert_fails("guest DR7 0x100000400: bits 63:32 must be 0");
	set(F_ENTRY, get(F_ENTRY) & ~ENTRY_LOAD_DEBUG);	/* not loaded, not checked */
	assert_passes();
	long64();
	set(F_DEBUGCTL, BIT(3));
	assert_fails("guest IA32_DEBUGCTL 0x8: reserved bits 63:16, 5:3 must be 0");
	set(F_DEBUGCTL, BIT(0) | BIT(1) | BIT(15));	/* LBR, BTF, RTM debug */
	assert_passes();
}

static void sysenter_canonical(void **state)
{
	(void)state;
	long64();
	set(F_SYSENTER_EIP, 0x0000800000000000);
	assert_fails("guest IA32_SYSENTER_EIP 0x800000000000: must be canonical (48-bit)");
	env.linear_bits = 57;
	assert_passes();
}

static void pat_memory_types(void **state)
{
	(void)state;
	long64();
	set(F_PAT, 0x0007040600070402);
	assert_fails("guest IA32_PAT 0x7040600070402: PA0 is 2, not 0, 1 or 4-7");
	set(F_PAT, 0x0807040600070406);
	assert_fails("PA7 is 8");
	set(F_ENTRY, get(F_ENTRY) & ~ENTRY_LOAD_PAT);
	assert_passes();
}

static void efer_rules(void **state)
{
	(void)state;
	long64();
	set(F_EFER, 0x901);	/* LME without LMA */
	assert_fails("guest IA32_EFER 0x901: LMA (bit 10) clear with the IA-32e mode guest");
	realmode();
	set(F_EFER, 0x500);	/* LMA outside IA-32e mode */
	assert_fails("guest IA32_EFER 0x500: LMA (bit 10) set without the IA-32e mode guest");
	pae32();
	set(F_EFER, 0x100);	/* LME with paging, without LMA */
	assert_fails("guest IA32_EFER 0x100: LME (bit 8) must equal LMA with CR0.PG");
	realmode();
	set(F_EFER, 0x100);	/* the same without paging is a step into long mode */
	assert_passes();
	long64();
	set(F_EFER, 0xd01 | BIT(12));	/* SVME: AMD's, reserved on Intel */
	assert_fails("guest IA32_EFER 0x1d01: only SCE, LME, LMA and NXE");
	set(F_ENTRY, get(F_ENTRY) & ~ENTRY_LOAD_EFER);
	assert_passes();
}

/* --- 27.3.1.2 segment registers ------------------------------------------------- */

static void selectors(void **state)
{
	(void)state;
	long64();
	set(F_SEL(TR), 0x1c);
	assert_fails("guest TR selector 0x1c: TI (bit 2) must be 0");
	realmode();
	set(F_SEL(LDTR), 0x4);
	assert_fails("guest LDTR selector 0x4: TI (bit 2) must be 0");
	set(F_AR(LDTR), BIT(16));	/* unusable: not checked */
	assert_passes();
	/* SS's RPL is CS's, unless unrestricted guest */
	long64();
	set(F_SEL(SS), 0x13);
	assert_passes();
	restricted();
	assert_fails("guest SS selector 0x13: RPL must equal CS's RPL 0");
}

static void cs_type(void **state)
{
	(void)state;
	long64();
	set(F_AR(CS), 0xa091);	/* read-only data */
	assert_fails("guest CS access rights 0xa091: type 1 is not accessed code");
	long64();
	set(F_AR(CS), 0xa09a);	/* not accessed */
	assert_fails("guest CS access rights 0xa09a: type 10 is not accessed code");
	/* read/write data (3) only with unrestricted guest, and DPL 0 */
	realmode();
	set(F_AR(CS), 0x93);
	assert_passes();
	set(F_AR(CS), 0xf3);
	assert_fails("guest CS access rights 0xf3: type 3 needs DPL 0");
	realmode();
	set(F_CR0, 0x80000031);
	set(F_AR(CS), 0x93);
	restricted();
	assert_fails("guest CS access rights 0x93: type 3 is not accessed code");
	/* CS is checked even when marked unusable */
	long64();
	set(F_AR(CS), 0xa091 | BIT(16));
	assert_fails("guest CS access rights 0x1a091: type 1");
}

static void cs_dpl_and_size(void **state)
{
	(void)state;
	long64();
	set(F_AR(CS), 0xa0fb);	/* non-conforming, DPL 3, SS DPL 0 */
	assert_fails("guest CS access rights 0xa0fb: non-conforming code needs DPL 3 = SS.DPL 0");
	long64();
	set(F_AR(CS), 0xa0ff);	/* conforming, DPL 3 */
	assert_fails("guest CS access rights 0xa0ff: conforming code needs DPL 3 <= SS.DPL 0");
	seg(SS, 0x13, 0, 0xffffffff, 0xc0f3);
	assert_passes();
	long64();
	set(F_AR(CS), 0xe09b);	/* L and D/B */
	assert_fails("guest CS access rights 0xe09b: D/B (bit 14) must be 0 with L");
	set(F_AR(CS), 0xc09b);	/* compatibility mode */
	set(F_RIP, 0x1000);
	assert_passes();
}

static void ss_type_and_dpl(void **state)
{
	(void)state;
	long64();
	set(F_AR(SS), 0xc09b);
	assert_fails("guest SS access rights 0xc09b: type 11 is not read/write accessed data");
	long64();
	set(F_AR(SS), 0xc097);	/* expand-down */
	assert_passes();
	/* DPL = RPL without unrestricted guest */
	long64();
	restricted();
	set(F_AR(CS), 0xa0fb);
	set(F_AR(SS), 0xc0f3);
	assert_fails("guest SS access rights 0xc0f3: DPL 3 must equal the selector's RPL 0");
	/* DPL 0 in real mode, even with SS unusable */
	realmode();
	set(F_AR(CS), 0x9f);	/* conforming, so CS's own rule holds */
	set(F_AR(SS), 0xf3 | BIT(16));
	assert_fails("guest SS access rights 0x100f3: DPL must be 0 in real mode");
}

static void data_segment_types_and_dpl(void **state)
{
	(void)state;
	long64();
	set(F_AR(DS), 0xc092);
	assert_fails("guest DS access rights 0xc092: type 2 must be accessed");
	long64();
	set(F_AR(ES), 0xc099);	/* execute-only code */
	assert_fails("guest ES access rights 0xc099: type 9 is code, must be readable");
	set(F_AR(ES), 0xc09b);
	assert_passes();
	/* DPL not below RPL, unless unrestricted guest or conforming code */
	long64();
	set(F_SEL(GS), 0x13);
	set(F_AR(GS), 0xc093);
	set(F_LIMIT(GS), 0xffffffff);
	assert_passes();
	restricted();
	assert_fails("guest GS access rights 0xc093: DPL 0 must not be below the selector's RPL 3");
	set(F_AR(GS), 0xc09f);
	assert_passes();
	/* an unusable one is not checked */
	long64();
	set(F_AR(DS), 0xc092 | BIT(16));
	assert_passes();
}

static void s_p_and_reserved_bits(void **state)
{
	(void)state;
	long64();
	set(F_AR(DS), 0xc083);
	assert_fails("guest DS access rights 0xc083: S (bit 4) must be 1");
	long64();
	set(F_AR(SS), 0xc013);
	assert_fails("guest SS access rights 0xc013: P (bit 7) must be 1");
	long64();
	set(F_AR(ES), 0xc193);
	assert_fails("guest ES access rights 0xc193: reserved bits 31:17, 11:8 must be 0");
	long64();
	set(F_AR(DS), 0xc093 | BIT(17));
	assert_fails("guest DS access rights 0x2c093: reserved bits 31:17, 11:8 must be 0");
}

static void granularity_fits_limit(void **state)
{
	(void)state;
	long64();
	set(F_LIMIT(DS), 0xfffff000);	/* G=1 needs limit bits 11:0 all ones */
	assert_fails("guest DS access rights 0xc093: G (bit 15) must be 0 for limit 0xfffff000");
	realmode();
	set(F_LIMIT(CS), 0x1fffff);	/* past 1 MiB needs G=1 */
	assert_fails("guest CS access rights 0x9b: G (bit 15) must be 1 for limit 0x1fffff");
	long64();
	set(F_AR(TR), 0x808b);
	assert_fails("guest TR access rights 0x808b: G (bit 15) must be 0 for limit 0x67");
	realmode();
	set(F_LIMIT(LDTR), 0x100000);
	assert_fails("guest LDTR access rights 0x82: G (bit 15) must be 1");
}

static void bases(void **state)
{
	(void)state;
	long64();
	set(F_BASE(DS), BIT(32));
	assert_fails("guest DS base 0x100000000: bits 63:32 must be 0");
	set(F_AR(DS), BIT(16));	/* unusable */
	assert_passes();
	long64();
	set(F_BASE(CS), 0xffffffff00000000);
	set(F_AR(CS), 0xa09b | BIT(16));	/* CS's is checked even so */
	assert_fails("guest CS base 0xffffffff00000000: bits 63:32 must be 0");
	long64();
	set(F_BASE(FS), 0x0000800000000000);	/* unusable, but FS base still counts */
	assert_fails("guest FS base 0x800000000000: must be canonical (48-bit)");
	env.linear_bits = 57;
	assert_passes();
	long64();
	set(F_BASE(GS), 0xffff000000000000);
	assert_fails("guest GS base 0xffff000000000000: must be canonical");
	long64();
	set(F_BASE(TR), 0x0001000000000000);
	assert_fails("guest TR base 0x1000000000000: must be canonical");
	realmode();
	set(F_BASE(LDTR), 0xff00000000000000);
	assert_fails("guest LDTR base 0xff00000000000000: must be canonical");
}

static void tr_and_ldtr(void **state)
{
	(void)state;
	long64();
	set(F_AR(TR), 0x83);	/* a 16-bit busy TSS in IA-32e mode */
	assert_fails("guest TR access rights 0x83: type must be a busy TSS (3 or 11; 11 in IA-32e");
	realmode();
	set(F_AR(TR), 0x83);
	assert_passes();
	set(F_AR(TR), 0x89);	/* available, not busy */
	assert_fails("guest TR access rights 0x89: type must be a busy TSS");
	realmode();
	set(F_AR(TR), 0x8b | BIT(16));
	assert_fails("guest TR access rights 0x1008b: TR must be usable");
	realmode();
	set(F_AR(TR), 0x9b);
	assert_fails("guest TR access rights 0x9b: S (bit 4) must be 0");
	realmode();
	set(F_AR(LDTR), 0x83);
	assert_fails("guest LDTR access rights 0x83: type must be an LDT (2)");
	realmode();
	set(F_AR(LDTR), 0x02);
	assert_fails("guest LDTR access rights 0x2: P (bit 7) must be 1");
}

static void virtual_8086_segments(void **state)
{
	(void)state;
	v86();
	set(F_BASE(CS), 0x1000);
	assert_fails("guest CS base 0x1000: must be selector 0x1100 * 16 in virtual-8086 mode");
	v86();
	set(F_LIMIT(DS), 0xfffff);
	assert_fails("guest DS limit 0xfffff: must be 0xffff in virtual-8086 mode");
	v86();
	set(F_AR(ES), 0x93);
	assert_fails("guest ES access rights 0x93: must be 0xf3 in virtual-8086 mode");
	v86();
	set(F_AR(SS), 0xf3 | BIT(16));
	assert_fails("guest SS access rights 0x100f3: must be 0xf3");
}

/* --- 27.3.1.3 descriptor-table registers ---------------------------------------- */

static void descriptor_tables(void **state)
{
	(void)state;
	long64();
	set(F_GDTR_LIMIT, 0x10000);
	assert_fails("guest GDTR limit 0x10000: bits 31:16 must be 0");
	long64();
	set(F_IDTR_BASE, 0xfff0000000000000);
	assert_fails("guest IDTR base 0xfff0000000000000: must be canonical");
}

/* --- 27.3.1.4 RIP and RFLAGS ---------------------------------------------------- */

static void rip(void **state)
{
	(void)state;
	long64();
	set(F_AR(CS), 0xc09b);	/* compatibility mode: a 32-bit RIP */
	assert_fails("guest RIP 0xffffffff81000000: bits 63:32 must be 0 outside 64-bit mode");
	realmode();
	set(F_RIP, BIT(32) | 0xfff0);
	assert_fails("guest RIP 0x10000fff0: bits 63:32 must be 0");
	long64();
	set(F_RIP, 0x0000800000000000);
	assert_fails("guest RIP 0x800000000000: must be canonical (48-bit)");
	env.linear_bits = 57;
	assert_passes();
}

static void rflags(void **state)
{
	(void)state;
	long64();
	set(F_RFLAGS, 0x8202);
	assert_fails("guest RFLAGS 0x8202: reserved bits 63:22, 15, 5 and 3 must be 0");
	set(F_RFLAGS, 0x400202);
	assert_fails("guest RFLAGS 0x400202: reserved bits");
	set(F_RFLAGS, 0xa);
	assert_fails("guest RFLAGS 0xa: reserved bits");
	set(F_RFLAGS, 0x22);
	assert_fails("guest RFLAGS 0x22: reserved bits");
	set(F_RFLAGS, 0x0);
	assert_fails("guest RFLAGS 0x0: bit 1 must be 1");
	set(F_RFLAGS, 0x3d7fd7);	/* every flag that may be 1 but VM */
	assert_passes();
}

static void rflags_vm(void **state)
{
	(void)state;
	/* a virtual-8086 task in IA-32e mode, segments and all */
	v86();
	set(F_ENTRY, get(F_ENTRY) | ENTRY_IA32E);
	set(F_CR0, 0x80000031);
	set(F_CR4, 0x2020);
	set(F_EFER, 0x500);
	assert_fails("guest RFLAGS 0x20202: VM (bit 17) must be 0 in IA-32e mode");
	v86();
	set(F_CR0, 0x30);
	assert_fails("guest RFLAGS 0x20202: VM (bit 17) must be 0 with CR0.PE 0");
}

static void rflags_if_for_external_interrupt(void **state)
{
	(void)state;
	long64();
	set(F_ENTRY_INTR, INJECT(0, 0x20));
	assert_passes();
	set(F_RFLAGS, 0x2);
	assert_fails("guest RFLAGS 0x2: IF (bit 9) must be 1 to inject an external interrupt");
	set(F_ENTRY_INTR, INJECT(3, 13) | BIT(11));	/* #GP with an error code */
	assert_passes();
}

/* --- 27.3.1.5 non-register state ------------------------------------------------ */

static void activity_state(void **state)
{
	(void)state;
	long64();
	set(F_ACTIVITY, 4);
	assert_fails("guest activity state 0x4: must be 0-3");
	/* HLT at CPL 3 */
	long64();
	seg(CS, 0x33, 0, 0xffffffff, 0xa0fb);
	seg(SS, 0x2b, 0, 0xffffffff, 0xc0f3);
	set(F_ACTIVITY, 1);
	assert_fails("guest activity state 0x1: HLT needs SS.DPL 0, not 3");
	/* blocking by STI or MOV SS only while active */
	long64();
	set(F_ACTIVITY, 1);
	assert_passes();
	set(F_INTERRUPTIBILITY, 2);
	assert_fails("guest activity state 0x1: must be active with blocking by STI or MOV SS");
}

static void activity_takes_injected_event(void **state)
{
	(void)state;
	long64();
	set(F_ACTIVITY, 1);	/* HLT: interrupts, NMI, #DB, #MC, MTF */
	set(F_ENTRY_INTR, INJECT(0, 0x30));
	assert_passes();
	set(F_ENTRY_INTR, INJECT(3, 18));
	assert_passes();
	set(F_ENTRY_INTR, INJECT(7, 0));
	assert_passes();
	set(F_ENTRY_INTR, INJECT(7, 1));	/* other event: vector 0 alone is defined */
	assert_fails("guest activity state 0x1: cannot take the injected event 0x80000701");
	set(F_ENTRY_INTR, INJECT(4, 0x80));	/* INT 0x80 */
	assert_fails("guest activity state 0x1: cannot take the injected event 0x80000480");
	set(F_ACTIVITY, 2);	/* shutdown: NMI and #MC only */
	set(F_ENTRY_INTR, INJECT(2, 2));
	assert_passes();
	set(F_ENTRY_INTR, INJECT(0, 18));	/* vector 18, but an interrupt */
	assert_fails("guest activity state 0x2: cannot take the injected event 0x80000012");
	set(F_ACTIVITY, 3);	/* wait-for-SIPI: nothing */
	set(F_ENTRY_INTR, INJECT(2, 2));
	assert_fails("guest activity state 0x3: cannot take the injected event");
}

static void interruptibility_state(void **state)
{
	(void)state;
	long64();
	set(F_INTERRUPTIBILITY, BIT(5));
	assert_fails("guest interruptibility state 0x20: reserved bits 31:5 must be 0");
	set(F_INTERRUPTIBILITY, 3);
	assert_fails("guest interruptibility state 0x3: blocking by STI and by MOV SS exclude");
	set(F_INTERRUPTIBILITY, 1);
	assert_passes();
	set(F_RFLAGS, 0x2);
	assert_fails("guest interruptibility state 0x1: blocking by STI needs RFLAGS.IF 1");
	long64();
	set(F_ENTRY_INTR, INJECT(0, 0x20));
	set(F_INTERRUPTIBILITY, 2);
	assert_fails("guest interruptibility state 0x2: blocking by STI or MOV SS with an extern");
	set(F_ENTRY_INTR, INJECT(2, 2));
	assert_fails("guest interruptibility state 0x2: blocking by MOV SS with an NMI injected");
	set(F_INTERRUPTIBILITY, 8);	/* NMIs blocked, virtual NMIs */
	assert_fails("guest interruptibility state 0x8: blocking by NMI with an NMI injected");
	set(F_PIN, get(F_PIN) & ~PIN_VIRTUAL_NMIS);
	assert_passes();
	long64();
	set(F_INTERRUPTIBILITY, 4);
	assert_fails("guest interruptibility state 0x4: blocking by SMI (bit 2) outside SMM");
	set(F_INTERRUPTIBILITY, 0x12);
	assert_fails("guest interruptibility state 0x12: enclave interruption");
}

static void sti_blocking_with_nmi_is_checked_last(void **state)
{
	(void)state;
	long64();
	set(F_ENTRY_INTR, INJECT(2, 2));
	set(F_INTERRUPTIBILITY, 1);
	assert_fails("guest interruptibility state 0x1: blocking by STI with an NMI injected");
	set(F_LINK, 0);	/* a rule every CPU has comes first */
	assert_fails("guest VMCS link pointer 0x0");
}

static void pending_debug_exceptions(void **state)
{
	(void)state;
	long64();
	set(F_PENDING_DBG, BIT(4));
	assert_fails("guest pending debug exceptions 0x10: reserved bits");
	set(F_PENDING_DBG, 0xf | BIT(12) | BIT(14));	/* B0-B3, enabled, BS */
	assert_passes();
	/* RTM: bit 12 alone beside it, and no MOV SS blocking */
	set(F_PENDING_DBG, BIT(16) | BIT(12));
	assert_passes();
	set(F_PENDING_DBG, BIT(16) | 1);
	assert_fails("guest pending debug exceptions 0x10001: with RTM (bit 16)");
	set(F_PENDING_DBG, BIT(16) | BIT(12));
	set(F_INTERRUPTIBILITY, 2);
	set(F_RFLAGS, 0x202);
	assert_fails("guest pending debug exceptions 0x11000: RTM (bit 16) excludes blocking by");
}

static void pending_single_step(void **state)
{
	(void)state;
	/* Single-stepping (TF) over MOV SS: the step is pending, BS set. */
	long64();
	set(F_RFLAGS, 0x302);
	set(F_INTERRUPTIBILITY, 2);
	assert_fails("guest pending debug exceptions 0x0: BS (bit 14) must be 1");
	set(F_PENDING_DBG, BIT(14));
	assert_passes();
	set(F_INTERRUPTIBILITY, 1);	/* the same over STI */
	assert_passes();
	set(F_PENDING_DBG, 0);
	assert_fails("guest pending debug exceptions 0x0: BS (bit 14) must be 1");
	set(F_PENDING_DBG, BIT(14));
	/* BTF makes TF step branches: no step pending then */
	set(F_DEBUGCTL, BIT(1));
	assert_fails("guest pending debug exceptions 0x4000: BS (bit 14) must be 0");
	/* in HLT, BS without TF */
	long64();
	set(F_ACTIVITY, 1);
	set(F_PENDING_DBG, BIT(14));
	assert_fails("guest pending debug exceptions 0x4000: BS (bit 14) must be 0");
	/* neither blocked nor halted: no rule */
	set(F_ACTIVITY, 0);
	assert_passes();
}

static void link_pointer(void **state)
{
	(void)state;
	long64();
	set(F_LINK, 0x5000);
	assert_fails("guest VMCS link pointer 0x5000: must be all ones");
}

/* --- 27.3.1.6 PDPTEs ------------------------------------------------------------ */

static void pdptes(void **state)
{
	(void)state;
	pae32();
	set(F_PDPTE(1), 0x2001 | BIT(1));
	assert_fails("guest PDPTE1 0x2003: reserved bits 63:39, 8:5, 2:1 must be 0");
	pae32();
	set(F_PDPTE(2), 0x3001 | BIT(7));	/* no 1 GiB pages in PAE */
	assert_fails("guest PDPTE2 0x3081: reserved bits");
	pae32();
	set(F_PDPTE(3), BIT(39) | 0x4001);
	assert_fails("guest PDPTE3 0x8000004001: reserved bits");
	set(F_PDPTE(3), BIT(39) | 0x4000);	/* not present: not checked */
	assert_passes();
	/* without EPT they come from memory, beyond this checker */
	pae32();
	set(F_PDPTE(0), 0xff);
	set(F_PROC2, get(F_PROC2) & ~PROC2_EPT);
	assert_passes();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_guests_pass),
		cmocka_unit_test(message_is_one_line_in_the_buffer),
		cmocka_unit_test(cr0_fixed_bits),
		cmocka_unit_test(cr0_paging_needs_protection),
		cmocka_unit_test(cr4_rules),
		cmocka_unit_test(cr3_within_maxphyaddr),
		cmocka_unit_test(debug_controls),
		cmocka_unit_test(sysenter_canonical),
		cmocka_unit_test(pat_memory_types),
		cmocka_unit_test(efer_rules),
		cmocka_unit_test(selectors),
		cmocka_unit_test(cs_type),
		cmocka_unit_test(cs_dpl_and_size),
		cmocka_unit_test(ss_type_and_dpl),
		cmocka_unit_test(data_segment_types_and_dpl),
		cmocka_unit_test(s_p_and_reserved_bits),
		cmocka_unit_test(granularity_fits_limit),
		cmocka_unit_test(bases),
		cmocka_unit_test(tr_and_ldtr),
		cmocka_unit_test(virtual_8086_segments),
		cmocka_unit_test(descriptor_tables),
		cmocka_unit_test(rip),
		cmocka_unit_test(rflags),
		cmocka_unit_test(rflags_vm),
		cmocka_unit_test(rflags_if_for_external_interrupt),
		cmocka_unit_test(activity_state),
		cmocka_unit_test(activity_takes_injected_event),
		cmocka_unit_test(interruptibility_state),
		cmocka_unit_test(sti_blocking_with_nmi_is_checked_last),
		cmocka_unit_test(pending_debug_exceptions),
		cmocka_unit_test(pending_single_step),
		cmocka_unit_test(link_pointer),
		cmocka_unit_test(pdptes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
