/* Host tests for port and MMIO exits (hv/exits/portio.c, hv/exits/mmio.c)
 * over the fake back end (fake_hv.h), on a VM's real buses and its test
 * device (hv/vdev/testdev.c): IN, OUT and INS/OUTS as the CPU does them
 * (register merging, widths, RCX/RSI/RDI, the direction flag), MOVs at a
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
#include "hv/exits/mmio.h"
#include "hv/exits/portio.h"
#include "hv/vdev/testdev.h"

#define BIT(n) (1ull << (n))
#define BUF 0x10000ull	/* guest RAM the string instructions use */

static struct vm *vm;	/* with the test device, started: 32-bit, paging off */
static struct vcpu *v;

static int setup(void **state)
{
	struct config_vm c;

	(void)state;
	if (host_init(2))
		return -1;
	c = host_config("io", 1, MiB(1), 0);
	c.testdev = true;
	vm = vm_create(&c, host_boot());
	if (!vm || vm_start(vm))
		return -1;
	v = vm->vcpu[0];
	return 0;
}

static int before_each(void **state)
{
	(void)state;
	memset(v->regs.gpr, 0, sizeof(v->regs.gpr));
	v->regs.rflags = 2;
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
		assert_int_equal(io(0x80, size, true), ACT_SKIP);
		assert_int_equal(*rax, BYTES_MASK(size));
	}
	*rax = 0x12345678;
	assert_int_equal(io(0x80, 4, false), ACT_SKIP);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_in_out, before_each),
		cmocka_unit_test_setup(test_unclaimed_ports, before_each),
		cmocka_unit_test_setup(test_port_space_ends, before_each),
		cmocka_unit_test_setup(test_string_io, before_each),
		cmocka_unit_test_setup(test_string_io_leaves_ram, before_each),
		cmocka_unit_test_setup(test_mmio_access, before_each),
		cmocka_unit_test_setup(test_mmio_stops, before_each),
		cmocka_unit_test_setup(test_device_reset_on_reboot, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
