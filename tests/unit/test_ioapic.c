/* Host tests for the I/O APIC (hv/vdev/ioapic.c) in a VM of platform pc
 * with two vCPUs, over the fake back end (fake_hv.h): its registers
 * through the VM's MMIO bus, the lines as devices drive them (irq_set),
 * and what reaches each vCPU's local APIC (its interrupt source) and
 * comes back with the EOI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/config/config.h"
#include "hv/vdev/ioapic.h"
#include "hv/vdev/irq.h"
#include "hv/vdev/lapic.h"
#include "hv/vdev/vdev.h"

#define IOREGSEL IOAPIC_BASE
#define IOWIN (IOAPIC_BASE + 0x10)
#define APIC_SVR 0xf0
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0

#define MASKED (1u << 16)
#define LEVEL (1u << 15)
#define REMOTE_IRR (1u << 14)
#define ACTIVE_LOW (1u << 13)
#define LOGICAL (1u << 11)
#define DM(m) ((u32)(m) << 8)

static struct vm *vm;
static struct vcpu *cur;

struct vcpu *__wrap_vcpu_current(void);
struct vcpu *__wrap_vcpu_current(void)
{
	return cur;
}

static int setup(void **state)
{
	(void)state;
	if (host_init(2))
		return -1;
	host_set_cpu(0);
	vm = host_pc_vm("ioapic", 2, MiB(1), true);
	return 0;
}

static void apic_write(struct vcpu *v, u32 reg, u32 val)
{
	cur = v;
	io_bus_write(&vm->mmio, LAPIC_BASE + reg, 4, val);
}

/* Both local APICs on, every line low, every entry at power-on. */
static int before_each(void **state)
{
	(void)state;
	host_test_start();
	for (u32 line = 0; line < VM_IRQ_LINES; line++)
		irq_set(vm, line, false);
	vdev_reset_all(vm);
	vm->irq.extint = NULL;	/* the 8259 stays out of the APICs' way */
	for (u32 i = 0; i < 2; i++) {
		events_reset(&vm->vcpu[i]->events);
		apic_write(vm->vcpu[i], APIC_SVR, 0x1ff);
	}
	return 0;
}

/* --- helpers ---------------------------------------------------------------- */

static u32 rd(u32 reg)
{
	io_bus_write(&vm->mmio, IOREGSEL, 4, reg);
	return (u32)io_bus_read(&vm->mmio, IOWIN, 4);
}

static void wr(u32 reg, u32 val)
{
	io_bus_write(&vm->mmio, IOREGSEL, 4, reg);
	io_bus_write(&vm->mmio, IOWIN, 4, val);
}

static void route(u32 pin, u32 low, u8 dest)
{
	wr(0x11 + 2 * pin, (u32)dest << 24);
	wr(0x10 + 2 * pin, low);
}

/* The vector vCPU i takes now (IRR to ISR), or -1. */
static int take(u32 i)
{
	const struct intr_source *s = vm->vcpu[i]->events.src;

	return s->take(s->ctl);
}

static int pending(u32 i)
{
	const struct intr_source *s = vm->vcpu[i]->events.src;

	return s->pending(s->ctl);
}

static void eoi(u32 i)
{
	apic_write(vm->vcpu[i], APIC_EOI, 0);
}

/* --- registers ---------------------------------------------------------------- */

/* Version 0x11 with 24 entries; the ID the MADT gives (one past the two
 * local APICs), also the arbitration ID; every entry masked. */
static void test_power_on(void **state)
{
	(void)state;
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x00), 2u << 24);
	assert_int_equal(rd(0x02), 2u << 24);
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(rd(0x10 + 2 * pin), MASKED);
		assert_int_equal(rd(0x11 + 2 * pin), 0);
	}
	assert_int_equal(rd(0x40), 0);		/* past the table */
	assert_int_equal(io_bus_read(&vm->mmio, IOREGSEL, 4), 0x40);
}

/* ID keeps bits 27:24; version and arbitration ID are read-only; an
 * entry keeps what the guest may write, never delivery status or
 * remote IRR; IOREGSEL keeps 8 bits; IOWIN takes only 32-bit writes and
 * reads at any width. */
static void test_register_bits(void **state)
{
	(void)state;
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000);
	wr(0x01, 0);
	wr(0x02, 0);
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x02), 0x0f000000);
	wr(0x10, 0xffffffff);
	wr(0x11, 0xffffffff);
	assert_int_equal(rd(0x10), 0x1afff);
	assert_int_equal(rd(0x11), 0xff000000);
	io_bus_write(&vm->mmio, IOREGSEL, 4, 0x1234);
	assert_int_equal(io_bus_read(&vm->mmio, IOREGSEL, 4), 0x34);
	io_bus_write(&vm->mmio, IOREGSEL, 1, 0x12);
	io_bus_write(&vm->mmio, IOWIN, 2, 0);
	io_bus_write(&vm->mmio, IOWIN, 1, 0);
	assert_int_equal(rd(0x12), MASKED);
	io_bus_write(&vm->mmio, IOREGSEL, 1, 0x01);
	assert_int_equal(io_bus_read(&vm->mmio, IOWIN + 2, 1), 0x17);
	assert_int_equal(io_bus_read(&vm->mmio, IOWIN, 2), 0x11);
	assert_int_equal(io_bus_read(&vm->mmio, IOAPIC_BASE + 0x20, 4), 0xffffffff);
}

/* --- edge-triggered ----------------------------------------------------------- */

/* A rise sends once, to the vCPU named; a line held high sends nothing
 * more; the next rise sends again. */
static void test_edge(void **state)
{
	(void)state;
	route(4, 0x34, 1);
	irq_set(vm, 4, true);
	assert_int_equal(pending(0), -1);
	assert_int_equal(take(1), 0x34);
	irq_set(vm, 4, true);
	assert_int_equal(pending(1), -1);
	eoi(1);
	irq_set(vm, 4, false);
	irq_set(vm, 4, true);
	assert_int_equal(take(1), 0x34);
	assert_int_equal(rd(0x18) & REMOTE_IRR, 0);
}

/* The PIT's line 0 reaches input 2, as the MADT's override says; input
 * 0 hears nothing, and line 2 (the 8259's cascade) goes nowhere. */
static void test_isa_line_0_on_input_2(void **state)
{
	(void)state;
	route(0, 0x50, 0);
	route(2, 0x52, 0);
	irq_pulse(vm, 0);
	assert_int_equal(take(0), 0x52);
	assert_int_equal(pending(0), -1);
	eoi(0);
	irq_pulse(vm, 2);
	assert_int_equal(pending(0), -1);
	irq_pulse(vm, 23);
	route(23, 0x57, 0);
	irq_pulse(vm, 23);
	assert_int_equal(take(0), 0x57);
}

/* A rise while masked is lost (82093AA): unmasking sends nothing. */
static void test_masked_edge_is_lost(void **state)
{
	(void)state;
	route(5, MASKED | 0x35, 0);
	irq_pulse(vm, 5);
	route(5, 0x35, 0);
	assert_int_equal(pending(0), -1);
	irq_pulse(vm, 5);
	assert_int_equal(take(0), 0x35);
}

/* --- level-triggered ------------------------------------------------------------ */

/* Sends while asserted, sets remote IRR when taken; nothing more until
 * the EOI, which sends again while the line is still high; once it is
 * low the EOI only clears remote IRR. */
static void test_level_and_eoi(void **state)
{
	(void)state;
	route(9, LEVEL | 0x39, 0);
	irq_set(vm, 9, true);
	assert_int_equal(rd(0x22) & REMOTE_IRR, REMOTE_IRR);
	assert_int_equal(take(0), 0x39);
	irq_set(vm, 9, false);
	irq_set(vm, 9, true);
	assert_int_equal(pending(0), -1);	/* remote IRR holds it */
	eoi(0);
	assert_int_equal(rd(0x22) & REMOTE_IRR, REMOTE_IRR);	/* sent again */
	assert_int_equal(take(0), 0x39);
	irq_set(vm, 9, false);
	eoi(0);
	assert_int_equal(rd(0x22) & REMOTE_IRR, 0);
	assert_int_equal(pending(0), -1);
}

/* Unmasking an asserted level input sends; so does making an asserted
 * input level-triggered. Active low: asserted while the line is low. */
static void test_level_unmask_and_polarity(void **state)
{
	(void)state;
	route(11, MASKED | LEVEL | 0x3b, 0);
	irq_set(vm, 11, true);
	assert_int_equal(pending(0), -1);
	route(11, LEVEL | 0x3b, 0);
	assert_int_equal(take(0), 0x3b);
	eoi(0);				/* line still high: sent again */
	assert_int_equal(take(0), 0x3b);
	route(11, LEVEL | ACTIVE_LOW | 0x3b, 0);	/* high is now deasserted */
	eoi(0);
	assert_int_equal(pending(0), -1);
	assert_int_equal(rd(0x26) & REMOTE_IRR, 0);
	irq_set(vm, 11, false);		/* asserted */
	assert_int_equal(take(0), 0x3b);
	eoi(0);
	assert_int_equal(take(0), 0x3b);
}

/* Switching an entry to edge-triggered clears remote IRR, as Linux does
 * on an I/O APIC without an EOI register. */
static void test_edge_switch_clears_remote_irr(void **state)
{
	(void)state;
	route(12, LEVEL | 0x3c, 0);
	irq_set(vm, 12, true);
	assert_int_equal(take(0), 0x3c);
	assert_int_equal(rd(0x28) & REMOTE_IRR, REMOTE_IRR);
	route(12, MASKED | 0x3c, 0);
	assert_int_equal(rd(0x28) & REMOTE_IRR, 0);
	route(12, MASKED | LEVEL | 0x3c, 0);
	assert_int_equal(rd(0x28) & REMOTE_IRR, 0);
}

/* A level message no local APIC takes (a destination with none) leaves
 * remote IRR clear, so the next change can send it. */
static void test_level_untaken(void **state)
{
	(void)state;
	route(13, LEVEL | 0x3d, 7);
	irq_set(vm, 13, true);
	assert_int_equal(pending(0), -1);
	assert_int_equal(pending(1), -1);
	assert_int_equal(rd(0x2a) & REMOTE_IRR, 0);
	route(13, LEVEL | 0x3d, 0);
	assert_int_equal(take(0), 0x3d);
}

/* --- destinations and delivery modes ------------------------------------------- */

/* Logical destinations match the local APICs' LDRs (flat model); lowest
 * priority goes to one of them; NMI raises the vCPU's NMI. */
static void test_destinations(void **state)
{
	(void)state;
	apic_write(vm->vcpu[0], APIC_LDR, 0x01000000);
	apic_write(vm->vcpu[1], APIC_LDR, 0x02000000);
	route(14, LOGICAL | 0x3e, 0x02);
	irq_pulse(vm, 14);
	assert_int_equal(pending(0), -1);
	assert_int_equal(take(1), 0x3e);
	route(14, LOGICAL | DM(LAPIC_DM_LOWEST) | 0x4e, 0x03);
	irq_pulse(vm, 14);
	assert_int_equal((pending(0) == 0x4e) + (pending(1) == 0x4e), 1);
	route(15, DM(LAPIC_DM_NMI), 1);
	irq_pulse(vm, 15);
	assert_true(vm->vcpu[1]->events.nmi);
	assert_false(vm->vcpu[0]->events.nmi);
}

/* --- reset ---------------------------------------------------------------------- */

/* A reboot masks every entry and clears remote IRR; the lines keep their
 * levels (they are the devices'), so an asserted level input sends once
 * unmasked again. */
static void test_reset(void **state)
{
	(void)state;
	wr(0x00, 0x05000000);
	route(16, LEVEL | 0x40, 0);
	irq_set(vm, 16, true);
	assert_int_equal(take(0), 0x40);
	vdev_reset_all(vm);
	events_reset(&vm->vcpu[0]->events);
	apic_write(vm->vcpu[0], APIC_SVR, 0x1ff);
	assert_int_equal(rd(0x00), 2u << 24);
	assert_int_equal(rd(0x30), MASKED);
	route(16, LEVEL | 0x40, 0);
	assert_int_equal(take(0), 0x40);
}

/* A VM of platform none has no I/O APIC, and lines go nowhere there. */
static void test_platform_none(void **state)
{
	struct vm *bare;

	(void)state;
	bare = host_vm("bare", 1, MiB(1), 0, false);	/* platform none */
	assert_null(vdev_state(bare, &ioapic_model));
	assert_null(io_bus_find(&bare->mmio, IOAPIC_BASE));
	assert_non_null(vdev_state(vm, &ioapic_model));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, before_each)
		T(test_power_on),
		T(test_register_bits),
		T(test_edge),
		T(test_isa_line_0_on_input_2),
		T(test_masked_edge_is_lost),
		T(test_level_and_eoi),
		T(test_level_unmask_and_polarity),
		T(test_edge_switch_clears_remote_irr),
		T(test_level_untaken),
		T(test_destinations),
		T(test_reset),
		T(test_platform_none),
#undef T
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
