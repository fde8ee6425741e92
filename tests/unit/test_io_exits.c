/* Host tests for port and MMIO exits (hv/exits/portio.c, hv/exits/mmio.c)
 * over the fake back end (fake_hv.h), on a VM's real buses and its test
 * device (hv/vdev/testdev.c): IN, OUT and INS/OUTS as the CPU does them
 * (register merging, widths, RCX/RSI/RDI, the direction flag), INS/OUTS
 * in long mode through the guest's 4-level paging (buffers across pages
 * mapped apart, #PF with its error code and CR2 where a page is missing
 * or read-only, RCX/RDI as the CPU leaves them), MOVs at a
 * device done against it, and what no device claims: all ones and
 * dropped writes for ports, the VM stopped for MMIO. The buses' own rules
 * (claims, overlaps, split accesses) are test_bus.c's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pagetable.h"
#include "hv/emul/guest_paging.h"
#include "hv/exits/mmio.h"
#include "hv/exits/portio.h"
#include "hv/vdev/debug_exit.h"
#include "hv/vdev/fw_cfg.h"
#include "hv/vdev/testdev.h"

#define BIT(n) (1ull << (n))
#define BUF 0x10000ull	/* guest RAM the string instructions use */

/* The guest's 4-level tables for the long-mode string tests, built in
 * guest RAM by paged(): linear 2 MiB..4 MiB goes through PT, 4 KiB pages,
 * all with the U bit at every level. */
#define PML4 0x30000ull
#define PDPT 0x31000ull
#define PD 0x32000ull
#define PT 0x33000ull
#define LIN 0x200000ull			/* PD entry 1 -> PT */
#define LIN_RO (LIN + 0x4000)		/* -> RO_PA, R/W clear */
#define LIN_A (LIN + 0x5000)		/* -> A_PA */
#define LIN_B (LIN + 0x6000)		/* -> B_PA: not A_PA + 4 KiB */
#define LIN_NP (LIN + 0x7000)		/* not present */
#define RO_PA 0x70000ull
#define A_PA 0x80000ull
#define B_PA 0x62000ull

static struct vm *vm;	/* with the test device, started: 32-bit, paging off */
static struct vcpu *v;
static struct fake_vcpu booted;	/* the back end's vCPU state as it booted */

static int setup(void **state)
{
	struct config_vm c;

	(void)state;
	if (host_init(2))
		return -1;
	c = host_config("io", 1, MiB(1), 0);
	c.testdev = true;
	c.debug_exit = true;
	c.fw_cfg = true;
	vm = vm_create(&c, host_boot());
	if (!vm || vm_start(vm))
		return -1;
	v = vm->vcpu[0];
	booted = *fake_vcpu(v);
	return 0;
}

static int before_each(void **state)
{
	(void)state;
	memset(v->regs.gpr, 0, sizeof(v->regs.gpr));
	v->regs.rflags = 2;
	memcpy(fake_vcpu(v)->cr, booted.cr, sizeof(booted.cr));
	fake_vcpu(v)->efer = booted.efer;
	memcpy(fake_vcpu(v)->seg, booted.seg, sizeof(booted.seg));
	events_reset(&v->events);
	fetch_tlb_flush(&v->fetch_tlb);
	vm->state = VM_RUNNING;
	host_test_start();
	return 0;
}

static enum exit_action io(u16 port, u8 size, bool in)
{
	struct exit_record x = { .reason = EXIT_IO,
				 .io = { .port = port, .size = size, .in = in, .seg = -1 } };

	return portio_exit(v, &x);
}

/* --- IN and OUT ------------------------------------------------------------------ */

/* IN merges into AL/AX as the CPU does; a 32-bit IN clears the upper
 * half of RAX. OUT sends AL/AX/EAX. The test device's register reads
 * back what was written, at any width and offset. */
static void test_in_out(void **state)
{
	u64 *rax = &v->regs.gpr[REG_RAX];

	(void)state;
	*rax = 0xffffffff66778899ull;
	assert_int_equal(io(TESTDEV_PORT, 4, false), ACT_SKIP);
	*rax = ~0ull;
	assert_int_equal(io(TESTDEV_PORT, 1, true), ACT_SKIP);
	assert_int_equal(*rax, 0xffffffffffffff99ull);
	*rax = ~0ull;
	assert_int_equal(io(TESTDEV_PORT + 2, 2, true), ACT_SKIP);
	assert_int_equal(*rax, 0xffffffffffff6677ull);
	*rax = ~0ull;
	assert_int_equal(io(TESTDEV_PORT, 4, true), ACT_SKIP);
	assert_int_equal(*rax, 0x66778899ull);

	*rax = 0x1122334455aabbccull;
	assert_int_equal(io(TESTDEV_PORT + 1, 2, false), ACT_SKIP);	/* only AX */
	*rax = 0;
	assert_int_equal(io(TESTDEV_PORT, 4, true), ACT_SKIP);
	assert_int_equal(*rax, 0x66bbcc99ull);	/* AX, 0xbbcc, in bytes 1 and 2 */
}

/* No device there: reads are all ones at the access's width, writes go
 * nowhere; a read-only register drops writes. */
static void test_unclaimed_ports(void **state)
{
	u64 *rax = &v->regs.gpr[REG_RAX];
	u32 before;

	(void)state;
	for (u8 size = 1; size <= 4; size *= 2) {
		*rax = 0;
		assert_int_equal(io(0x1234, size, true), ACT_SKIP);
		assert_int_equal(*rax, BYTES_MASK(size));
	}
	*rax = 0x12345678;
	assert_int_equal(io(0x1234, 4, false), ACT_SKIP);
	assert_int_equal(io(TESTDEV_EXC_PORT, 4, true), ACT_SKIP);
	before = (u32)*rax;
	*rax = before + 5;
	assert_int_equal(io(TESTDEV_EXC_PORT, 4, false), ACT_SKIP);
	*rax = 0;
	assert_int_equal(io(TESTDEV_EXC_PORT, 4, true), ACT_SKIP);
	assert_int_equal(*rax, before);
}

/* A VM's port bus ends at port 0xffff. */
static void test_port_space_ends(void **state)
{
	struct io_region past = { 0xfffe, 4, NULL, NULL, NULL };
	struct io_region last = { 0xfffe, 2, NULL, NULL, NULL };

	(void)state;
	assert_int_equal(io_bus_register(&vm->ports, &past), -1);
	assert_int_equal(io_bus_register(&vm->ports, &last), 0);
	io_bus_unregister(&vm->ports, NULL);
}

/* --- INS and OUTS --------------------------------------------------------------- */

static enum exit_action string_io(u16 port, u8 size, bool in, bool rep)
{
	struct exit_record x = { .reason = EXIT_IO,
				 .io = { .port = port, .size = size, .in = in, .string = true,
					 .rep = rep, .addr_size = 4, .seg = SEG_DS } };

	return portio_exit(v, &x);
}

/* REP OUTSB, then REP INSW backwards: each element through the guest's
 * segments into RAM, RCX counting down, RSI/RDI moving by the width in
 * the direction of DF. */
static void test_string_io(void **state)
{
	u64 *rcx = &v->regs.gpr[REG_RCX];
	u8 got[4];

	(void)state;
	assert_int_equal(gmem_write(&vm->mem, BUF, "wxyz", 4), 0);
	v->regs.gpr[REG_RSI] = BUF;
	*rcx = 4;
	assert_int_equal(string_io(TESTDEV_PORT + 1, 1, false, true), ACT_SKIP);
	assert_int_equal(*rcx, 0);
	assert_int_equal(v->regs.gpr[REG_RSI], BUF + 4);
	v->regs.gpr[REG_RAX] = 0;
	assert_int_equal(io(TESTDEV_PORT + 1, 1, true), ACT_SKIP);
	assert_int_equal(v->regs.gpr[REG_RAX], 'z');	/* the last one written */

	v->regs.rflags |= RFLAGS_DF;
	v->regs.gpr[REG_RDI] = BUF + 2;
	*rcx = 2;
	assert_int_equal(string_io(TESTDEV_PORT, 2, true, true), ACT_SKIP);
	assert_int_equal(*rcx, 0);
	assert_int_equal(v->regs.gpr[REG_RDI], BUF - 2);
	assert_int_equal(gmem_read(&vm->mem, BUF, got, 4), 0);
	assert_int_equal(got[0], got[2]);		/* the register, twice */
	assert_int_equal(got[1], got[3]);
	assert_int_equal(got[1], 'z');
}

/* An OUTS from outside the VM's RAM stops with RCX and RSI showing the
 * elements done, and changes nothing further. */
static void test_string_io_leaves_ram(void **state)
{
	u64 *rcx = &v->regs.gpr[REG_RCX];
	enum exit_action act;

	(void)state;
	v->regs.gpr[REG_RSI] = vm->mem.size - 2;
	*rcx = 5;
	act = string_io(TESTDEV_PORT, 1, false, true);
	assert_int_not_equal(act, ACT_SKIP);
	assert_int_equal(*rcx, 3);
	assert_int_equal(v->regs.gpr[REG_RSI], vm->mem.size);
}

/* --- INS and OUTS through the guest's paging ---------------------------------- */

static void put64(u64 gpa, u64 val)
{
	assert_int_equal(gmem_write(&vm->mem, gpa, &val, 8), 0);
}

/* 64-bit code, long mode with 4-level paging (CR0.WP as asked) over the
 * tables above, which are (re)written into guest RAM. */
static void paged(bool wp)
{
	struct fake_vcpu *f = fake_vcpu(v);
	const u64 up = PTE_P | PTE_W | PTE_U;

	for (u64 t = PML4; t <= PT; t += PAGE_SIZE)
		assert_int_equal(gmem_write(&vm->mem, t, (u8[PAGE_SIZE]){ 0 }, PAGE_SIZE), 0);
	put64(PML4, PDPT | up);
	put64(PDPT, PD | up);
	put64(PD + 8 * 1, PT | up);	/* linear 2 MiB */
	put64(PT + 8 * 4, RO_PA | PTE_P | PTE_U);
	put64(PT + 8 * 5, A_PA | up);
	put64(PT + 8 * 6, B_PA | up);
	/* PT entry 7 (LIN_NP) stays 0 */
	f->cr[0] = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
	f->cr[2] = 0;
	f->cr[3] = PML4;
	f->cr[4] = CR4_PAE;
	f->efer = EFER_LME | EFER_LMA | EFER_NXE;
	f->seg[SEG_CS].attr = (u16)((f->seg[SEG_CS].attr & ~SEG_ATTR_DB) | SEG_ATTR_L);
}

/* A string I/O exit in 64-bit code, 64-bit addresses, at cpl. */
static enum exit_action string_io64(u16 port, u8 size, bool in, u8 cpl)
{
	struct exit_record x = { .reason = EXIT_IO, .cpl = cpl, .long_mode = true,
				 .io = { .port = port, .size = size, .in = in, .string = true,
					 .rep = true, .addr_size = 8, .seg = SEG_DS } };

	return portio_exit(v, &x);
}

/* The test device's register, low `size` bytes. */
static u32 testdev_reg(u8 size)
{
	v->regs.gpr[REG_RAX] = 0;
	assert_int_equal(io(TESTDEV_PORT, size, true), ACT_SKIP);
	return (u32)v->regs.gpr[REG_RAX];
}

static void testdev_set(u32 val)
{
	v->regs.gpr[REG_RAX] = val;
	assert_int_equal(io(TESTDEV_PORT, 4, false), ACT_SKIP);
}

/* Exactly one #PF queued, with this error code and CR2. */
static void check_pf(enum exit_action act, u32 error, u64 cr2)
{
	const struct event *e = &v->events.exc;

	if (act != ACT_INJECT || e->type != EV_EXCEPTION || e->vector != EXC_PF || !e->has_error ||
	    e->error != error)
		fail_msg("action %d, event type %u vector %u error %d/%#x; wanted #PF error %#x", act,
			 e->type, e->vector, e->has_error, e->error, error);
	assert_int_equal(fake_count(FAKE_SET_CR2, v), 1);
	assert_int_equal(fake_last_call(FAKE_SET_CR2, v)->arg[0], cr2);
	assert_int_equal(vm->state, VM_RUNNING);
	events_reset(&v->events);
	fake_calls_clear();
}

/* REP OUTSB and REP OUTSW from a buffer that runs from linear page A into
 * page B, which the guest maps to guest-physical pages far apart (the
 * page after A's holds other bytes): element i that reaches the test
 * device is the i-th in linear order, the word across the boundary made
 * of its two halves. The register keeps the last element sent, so each
 * count from 1 up shows the next. */
static void test_string_out_across_pages(void **state)
{
	static const char bytes[] = "abcdefgh";	/* 3 on page A, 5 on page B */
	static const char words[] = "12345678";	/* 5 on A, 3 on B: word 2 across */
	u64 *rcx = &v->regs.gpr[REG_RCX], *rsi = &v->regs.gpr[REG_RSI];

	(void)state;
	paged(true);
	assert_int_equal(gmem_write(&vm->mem, A_PA + PAGE_SIZE, "XXXXXXXX", 8), 0);
	assert_int_equal(gmem_write(&vm->mem, B_PA - 8, "YYYYYYYY", 8), 0);

	assert_int_equal(gmem_write(&vm->mem, A_PA + PAGE_SIZE - 3, bytes, 3), 0);
	assert_int_equal(gmem_write(&vm->mem, B_PA, bytes + 3, 5), 0);
	for (u32 k = 1; k <= 8; k++) {
		testdev_set(0);
		*rsi = LIN_B - 3;
		*rcx = k;
		assert_int_equal(string_io64(TESTDEV_PORT, 1, false, 0), ACT_SKIP);
		assert_int_equal(*rcx, 0);
		assert_int_equal(*rsi, LIN_B - 3 + k);
		if (testdev_reg(1) != (u8)bytes[k - 1])
			fail_msg("REP OUTSB of %u: the device has '%c', wanted '%c'", k,
				 testdev_reg(1), bytes[k - 1]);
	}

	assert_int_equal(gmem_write(&vm->mem, A_PA + PAGE_SIZE - 5, words, 5), 0);
	assert_int_equal(gmem_write(&vm->mem, B_PA, words + 5, 3), 0);
	for (u32 k = 1; k <= 4; k++) {
		u32 want = (u8)words[2 * k - 2] | (u32)(u8)words[2 * k - 1] << 8;

		testdev_set(0);
		*rsi = LIN_B - 5;
		*rcx = k;
		assert_int_equal(string_io64(TESTDEV_PORT, 2, false, 3), ACT_SKIP);
		assert_int_equal(*rcx, 0);
		assert_int_equal(*rsi, LIN_B - 5 + 2 * k);
		if (testdev_reg(2) != want)
			fail_msg("REP OUTSW of %u: the device has %#x, wanted %#x", k,
				 testdev_reg(2), want);
	}
	assert_false(events_pending(&v->events));
	assert_int_equal(fake_count(FAKE_SET_CR2, NULL), 0);
}

/* REP INSB from page B into the page after it, which is not present:
 * the elements before it land (on B's guest-physical page), then #PF
 * with W, not P, U at CPL 3, and CR2 the first byte of the missing page;
 * RCX and RDI show the iterations done, as the CPU leaves them, RIP stays
 * on the instruction (not ACT_SKIP). An INSW across the boundary faults
 * with CR2 at the boundary, not at RDI, and writes neither half. */
static void test_string_in_to_missing_page(void **state)
{
	u64 *rcx = &v->regs.gpr[REG_RCX], *rdi = &v->regs.gpr[REG_RDI];
	u8 got[8];

	(void)state;
	for (u8 cpl = 0; cpl <= 3; cpl += 3) {
		const u32 err = PF_WRITE | (cpl == 3 ? PF_USER : 0);

		before_each(state);
		paged(true);
		assert_int_equal(gmem_write(&vm->mem, B_PA + PAGE_SIZE - 8, "--------", 8), 0);
		testdev_set(0x5a);
		fake_calls_clear();
		*rdi = LIN_NP - 3;
		*rcx = 8;
		check_pf(string_io64(TESTDEV_PORT, 1, true, cpl), err, LIN_NP);
		assert_int_equal(*rcx, 5);
		assert_int_equal(*rdi, LIN_NP);
		assert_int_equal(gmem_read(&vm->mem, B_PA + PAGE_SIZE - 8, got, 8), 0);
		assert_memory_equal(got, "-----", 5);
		assert_int_equal(got[5], 0x5a);
		assert_int_equal(got[6], 0x5a);
		assert_int_equal(got[7], 0x5a);

		testdev_set(0x7b6b);
		fake_calls_clear();
		*rdi = LIN_NP - 1;
		*rcx = 2;
		check_pf(string_io64(TESTDEV_PORT, 2, true, cpl), err, LIN_NP);
		assert_int_equal(*rcx, 2);
		assert_int_equal(*rdi, LIN_NP - 1);
		assert_int_equal(gmem_read(&vm->mem, B_PA + PAGE_SIZE - 1, got, 1), 0);
		assert_int_equal(got[0], 0x5a);
	}
}

/* REP INSB backwards (DF) from page A down into the read-only page below
 * it: with CR0.WP the write faults at CPL 0 too, #PF with P and W (and U
 * at CPL 3), CR2 the last byte of the read-only page, which keeps its
 * bytes; RCX and RDI show the two done. With WP clear, CPL 0 writes it. */
static void test_string_in_to_read_only_page(void **state)
{
	u64 *rcx = &v->regs.gpr[REG_RCX], *rdi = &v->regs.gpr[REG_RDI];
	u8 got[4];

	(void)state;
	for (u8 cpl = 0; cpl <= 3; cpl += 3) {
		before_each(state);
		paged(true);
		v->regs.rflags |= RFLAGS_DF;
		assert_int_equal(gmem_write(&vm->mem, RO_PA + PAGE_SIZE - 2, "ro", 2), 0);
		assert_int_equal(gmem_write(&vm->mem, A_PA, "..", 2), 0);
		testdev_set(0x41);
		fake_calls_clear();
		*rdi = LIN_A + 1;
		*rcx = 4;
		check_pf(string_io64(TESTDEV_PORT, 1, true, cpl),
			 PF_PRESENT | PF_WRITE | (cpl == 3 ? PF_USER : 0), LIN_A - 1);
		assert_int_equal(*rcx, 2);
		assert_int_equal(*rdi, LIN_A - 1);
		assert_int_equal(gmem_read(&vm->mem, RO_PA + PAGE_SIZE - 2, got, 4), 0);
		assert_memory_equal(got, "ro", 2);	/* the read-only page */
		assert_int_equal(gmem_read(&vm->mem, A_PA, got, 2), 0);
		assert_memory_equal(got, "AA", 2);	/* 0x41, twice */
	}

	before_each(state);
	paged(false);
	v->regs.rflags |= RFLAGS_DF;
	testdev_set(0x42);
	*rdi = LIN_A + 1;
	*rcx = 4;
	assert_int_equal(string_io64(TESTDEV_PORT, 1, true, 0), ACT_SKIP);
	assert_int_equal(*rcx, 0);
	assert_int_equal(*rdi, LIN_A - 3);
	assert_int_equal(gmem_read(&vm->mem, RO_PA + PAGE_SIZE - 2, got, 2), 0);
	assert_memory_equal(got, "BB", 2);
	assert_false(events_pending(&v->events));
}

/* --- MMIO --------------------------------------------------------------------------- */

static enum exit_action mem(u64 gpa, bool write, const u8 *insn, u8 len)
{
	struct exit_record x = { .reason = EXIT_MEM,
				 .mem = { .gpa = gpa, .write = write, .insn_len = len } };

	memcpy(x.mem.insn, insn, len);
	return mmio_exit(v, &x);
}

/* A MOV at the device's page is done against it, at the page's offset. */
static void test_mmio_access(void **state)
{
	static const u8 store[] = { 0x89, 0x03 };	/* mov [ebx], eax */
	static const u8 load[] = { 0x0f, 0xb7, 0x0b };	/* movzx ecx, word [ebx] */
	u64 rip = v->regs.rip;

	(void)state;
	v->regs.gpr[REG_RAX] = 0xdeadbeefcafef00dull;
	assert_int_equal(mem(TESTDEV_MMIO + 0x40, true, store, sizeof(store)), ACT_EMULATED);
	assert_int_equal(v->regs.rip, rip + sizeof(store));
	v->regs.gpr[REG_RCX] = ~0ull;
	assert_int_equal(mem(TESTDEV_MMIO + 0x42, false, load, sizeof(load)), ACT_EMULATED);
	assert_int_equal(v->regs.gpr[REG_RCX], 0xcafe);
	assert_int_equal(v->regs.rip, rip + sizeof(store) + sizeof(load));
	assert_string_equal(host_log(), "");
}

/* What no device claims is not the VM's: it stops, with a line that says
 * where. So does running code from a device, a page-table walk through
 * one, and an access the CPU made while delivering an event. */
static void test_mmio_stops(void **state)
{
	static const u8 load[] = { 0x8b, 0x03 };
	const struct { u64 gpa; bool exec, walk; struct event cut; } stops[] = {
		{ TESTDEV_MMIO + TESTDEV_MMIO_SIZE, false, false, { 0 } },
		{ 0xfebfffffull, false, false, { 0 } },
		{ GiB(4), false, false, { 0 } },
		{ TESTDEV_MMIO, true, false, { 0 } },
		{ TESTDEV_MMIO, false, true, { 0 } },
		{ TESTDEV_MMIO, false, false, { EV_EXCEPTION, EXC_GP, true, 0 } },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(stops); i++) {
		struct exit_record x = { .reason = EXIT_MEM, .cut = stops[i].cut,
					 .mem = { .gpa = stops[i].gpa, .exec = stops[i].exec,
						  .table_walk = stops[i].walk, .insn_len = 2 } };
		const char *start = "vm io: crashed: ";
		char where[40];

		memcpy(x.mem.insn, load, sizeof(load));
		before_each(state);
		assert_int_equal(mmio_exit(v, &x), ACT_STOP);
		assert_int_equal(vm->state, VM_CRASHED);
		assert_memory_equal(host_log(), start, strlen(start));
		snprintf(where, sizeof(where), "0x%llx", (unsigned long long)stops[i].gpa);
		if (!strstr(host_log(), where))
			fail_msg("case %u: no %s in: %s", i, where, host_log());
	}
}

/* The test device starts again zeroed when its VM reboots. */
static void test_device_reset_on_reboot(void **state)
{
	static const u8 load[] = { 0x8b, 0x03 };

	(void)state;
	v->regs.gpr[REG_RAX] = 0x5a5a5a5a;
	assert_int_equal(io(TESTDEV_PORT, 4, false), ACT_SKIP);
	v->regs.gpr[REG_RBX] = 0;
	assert_int_equal(mem(TESTDEV_MMIO, true, (const u8 *)"\x89\x03", 2), ACT_EMULATED);
	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(vm->reboots, 1);
	v->regs.gpr[REG_RAX] = ~0ull;
	assert_int_equal(io(TESTDEV_PORT, 4, true), ACT_SKIP);
	assert_int_equal(v->regs.gpr[REG_RAX], 0);
	v->regs.gpr[REG_RAX] = ~0ull;
	assert_int_equal(mem(TESTDEV_MMIO, false, load, sizeof(load)), ACT_EMULATED);
	assert_int_equal(v->regs.gpr[REG_RAX], 0);
}

/* The debug-exit port ends the VM with QEMU's status, (value << 1) | 1,
 * at any width; it reads as nothing there. */
static void test_debug_exit(void **state)
{
	u64 *rax = &v->regs.gpr[REG_RAX];

	(void)state;
	*rax = ~0ull;
	assert_int_equal(io(DEBUG_EXIT_PORT + 2, 2, true), ACT_SKIP);
	assert_int_equal(*rax, ~0ull);
	assert_int_equal(vm->state, VM_RUNNING);
	*rax = 0x12345603;
	assert_int_equal(io(DEBUG_EXIT_PORT, 1, false), ACT_SKIP);
	assert_int_equal(vm->state, VM_SHUTOFF);
	host_log_expect("vm io: powered off: debug-exit status 7 (the guest wrote 0x3 to port 0xf4)");

	vm->state = VM_RUNNING;
	*rax = 0xffffffff80000001ull;
	assert_int_equal(io(DEBUG_EXIT_PORT + 1, 4, false), ACT_SKIP);	/* bytes 0xf5-0xf7, then 0xf8 */
	assert_int_equal(vm->state, VM_SHUTOFF);
	vm->state = VM_RUNNING;
	*rax = 0x80000001;
	assert_int_equal(io(DEBUG_EXIT_PORT, 4, false), ACT_SKIP);
	assert_int_equal(vm->state, VM_SHUTOFF);
	host_log_expect("vm io: powered off: debug-exit status 4294967299 (the guest wrote "
			"0x80000001 to port 0xf4)");
}

/* fw_cfg: a 16-bit write to 0x510 selects an item, byte reads of 0x511
 * give it from the start (0 past its end); constants from QEMU's
 * docs/specs/fw_cfg.rst. */
static void fw_select(u16 key)
{
	v->regs.gpr[REG_RAX] = key;
	assert_int_equal(io(0x510, 2, false), ACT_SKIP);
}

static u64 fw_bytes(u32 n)	/* the next n (<= 8) bytes, little-endian */
{
	u64 val = 0;

	for (u32 i = 0; i < n; i++) {
		v->regs.gpr[REG_RAX] = ~0ull;
		assert_int_equal(io(0x511, 1, true), ACT_SKIP);
		val |= (v->regs.gpr[REG_RAX] & 0xff) << (8 * i);
	}
	return val;
}

static void test_fw_cfg(void **state)
{
	(void)state;
	fw_select(0x0000);
	assert_int_equal(fw_bytes(4), 0x554d4551);	/* "QEMU" */
	assert_int_equal(fw_bytes(4), 0);		/* past its end */
	fw_select(0x0000);				/* rewound */
	assert_int_equal(fw_bytes(1), 'Q');
	fw_select(0x0001);
	assert_int_equal(fw_bytes(4), 1);		/* traditional, no DMA */
	fw_select(0x0003);
	assert_int_equal(fw_bytes(8), MiB(1));		/* RAM */
	fw_select(0x0005);
	assert_int_equal(fw_bytes(2), 1);		/* CPUs */
	fw_select(0x000f);
	assert_int_equal(fw_bytes(2), 1);
	fw_select(0x4005);				/* the write channel: the same item */
	assert_int_equal(fw_bytes(2), 1);
	fw_select(0x0019);
	assert_int_equal(fw_bytes(4), 0);		/* no files */
	fw_select(0x8000);				/* no x86 items */
	assert_int_equal(fw_bytes(8), 0);
	fw_select(0x0002);
	assert_int_equal(fw_bytes(8) | fw_bytes(8), 0);	/* UUID */

	/* A byte write is a data write, ignored: the selector stays. */
	fw_select(0x0000);
	v->regs.gpr[REG_RAX] = 0x05;
	assert_int_equal(io(0x510, 1, false), ACT_SKIP);
	assert_int_equal(io(0x511, 1, false), ACT_SKIP);
	assert_int_equal(fw_bytes(1), 'Q');
	/* Wider reads are not QEMU's: all ones, nothing consumed. */
	v->regs.gpr[REG_RAX] = 0;
	assert_int_equal(io(0x510, 2, true), ACT_SKIP);
	assert_int_equal(v->regs.gpr[REG_RAX], 0xffff);
	assert_int_equal(fw_bytes(1), 'E');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_in_out, before_each),
		cmocka_unit_test_setup(test_unclaimed_ports, before_each),
		cmocka_unit_test_setup(test_port_space_ends, before_each),
		cmocka_unit_test_setup(test_string_io, before_each),
		cmocka_unit_test_setup(test_string_io_leaves_ram, before_each),
		cmocka_unit_test_setup(test_string_out_across_pages, before_each),
		cmocka_unit_test_setup(test_string_in_to_missing_page, before_each),
		cmocka_unit_test_setup(test_string_in_to_read_only_page, before_each),
		cmocka_unit_test_setup(test_mmio_access, before_each),
		cmocka_unit_test_setup(test_mmio_stops, before_each),
		cmocka_unit_test_setup(test_device_reset_on_reboot, before_each),
		cmocka_unit_test_setup(test_debug_exit, before_each),
		cmocka_unit_test_setup(test_fw_cfg, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
