/* Host tests for the ACPI PM device (hv/vdev/acpi_pm.c) over the fake
 * back end (fake_hv.h), on a started VM of platform = pc reached through
 * port exits: the tables in its RAM at boot, PM1 status/enable/control
 * with the SCI (irq_set, wrapped here), S5 power-off, the reset
 * register's reboot, the PM timer against the fake TSC with TMR_STS and
 * its interrupt, and accesses of every width and offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "drivers/acpi.h"
#include "hv/core/timer.h"
#include "hv/exits/portio.h"
#include "hv/vdev/acpi_pm.h"
#include "hv/vdev/acpi_tables.h"

static struct vm *vm;
static struct vcpu *v;
static bool sci;	/* the last level driven on line 9 */
static u32 sci_sets;

void __real_irq_set(struct vm *vm, u32 line, bool level);
void __wrap_irq_set(struct vm *m, u32 line, bool level)
{
	if (line == ACPI_SCI_IRQ) {
		sci = level;
		sci_sets++;
	}
	__real_irq_set(m, line, level);
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	fake_tsc = 1000000;
	vm = host_pc_vm("pm", 2, MiB(2), true);
	v = vm->vcpu[0];
	return 0;
}

/* Each test starts on a freshly booted VM. */
static int before_each(void **state)
{
	(void)state;
	vm->state = VM_RUNNING;
	host_test_start();
	timer_cpu_init();
	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	host_test_start();
	sci_sets = 0;
	return 0;
}

static u64 in(u16 port, u8 size)
{
	struct exit_record x = { .reason = EXIT_IO,
				 .io = { .port = port, .size = size, .in = true, .seg = -1 } };

	v->regs.gpr[REG_RAX] = 0;
	assert_int_equal(portio_exit(v, &x), ACT_SKIP);
	return v->regs.gpr[REG_RAX] & BYTES_MASK(size);
}

static void out(u16 port, u8 size, u64 val)
{
	struct exit_record x = { .reason = EXIT_IO,
				 .io = { .port = port, .size = size, .in = false, .seg = -1 } };

	v->regs.gpr[REG_RAX] = val;
	assert_int_equal(portio_exit(v, &x), ACT_SKIP);
}

static const void *map(u64 phys, u64 len, void *ctx)
{
	return gmem_ptr(ctx, phys, len);
}

/* At boot the VM's RAM holds its tables; a reboot writes them again. */
static void test_tables_in_ram(void **state)
{
	static struct acpi_info info;
	char err[100];

	(void)state;
	for (u32 boot = 0; boot < 2; boot++) {
		assert_int_equal(gmem_zero(&vm->mem, ACPI_TABLES_BASE, ACPI_TABLES_MAX), 0);
		vm_request(vm, v, VM_REQ_REBOOT);
		vm_serve_requests(vm);
		memset(&info, 0, sizeof(info));
		assert_int_equal(acpi_parse(ACPI_RSDP_ADDR, map, &vm->mem, &info, err, sizeof(err),
					    NULL, 0), 0);
		assert_int_equal(info.ncpus_enabled, 2);
		assert_int_equal(info.ioapics[0].id, 2);
	}
}

/* STS bits clear by writing 1; EN holds its defined bits; CNT reads
 * SCI_EN and keeps SLP_TYP, not SLP_EN. The SCI follows STS & EN. */
static void test_pm1_registers(void **state)
{
	(void)state;
	assert_int_equal(in(ACPI_PM1_EVT, 4), 0);
	assert_int_equal(in(ACPI_PM1_CNT, 2), PM1_SCI_EN);
	out(ACPI_PM1_EVT + 2, 2, 0xffff);
	assert_int_equal(in(ACPI_PM1_EVT + 2, 2), 0x0721);
	out(ACPI_PM1_EVT + 2, 2, 0);
	out(ACPI_PM1_CNT, 2, 3 << PM1_SLP_TYP_SHIFT | 0x0006);
	assert_int_equal(in(ACPI_PM1_CNT, 2), 3 << PM1_SLP_TYP_SHIFT | PM1_SCI_EN);
	out(ACPI_PM1_CNT, 2, 0);
	assert_int_equal(in(ACPI_PM1_CNT, 2), PM1_SCI_EN);

	/* The power button: status without the SCI until it is enabled. */
	assert_true(acpi_pm_power_button(vm));
	assert_int_equal(in(ACPI_PM1_EVT, 2), PM1_PWRBTN);
	assert_false(sci);
	out(ACPI_PM1_EVT + 3, 1, PM1_PWRBTN >> 8);
	assert_true(sci);
	out(ACPI_PM1_EVT, 4, PM1_PWRBTN);	/* clears the status, keeps EN 0 */
	assert_false(sci);
	assert_int_equal(in(ACPI_PM1_EVT, 4), 0);
	/* Writing 0 to a status bit leaves it. */
	assert_true(acpi_pm_power_button(vm));
	out(ACPI_PM1_EVT, 2, 0);
	assert_int_equal(in(ACPI_PM1_EVT, 2), PM1_PWRBTN);
}

/* SLP_EN with \_S5's SLP_TYP powers off, whichever width; another type
 * does nothing. */
static void test_s5(void **state)
{
	(void)state;
	out(ACPI_PM1_CNT, 2, 1 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	assert_int_equal(vm->state, VM_RUNNING);
	out(ACPI_PM1_CNT, 2, ACPI_S5_SLP_TYP << PM1_SLP_TYP_SHIFT);
	assert_int_equal(vm->state, VM_RUNNING);
	out(ACPI_PM1_CNT, 2, ACPI_S5_SLP_TYP << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	assert_int_equal(vm->state, VM_SHUTOFF);
	host_log_expect("vm pm: powered off: ACPI S5 (the guest wrote 0x3400 to port 0x604)");

	vm->state = VM_RUNNING;
	out(ACPI_PM1_CNT + 1, 1, 0x34);
	assert_int_equal(vm->state, VM_SHUTOFF);
	host_log_expect("vm pm: powered off: ACPI S5 (the guest wrote 0x34 to port 0x605)");
}

/* A write with RST_CPU asks for a reboot; bits 1 and 3 read back. */
static void test_reset_register(void **state)
{
	u32 reboots = vm->reboots;

	(void)state;
	out(ACPI_RESET_PORT, 1, 0x0a);
	assert_int_equal(vm->requests, 0);
	assert_int_equal(in(ACPI_RESET_PORT, 1), 0x0a);
	out(ACPI_RESET_PORT, 1, ACPI_RESET_VALUE);
	assert_int_equal(vm->requests, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(vm->reboots, reboots + 1);
	assert_int_equal(in(ACPI_RESET_PORT, 1), 0);
}

/* The timer counts 3579545 a second of the VM's TSC from its boot, 24
 * bits; TMR_STS comes up when bit 23 changes. */
static void test_pm_timer(void **state)
{
	u64 base = vm->tsc_base;

	(void)state;
	fake_tsc = base;
	assert_int_equal(in(ACPI_PM_TMR, 4), 0);
	fake_tsc = base + FAKE_TSC_HZ;
	assert_int_equal(in(ACPI_PM_TMR, 4), 3579545);
	assert_int_equal(in(ACPI_PM_TMR + 1, 2), (3579545 >> 8) & 0xffff);
	fake_tsc = base + FAKE_TSC_HZ / 1000 * 2343;	/* 8386873.9 ticks: bit 23 not yet */
	assert_int_equal(in(ACPI_PM_TMR, 4), 8386873);
	assert_int_equal(in(ACPI_PM1_EVT, 2) & PM1_TMR, 0);
	fake_tsc = base + 5 * FAKE_TSC_HZ;		/* 17897725: wrapped */
	assert_int_equal(in(ACPI_PM_TMR, 4), 17897725 & 0xffffff);
	assert_int_equal(in(ACPI_PM1_EVT, 2) & PM1_TMR, PM1_TMR);
	out(ACPI_PM1_EVT, 2, PM1_TMR);
	assert_int_equal(in(ACPI_PM1_EVT, 2) & PM1_TMR, 0);
	out(ACPI_PM_TMR, 4, 0);				/* read-only */
	assert_int_equal(in(ACPI_PM_TMR, 4), 17897725 & 0xffffff);
}

/* With TMR_EN the device's timer raises the SCI when bit 23 flips, at
 * the TSC that ticks say, and not before. */
static void test_pm_timer_interrupt(void **state)
{
	u64 flip = vm->tsc_base + (8388608ull * FAKE_TSC_HZ + ACPI_PM_TIMER_HZ - 1) /
				  ACPI_PM_TIMER_HZ;

	(void)state;
	fake_tsc = vm->tsc_base + 10;
	out(ACPI_PM1_EVT + 2, 2, PM1_TMR);
	assert_false(sci);
	fake_tsc = flip - 1;
	timer_run_expired();
	assert_false(sci);
	fake_tsc = flip;
	timer_run_expired();
	assert_true(sci);
	assert_int_equal(in(ACPI_PM_TMR, 4), 8388608);
	out(ACPI_PM1_EVT, 2, PM1_TMR);
	assert_false(sci);
	out(ACPI_PM1_EVT + 2, 2, 0);
}

/* Every width at every offset, reads and writes: the unused bytes read
 * as all ones and nothing stops the VM. */
static void test_any_access(void **state)
{
	(void)state;
	assert_int_equal(in(ACPI_PM_PORT + 6, 2), 0xffff);
	assert_int_equal(in(ACPI_PM_PORT + 13, 1), 0xff);
	assert_int_equal(in(ACPI_PM_PORT + 14, 4), 0xffffffff);	/* past the end too */
	for (u16 port = ACPI_PM_PORT - 3; port < ACPI_PM_PORT + ACPI_PM_PORTS + 3; port++)
		for (u8 size = 1; size <= 4; size *= 2) {
			in(port, size);
			if (port != ACPI_RESET_PORT - size + 1 && port + size - 1 < ACPI_RESET_PORT)
				out(port, size, 0);
		}
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(vm->requests, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tables_in_ram, before_each),
		cmocka_unit_test_setup(test_pm1_registers, before_each),
		cmocka_unit_test_setup(test_s5, before_each),
		cmocka_unit_test_setup(test_reset_register, before_each),
		cmocka_unit_test_setup(test_pm_timer, before_each),
		cmocka_unit_test_setup(test_pm_timer_interrupt, before_each),
		cmocka_unit_test_setup(test_any_access, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
