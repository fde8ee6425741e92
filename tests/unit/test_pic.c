/* Host tests for the 8259A pair (hv/vdev/pic.c) in a VM of platform pc,
 * over the fake back end (fake_hv.h): each register and command through
 * the VM's port bus, the lines as devices drive them (irq_set, and the
 * test device's line register), and the pair's INTA (pending/take) as
 * vCPU 0 reaches it through its local APIC's LINT0, and the kick when
 * INT rises. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/config/config.h"
#include "hv/vdev/pic.h"
#include "hv/vdev/testdev.h"

#define M PIC_MASTER_PORT
#define S PIC_SLAVE_PORT
#define ELCR PIC_ELCR_PORT
#define READ_IRR 0x0a	/* OCW3 */
#define READ_ISR 0x0b
#define POLL 0x0c
#define SET_SMM 0x68
#define CLEAR_SMM 0x48
#define EOI 0x20	/* OCW2: non-specific */
#define SEOI(l) (0x60 | (l))
#define ROTATE_EOI 0xa0
#define ROTATE_SEOI(l) (0xe0 | (l))
#define SET_PRIORITY(l) (0xc0 | (l))
#define ROTATE_AEOI_SET 0x80
#define ROTATE_AEOI_CLEAR 0x00

static struct vm *vm;	/* platform pc, with the test device, started */
static struct vcpu *v;

static int setup(void **state)
{
	struct config_vm c;

	(void)state;
	if (host_init(2))
		return -1;
	c = host_config("pic", 1, MiB(1), 0);
	c.platform = CONFIG_PLATFORM_PC;
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
	for (u32 line = 0; line < VM_IRQ_LINES; line++)
		irq_set(vm, line, false);
	vdev_reset_all(vm);
	events_reset(&v->events);
	vm->state = VM_RUNNING;
	host_test_start();
	return 0;
}

static void out(u16 port, u8 val)
{
	io_bus_write(&vm->ports, port, 1, val);
}

static u8 in(u16 port)
{
	return (u8)io_bus_read(&vm->ports, port, 1);
}

static u8 isr(u16 port)
{
	out(port, READ_ISR);
	return in(port);
}

static u8 irr(u16 port)
{
	out(port, READ_IRR);
	return in(port);
}

static int pending(void)
{
	return vm->irq.extint->pending(vm->irq.extint->ctl);
}

static int take(void)
{
	return vm->irq.extint->take(vm->irq.extint->ctl);
}

/* Whether the pair told vCPU 0 that INT rose since the last call. */
static bool told(void)
{
	bool t = events_pending(&v->events);

	events_reset(&v->events);
	return t;
}

/* As Linux's init_8259A: ICW1 0x11, the bases, ICW3 4 and 2, ICW4 icw4;
 * everything unmasked. */
static void init_pair(u8 master_base, u8 slave_base, u8 icw4)
{
	out(M, 0x11);
	out(M + 1, master_base);
	out(M + 1, 0x04);
	out(M + 1, icw4);
	out(S, 0x11);
	out(S + 1, slave_base);
	out(S + 1, 0x02);
	out(S + 1, icw4);
	told();
}

/* --- power-on and reset ------------------------------------------------------ */

/* The pair's INTA is the VM's ExtINT, which vCPU 0's local APIC passes
 * on through LINT0; at power-on everything is clear, nothing is expected
 * of ICW, the bases are 0 (a rising line 3 asks for vector 3), IR7 is
 * the lowest priority and the slave sits on input 2. */
static void test_power_on_state(void **state)
{
	(void)state;
	assert_non_null(vm->irq.extint);
	assert_non_null(v->events.src);
	assert_int_equal(in(M + 1), 0);
	assert_int_equal(in(S + 1), 0);
	assert_int_equal(in(M), 0);		/* IRR selected */
	assert_int_equal(isr(M), 0);
	assert_int_equal(isr(S), 0);
	assert_int_equal(in(ELCR), 0);
	assert_int_equal(in(ELCR + 1), 0);
	assert_int_equal(pending(), -1);
	assert_int_equal(take(), -1);

	irq_pulse(vm, 3);
	assert_int_equal(pending(), 3);
	assert_int_equal(take(), 3);
	irq_pulse(vm, 10);
	assert_int_equal(take(), 2);		/* the slave's base 0, its input 2 */
	assert_int_equal(isr(M), 0x0c);
	assert_int_equal(isr(S), 0x04);
	out(M + 1, 0x21);
	assert_int_equal(in(M + 1), 0x21);	/* an OCW1: no ICW expected */
}

/* A reboot puts the pair back, whatever the guest did; the levels of the
 * lines are the devices' and stay. */
static void test_reset_on_reboot(void **state)
{
	(void)state;
	init_pair(0x30, 0x38, 0x03);
	out(M, 0x11);				/* half way through an init */
	out(M + 1, 0x40);
	out(S + 1, 0xaa);
	out(ELCR, 0x20);
	out(ELCR + 1, 0x02);
	out(S, SET_SMM);
	out(M, SET_PRIORITY(3));
	irq_set(vm, 5, true);
	irq_pulse(vm, 12);

	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(vm->reboots, 1);
	assert_int_equal(in(M + 1), 0);		/* an OCW1, not ICW3 */
	assert_int_equal(in(S + 1), 0);
	assert_int_equal(in(ELCR), 0);
	assert_int_equal(in(ELCR + 1), 0);
	assert_int_equal(irr(M), 0);		/* line 5 is held, but edge and no rise */
	assert_int_equal(irr(S), 0);
	assert_int_equal(pending(), -1);
	irq_pulse(vm, 0);
	irq_pulse(vm, 7);
	assert_int_equal(take(), 0);		/* base 0, IR0 first again */
	assert_int_equal(take(), -1);		/* IR0 in service: no AEOI */
	out(M, EOI);
	assert_int_equal(take(), 7);
	out(ELCR, 0x20);
	assert_int_equal(take(), 5);		/* line 5 still high */
}

/* --- initialisation ----------------------------------------------------------- */

/* ICW2's low 3 bits are ignored; ICW3 then ICW4 follow when ICW1 says
 * cascade and IC4; the next write to port 1 is the mask. */
static void test_init_sequence(void **state)
{
	(void)state;
	out(M + 1, 0xff);
	out(M, 0x11);
	assert_int_equal(in(M + 1), 0);		/* ICW1 cleared the mask */
	out(M + 1, 0x37);
	out(M + 1, 0x04);
	out(M + 1, 0x01);
	out(M + 1, 0xf7);			/* OCW1 */
	assert_int_equal(in(M + 1), 0xf7);
	irq_pulse(vm, 3);
	assert_int_equal(take(), 0x33);

	/* No IC4: ICW2, ICW3, then the mask; ICW4's modes are off. */
	out(M, 0x10);
	out(M + 1, 0x48);
	out(M + 1, 0x04);
	out(M + 1, 0xfe);
	assert_int_equal(in(M + 1), 0xfe);
	irq_pulse(vm, 0);
	assert_int_equal(take(), 0x48);
	assert_int_equal(isr(M), 0x01);		/* not automatic EOI */

	/* Single with IC4: ICW2, then ICW4 (here AEOI), no ICW3. */
	out(M, 0x13);
	out(M + 1, 0x50);
	out(M + 1, 0x03);
	out(M + 1, 0x00);
	assert_int_equal(in(M + 1), 0x00);
	irq_pulse(vm, 1);
	assert_int_equal(take(), 0x51);
	assert_int_equal(isr(M), 0);		/* ICW4 said AEOI */

	/* Single without IC4: ICW2, then the mask. */
	out(M, 0x12);
	out(M + 1, 0x60);
	out(M + 1, 0x3c);
	assert_int_equal(in(M + 1), 0x3c);
}

/* ICW1 starts over: mask, ISR, latched requests, rotation, special mask,
 * the read select and a poll are cleared; a line held high must rise
 * again before it requests. */
static void test_icw1_clears(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 6);
	assert_int_equal(take(), 0x26);
	irq_set(vm, 4, true);
	irq_pulse(vm, 5);
	out(M + 1, 0x20);			/* line 5 masked */
	out(M, SET_PRIORITY(1));
	out(M, SET_SMM);
	out(M, READ_ISR);
	out(M, POLL);

	init_pair(0x20, 0x28, 0x01);
	assert_int_equal(in(M + 1), 0);
	assert_int_equal(in(M), 0);		/* IRR, and no poll */
	assert_int_equal(isr(M), 0);
	assert_int_equal(pending(), -1);	/* 4 is high but did not rise */
	irq_pulse(vm, 7);
	irq_pulse(vm, 0);
	assert_int_equal(take(), 0x20);		/* priority back to 0 first */
	assert_int_equal(take(), -1);		/* no special mask: 0 blocks 7 */
	irq_set(vm, 4, false);
	irq_set(vm, 4, true);
	out(M, EOI);
	assert_int_equal(take(), 0x24);
}

/* --- delivery ------------------------------------------------------------------ */

/* A master line gives master base + line; a slave line slave base +
 * line - 8, with the master's input 2 in service beside the slave's. */
static void test_master_and_slave_vectors(void **state)
{
	(void)state;
	init_pair(0x30, 0x38, 0x01);
	irq_pulse(vm, 4);
	assert_true(told());
	assert_int_equal(pending(), 0x34);
	assert_int_equal(pending(), 0x34);	/* asking changes nothing */
	assert_int_equal(take(), 0x34);
	assert_int_equal(pending(), -1);
	assert_int_equal(isr(M), 0x10);
	out(M, EOI);

	irq_pulse(vm, 11);
	assert_true(told());
	assert_int_equal(irr(M), 0x04);		/* the slave's INT on input 2 */
	assert_int_equal(irr(S), 0x08);
	assert_int_equal(take(), 0x3b);
	assert_int_equal(isr(M), 0x04);
	assert_int_equal(isr(S), 0x08);
	assert_int_equal(irr(M), 0);
	assert_int_equal(irr(S), 0);
	out(S, EOI);
	out(M, EOI);
	assert_int_equal(isr(M) | isr(S), 0);
	assert_int_equal(take(), -1);
}

/* Line 2 is the cascade: ISA IRQ 2 reaches no input. Lines past 15 are
 * not the pair's. */
static void test_line_2_unconnected(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_set(vm, 2, true);
	irq_pulse(vm, 16);
	assert_int_equal(irr(M), 0);
	assert_int_equal(pending(), -1);
	assert_false(told());
}

/* vCPU 0 hears when INT rises (a line, an unmask, an EOI that lets a
 * waiting request through), not when it stays or nothing can go. */
static void test_int_rise_tells_the_vcpu(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(M + 1, 0x08);
	irq_pulse(vm, 3);			/* masked */
	assert_false(told());
	out(M + 1, 0x00);
	assert_true(told());
	irq_pulse(vm, 5);			/* INT already up */
	assert_false(told());
	assert_int_equal(take(), 0x23);
	assert_false(told());
	out(M, EOI);				/* 5 may go now */
	assert_true(told());
	assert_int_equal(take(), 0x25);
	irq_pulse(vm, 13);
	assert_true(told());			/* the slave through input 2 */
	out(M + 1, 0xff);
	out(M + 1, 0xff);
	assert_false(told());
}

/* A masked request waits in IRR and goes once unmasked; masking input 2
 * on the master masks the whole slave. */
static void test_mask(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(M + 1, 0x40);
	irq_pulse(vm, 6);
	assert_int_equal(pending(), -1);
	assert_int_equal(irr(M), 0x40);
	out(M + 1, 0);
	assert_int_equal(take(), 0x26);
	out(M, EOI);

	out(S + 1, 0x80);
	irq_pulse(vm, 15);
	assert_int_equal(irr(S), 0x80);
	assert_int_equal(irr(M), 0);		/* the slave does not ask */
	assert_int_equal(take(), -1);
	out(S + 1, 0);
	out(M + 1, 0x04);
	assert_int_equal(irr(M), 0x04);
	assert_int_equal(take(), -1);
	out(M + 1, 0);
	assert_int_equal(take(), 0x2f);
}

/* Each line latches one request per rise: a line held high asks once, a
 * pulse asks again, and a pulse while one waits is the same request. */
static void test_edge_triggered(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_set(vm, 3, true);
	irq_set(vm, 3, true);
	assert_int_equal(take(), 0x23);
	out(M, EOI);
	assert_int_equal(take(), -1);		/* still high: no new request */
	irq_set(vm, 3, false);
	assert_int_equal(take(), -1);
	irq_set(vm, 3, true);
	irq_pulse(vm, 4);
	irq_pulse(vm, 4);
	assert_int_equal(take(), 0x23);
	out(M, EOI);
	assert_int_equal(take(), 0x24);
	out(M, EOI);
	assert_int_equal(take(), -1);		/* the two pulses were one */
}

/* --- priority -------------------------------------------------------------------- */

/* Of two requests the higher goes first; an input in service blocks its
 * own and lower priorities, a higher one nests, and the non-specific EOI
 * ends the highest in service. The slave's lines rank at input 2. */
static void test_priority_and_nesting(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 6);
	irq_pulse(vm, 4);
	assert_int_equal(take(), 0x24);
	assert_int_equal(take(), -1);		/* 6 is lower than 4 */
	irq_pulse(vm, 4);
	assert_int_equal(take(), -1);		/* and 4 itself */
	irq_pulse(vm, 12);
	assert_int_equal(take(), 0x2c);		/* input 2 is higher: nests */
	irq_pulse(vm, 9);
	assert_int_equal(take(), -1);		/* 2 in service blocks the slave */
	irq_pulse(vm, 1);
	assert_int_equal(take(), 0x21);
	assert_int_equal(isr(M), 0x16);
	out(M, EOI);				/* ends 1 */
	assert_int_equal(isr(M), 0x14);
	assert_int_equal(take(), -1);
	out(S, EOI);
	out(M, EOI);				/* ends 2 */
	assert_int_equal(take(), 0x29);		/* the slave's waiting 9 */
	out(S, EOI);
	out(M, EOI);
	out(M, EOI);				/* ends 4 */
	assert_int_equal(take(), 0x24);
	out(M, EOI);
	assert_int_equal(take(), 0x26);
	out(M, EOI);
	assert_int_equal(isr(M), 0);
	out(M, EOI);				/* nothing in service: nothing */
	assert_int_equal(isr(M), 0);
}

/* Specific EOI ends the one named, whatever its rank. */
static void test_specific_eoi(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 5);
	assert_int_equal(take(), 0x25);
	irq_pulse(vm, 3);
	assert_int_equal(take(), 0x23);
	out(M, SEOI(5));
	assert_int_equal(isr(M), 0x08);
	out(M, SEOI(6));			/* not in service: nothing */
	assert_int_equal(isr(M), 0x08);
	out(M, SEOI(3));
	assert_int_equal(isr(M), 0);
	out(M, 0x40);				/* OCW2 no-op */
	assert_int_equal(in(M + 1), 0);
}

/* Rotation: the line an EOI ends (or set priority names) becomes the
 * lowest, so the one after it is the highest. */
static void test_rotate(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(M, SET_PRIORITY(4));		/* 5 highest ... 4 lowest */
	irq_pulse(vm, 3);
	irq_pulse(vm, 6);
	assert_int_equal(take(), 0x26);
	assert_int_equal(take(), -1);		/* 3 is below 6 now */
	out(M, ROTATE_EOI);			/* ends 6; 6 lowest, 7 highest */
	irq_pulse(vm, 6);
	irq_pulse(vm, 7);
	assert_int_equal(take(), 0x27);
	out(M, ROTATE_SEOI(7));			/* 7 lowest, 0 highest */
	assert_int_equal(take(), 0x23);
	out(M, EOI);
	assert_int_equal(take(), 0x26);
	out(M, ROTATE_EOI);			/* 6 lowest */
	irq_pulse(vm, 6);
	irq_pulse(vm, 5);
	assert_int_equal(take(), 0x25);
	assert_int_equal(take(), -1);		/* 5 in service blocks 6 */
	out(M, EOI);
	assert_int_equal(take(), 0x26);

	/* In AEOI mode with rotation on, each acknowledge rotates. */
	init_pair(0x20, 0x28, 0x03);
	out(M, ROTATE_AEOI_SET);
	irq_pulse(vm, 1);
	irq_pulse(vm, 4);
	assert_int_equal(take(), 0x21);		/* 1 lowest now */
	irq_pulse(vm, 1);
	irq_pulse(vm, 3);
	assert_int_equal(take(), 0x23);		/* 3 ranks above 1 */
	assert_int_equal(take(), 0x24);
	assert_int_equal(take(), 0x21);
	out(M, ROTATE_AEOI_CLEAR);
	irq_pulse(vm, 0);
	irq_pulse(vm, 7);
	assert_int_equal(take(), 0x27);		/* 1 lowest: 2..7, 0 */
	irq_pulse(vm, 5);
	assert_int_equal(take(), 0x25);		/* no rotation: 5 above 0 */
	assert_int_equal(take(), 0x20);
}

/* --- modes ------------------------------------------------------------------- */

/* AEOI: the acknowledge sets no ISR bit, so the same line goes again
 * with no EOI. */
static void test_automatic_eoi(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x03);
	irq_pulse(vm, 5);
	assert_int_equal(take(), 0x25);
	assert_int_equal(isr(M), 0);
	irq_pulse(vm, 5);
	assert_int_equal(take(), 0x25);
	irq_pulse(vm, 9);
	assert_int_equal(take(), 0x29);
	assert_int_equal(isr(M) | isr(S), 0);
	/* Two waiting on the slave: the slave's INT drops at each acknowledge
	 * and rises again for the next. */
	irq_pulse(vm, 14);
	irq_pulse(vm, 10);
	assert_int_equal(take(), 0x2a);
	assert_int_equal(take(), 0x2e);
	assert_int_equal(take(), -1);
}

/* Special mask mode: an in-service input blocks only itself, and the
 * mask alone decides the rest; leaving it restores nesting. */
static void test_special_mask(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 3);
	assert_int_equal(take(), 0x23);
	irq_pulse(vm, 5);
	assert_int_equal(take(), -1);
	out(M, SET_SMM);
	out(M + 1, 0x08);
	out(M, READ_ISR);			/* no ESMM bit: the mode stays */
	assert_int_equal(take(), 0x25);		/* below 3, which is in service */
	irq_pulse(vm, 5);
	assert_int_equal(take(), -1);		/* 5 is in service itself */
	irq_pulse(vm, 7);
	assert_int_equal(take(), 0x27);
	irq_pulse(vm, 6);
	out(M, CLEAR_SMM);
	assert_int_equal(take(), -1);		/* nesting again: 3 and 5 block 6 */
	out(M, SEOI(5));
	out(M, SEOI(7));
	assert_int_equal(take(), -1);		/* 3 still in service */
	out(M, SEOI(3));
	assert_int_equal(take(), 0x25);		/* the second 5 waited */
}

/* Special fully nested mode (ICW4 bit 4) on the master: a higher slave
 * request goes while a slave line is in service; without it, none does. */
static void test_special_fully_nested(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 12);
	assert_int_equal(take(), 0x2c);
	irq_pulse(vm, 9);
	assert_int_equal(take(), -1);

	init_pair(0x20, 0x28, 0x11);
	irq_pulse(vm, 12);
	assert_int_equal(take(), 0x2c);
	irq_pulse(vm, 14);
	assert_int_equal(take(), -1);		/* lower on the slave: its ISR blocks */
	irq_pulse(vm, 9);
	assert_int_equal(take(), 0x29);
	assert_int_equal(isr(S), 0x12);
	irq_pulse(vm, 3);
	assert_int_equal(take(), -1);		/* input 2 in service still blocks 3 */
}

/* ICW3: the master addresses the slave for input 2 only in cascade mode
 * with bit 2 set; otherwise it answers input 2 itself. */
static void test_cascade_mode(void **state)
{
	(void)state;
	out(M, 0x11);
	out(M + 1, 0x20);
	out(M + 1, 0x00);			/* no slave anywhere */
	out(M + 1, 0x01);
	out(S, 0x11);
	out(S + 1, 0x28);
	out(S + 1, 0x02);
	out(S + 1, 0x01);
	irq_pulse(vm, 10);
	assert_int_equal(take(), 0x22);
	assert_int_equal(isr(S), 0);
	assert_int_equal(irr(S), 0x04);

	out(M, 0x13);				/* single */
	out(M + 1, 0x40);
	out(M + 1, 0x01);
	assert_int_equal(take(), 0x42);
}

/* Level-triggered lines (ELCR, or ICW1's LTIM for a whole chip) request
 * while high: again after the EOI while still high, not once lowered. */
static void test_level_triggered(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(ELCR, 0xff);
	out(ELCR + 1, 0xff);
	assert_int_equal(in(ELCR), 0xf8);	/* 0, 1, 2 always edge */
	assert_int_equal(in(ELCR + 1), 0xde);	/* 8 and 13 too */
	out(ELCR, 0x20);
	out(ELCR + 1, 0x00);

	irq_set(vm, 5, true);
	assert_true(told());
	assert_int_equal(take(), 0x25);
	assert_int_equal(irr(M), 0x20);		/* acknowledged, still asks */
	assert_int_equal(take(), -1);
	out(M, EOI);
	assert_true(told());
	assert_int_equal(take(), 0x25);
	irq_set(vm, 5, false);
	assert_int_equal(irr(M), 0);
	out(M, EOI);
	assert_int_equal(take(), -1);
	assert_false(told());

	/* A line held high when ELCR turns it level asks at once; turned
	 * back to edge it asks no more. */
	irq_set(vm, 6, true);
	assert_int_equal(take(), 0x26);
	out(M, EOI);
	told();
	out(ELCR, 0x60);
	assert_true(told());
	assert_int_equal(take(), 0x26);
	out(M, EOI);
	out(ELCR, 0x00);
	assert_int_equal(take(), -1);
	irq_set(vm, 6, false);
	/* An edge request left waiting goes with the switch to level. */
	out(M + 1, 0x80);
	irq_pulse(vm, 7);
	out(ELCR, 0x80);
	out(ELCR, 0x00);
	assert_int_equal(irr(M), 0);
	out(M + 1, 0x00);

	/* LTIM: every line of the chip, even those ELCR keeps edge. */
	out(M, 0x19);
	out(M + 1, 0x20);
	out(M + 1, 0x04);
	out(M + 1, 0x01);
	irq_set(vm, 0, true);
	assert_int_equal(take(), 0x20);
	out(M, EOI);
	assert_int_equal(take(), 0x20);
	irq_set(vm, 0, false);
	out(M, EOI);
	assert_int_equal(take(), -1);
}

/* --- poll ---------------------------------------------------------------------- */

/* After a poll command the next read, at either port, acknowledges: 0x80
 * | the input (ISR set, INT down), or 0 with nothing. Then reads are
 * plain again. Polling the master with the slave asking gives input 2
 * alone; the slave is polled itself. */
static void test_poll(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	irq_pulse(vm, 6);
	out(M, POLL);
	assert_int_equal(in(M), 0x86);
	assert_int_equal(isr(M), 0x40);
	assert_int_equal(pending(), -1);
	out(M, POLL);
	assert_int_equal(in(M), 0);		/* 6 in service, nothing else */
	out(M, EOI);
	irq_pulse(vm, 1);
	out(M + 1, 0x10);
	out(M, POLL);
	assert_int_equal(in(M + 1), 0x81);	/* at port 1 too */
	assert_int_equal(in(M + 1), 0x10);	/* and then the mask again */
	out(M, EOI);
	out(M + 1, 0);

	irq_pulse(vm, 13);
	out(M, POLL);
	assert_int_equal(in(M), 0x82);
	assert_int_equal(isr(S), 0);
	out(S, POLL);
	assert_int_equal(in(S), 0x85);
	assert_int_equal(isr(S), 0x20);
	assert_int_equal(isr(M), 0x04);

	/* INT fell with the poll, and a waiting request raises it again. */
	out(S, EOI);
	out(M, EOI);
	told();
	irq_pulse(vm, 3);
	irq_pulse(vm, 4);
	assert_true(told());
	out(M, 0x20 | 0x00);			/* (an EOI of nothing) */
	out(M, POLL | 0x02);			/* poll, and select IRR for later */
	out(M, SET_SMM);			/* with 3 then in service, 4 may go */
	told();
	assert_int_equal(in(M), 0x83);
	assert_true(told());
	assert_int_equal(take(), 0x24);
	out(M, CLEAR_SMM);
}

/* --- spurious ----------------------------------------------------------------- */

/* INT stays up when a device withdraws its request: the acknowledge
 * then finds nothing and gives base + 7 with no ISR bit. For the slave,
 * the master's input 2 is in service, which the guest ends. A command
 * brings INT back in line with the chips, with nothing spurious. */
static void test_spurious(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(ELCR, 0x20);
	out(ELCR + 1, 0x04);
	irq_set(vm, 5, true);
	assert_int_equal(pending(), 0x25);
	irq_set(vm, 5, false);
	assert_int_equal(pending(), 0x27);
	assert_int_equal(take(), 0x27);
	assert_int_equal(isr(M), 0);
	assert_int_equal(take(), -1);

	irq_set(vm, 10, true);
	assert_int_equal(pending(), 0x2a);
	irq_set(vm, 10, false);
	assert_int_equal(pending(), 0x2f);
	irq_pulse(vm, 6);			/* a rise elsewhere leaves it so */
	assert_int_equal(take(), 0x2f);
	assert_int_equal(isr(S), 0);
	assert_int_equal(isr(M), 0x04);
	assert_int_equal(take(), -1);
	out(M, EOI);
	assert_int_equal(take(), 0x26);
	out(M, EOI);

	irq_set(vm, 5, true);
	irq_set(vm, 5, false);
	out(M + 1, 0x00);			/* any command */
	assert_int_equal(pending(), -1);
	assert_int_equal(take(), -1);
	/* An edge request stays latched: no spurious there. */
	irq_pulse(vm, 4);
	assert_int_equal(take(), 0x24);
}

/* --- accesses ------------------------------------------------------------------ */

/* A 2-byte access reaches the chip as two of one, port 0 first; what
 * runs past a chip's two ports reads as all ones. ELCR likewise. */
static void test_wide_and_odd_accesses(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	io_bus_write(&vm->ports, M, 2, 0x5a0b);	/* OCW3 read ISR, then OCW1 */
	assert_int_equal(in(M + 1), 0x5a);
	irq_pulse(vm, 0);
	assert_int_equal(take(), 0x20);
	assert_int_equal(io_bus_read(&vm->ports, M, 2), 0x5a01);
	assert_int_equal(io_bus_read(&vm->ports, M, 4), 0xffff5a01);
	assert_int_equal(io_bus_read(&vm->ports, M + 1, 2), 0xff5a);
	assert_int_equal(io_bus_read(&vm->ports, M - 1, 2), 0x01ff);
	io_bus_write(&vm->ports, M + 1, 4, 0x11223344);	/* only port 1 is ours */
	assert_int_equal(in(M + 1), 0x44);
	io_bus_write(&vm->ports, S, 4, 0xffffff0a);	/* slave: read IRR, mask all */
	assert_int_equal(in(S + 1), 0xff);

	io_bus_write(&vm->ports, ELCR, 2, 0xffff);
	assert_int_equal(io_bus_read(&vm->ports, ELCR, 2), 0xdef8);
	assert_int_equal(io_bus_read(&vm->ports, ELCR, 4), 0xffffdef8);
	assert_int_equal(io_bus_read(&vm->ports, ELCR + 1, 1), 0xde);
	io_bus_write(&vm->ports, ELCR + 1, 2, 0x0000);
	assert_int_equal(io_bus_read(&vm->ports, ELCR, 2), 0x00f8);
	assert_int_equal(io_bus_read(&vm->ports, ELCR - 1, 1), 0xff);
	assert_int_equal(io_bus_read(&vm->ports, ELCR + 2, 1), 0xff);
}

/* --- the test device's lines and the event path ------------------------------ */

/* A write of line | 0x80 at 0xe8 raises the line, of the line alone lowers
 * it; reads show the lines held high. Lines past 23 and writes starting
 * past 0xe8 are ignored; a reboot lowers what the device held. */
static void test_testdev_lines(void **state)
{
	(void)state;
	init_pair(0x20, 0x28, 0x01);
	out(ELCR + 1, 0x10);			/* line 12 level */
	out(TESTDEV_IRQ_PORT, TESTDEV_IRQ_HIGH | 12);
	io_bus_write(&vm->ports, TESTDEV_IRQ_PORT, 4, TESTDEV_IRQ_HIGH | 3);
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT, 4), 0x1008);
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT + 1, 1), 0x10);
	assert_int_equal(irr(S), 0x10);
	out(TESTDEV_IRQ_PORT, TESTDEV_IRQ_HIGH | 24);
	out(TESTDEV_IRQ_PORT, TESTDEV_IRQ_HIGH | 0x7f);
	out(TESTDEV_IRQ_PORT + 1, TESTDEV_IRQ_HIGH | 4);
	io_bus_write(&vm->ports, TESTDEV_IRQ_PORT + 1, 2, TESTDEV_IRQ_HIGH | 4);
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT, 4), 0x1008);
	out(TESTDEV_IRQ_PORT, 12);
	assert_int_equal(irr(S), 0);
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT, 4), 0x0008);
	out(TESTDEV_IRQ_PORT, TESTDEV_IRQ_HIGH | 23);	/* the last line: no controller here */
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT, 4), 0x800008);

	vm_request(vm, v, VM_REQ_REBOOT);
	vm_serve_requests(vm);
	assert_int_equal(io_bus_read(&vm->ports, TESTDEV_IRQ_PORT, 4), 0);
	init_pair(0x20, 0x28, 0x01);
	out(TESTDEV_IRQ_PORT, TESTDEV_IRQ_HIGH | 3);	/* rises again: it fell */
	assert_int_equal(take(), 0x23);
}

static void raise_line_5(struct vcpu *w, const void *arg)
{
	(void)arg;
	w->regs.gpr[REG_RAX] = TESTDEV_IRQ_HIGH | 5;
}

/* End to end: the guest's OUT raises a line, the vCPU is told, and the
 * vector goes in before its next entry, acknowledged. */
static void test_through_the_event_path(void **state)
{
	struct fake_exit raise = {
		.x = { .reason = EXIT_IO, .insn_len = FAKE_INSN_LEN,
		       .io = { .port = TESTDEV_IRQ_PORT, .size = 1, .seg = -1 } },
		.guest = raise_line_5,
	};

	(void)state;
	init_pair(0x30, 0x38, 0x01);
	fake_vcpu(v)->can_take_intr = true;
	fake_script(v, &raise);
	host_set_cpu(v->cpu);
	percpu[v->cpu].need_resched = false;
	vcpu_run_slice(v);			/* the kick ends the slice */
	assert_int_equal(fake_count(FAKE_INJECT, v), 0);
	fake_script_reason(v, EXIT_NONE, true);
	percpu[v->cpu].need_resched = false;
	vcpu_run_slice(v);
	host_set_cpu(0);
	assert_int_equal(fake_count(FAKE_INJECT, v), 1);
	assert_int_equal(fake_last_call(FAKE_INJECT, v)->arg[0], 0x35);
	assert_int_equal(fake_last_call(FAKE_INJECT, v)->arg[3], EV_INTR);
	assert_true(fake_last(FAKE_INJECT, v) < fake_last(FAKE_RUN, v));
	assert_int_equal(isr(M), 0x20);
	fake_vcpu(v)->can_take_intr = false;
}

/* Platform none: no pair, no source, ports 0x20 and 0x4d0 empty. */
static void test_platform_none(void **state)
{
	struct vm *bare;

	(void)state;
	bare = host_vm("bare", 1, MiB(1), 0, false);	/* platform none */
	assert_null(bare->vcpu[0]->events.src);
	assert_null(bare->irq.extint);
	assert_int_equal(io_bus_read(&bare->ports, M, 2), 0xffff);
	assert_int_equal(io_bus_read(&bare->ports, ELCR, 1), 0xff);
	assert_int_equal(bare->irq.nctl, 0);
}

#define T(fn) cmocka_unit_test_setup(fn, before_each)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on_state),
		T(test_reset_on_reboot),
		T(test_init_sequence),
		T(test_icw1_clears),
		T(test_master_and_slave_vectors),
		T(test_line_2_unconnected),
		T(test_int_rise_tells_the_vcpu),
		T(test_mask),
		T(test_edge_triggered),
		T(test_priority_and_nesting),
		T(test_specific_eoi),
		T(test_rotate),
		T(test_automatic_eoi),
		T(test_special_mask),
		T(test_special_fully_nested),
		T(test_cascade_mode),
		T(test_level_triggered),
		T(test_poll),
		T(test_spurious),
		T(test_wide_and_odd_accesses),
		T(test_testdev_lines),
		T(test_through_the_event_path),
		T(test_platform_none),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
