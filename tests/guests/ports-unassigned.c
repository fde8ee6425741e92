/* ports-unassigned: the VM has no devices, so every port is unassigned:
 * IN reads all-ones at each width and changes only the bytes it should
 * (AL for inb, AX for inw), OUT is dropped without a fault, and so are
 * accesses that reach the top of the port space. (String I/O is
 * port-string.c.) The ports are ones no device model is likely to claim;
 * change them if lucid ever does. */
#include "guest.h"
#include "cpu.h"

static const u16 ports[] = { 0x1234, 0xabcd, 0x0100, 0x5ff0, 0xe0e0, 0xfff0 };

static bool all_in(u32 width, u32 *bad_port, u32 *bad_val)
{
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++) {
		u32 v = 0x12345678, want;

		/* Preload EAX: the bytes IN does not write must stay as they were. */
		if (width == 1) {
			asm volatile("inb %%dx, %%al" : "+a"(v) : "d"(ports[i]));
			want = 0x123456ff;
		} else if (width == 2) {
			asm volatile("inw %%dx, %%ax" : "+a"(v) : "d"(ports[i]));
			want = 0x1234ffff;
		} else {
			asm volatile("inl %%dx, %%eax" : "+a"(v) : "d"(ports[i]));
			want = 0xffffffff;
		}
		if (v != want) {
			*bad_port = ports[i];
			*bad_val = v;
			return false;
		}
	}
	return true;
}

static void write_all(void *arg)
{
	(void)arg;
	for (u32 i = 0; i < ARRAY_SIZE(ports); i++) {
		outb(ports[i], 0x5a);
		outw(ports[i], 0x5a5a);
		outl(ports[i], 0x5a5a5a5a);
	}
	outb(0xe3, 0x11); /* the imm8 form */
}

static void top_of_space(void *arg)
{
	u32 *v = arg;

	v[0] = inb(0xffff);
	v[1] = inw(0xfffe);
	v[2] = inl(0xfffc);
	v[3] = inw(0xffff); /* runs past the last port */
	v[4] = inl(0xfffd);
	outl(0xfffd, 0);
}

void test_main(void)
{
	u32 port = 0, val = 0, v[5] = { 0 };
	u32 imm;
	u32 f;
	bool ok;

	ok = all_in(1, &port, &val);
	test_check(ok, "inb reads 0xff and leaves the rest of EAX (port %#x: %#x)", port, val);
	ok = all_in(2, &port, &val);
	test_check(ok, "inw reads 0xffff and leaves the rest of EAX (port %#x: %#x)", port, val);
	ok = all_in(4, &port, &val);
	test_check(ok, "inl reads 0xffffffff (port %#x: %#x)", port, val);

	asm volatile("mov $0x5a5a5a5a, %%eax; inb $0xe3, %%al" : "=a"(imm));
	test_check(imm == 0x5a5a5aff, "inb with an immediate port reads 0xff (%#x)", imm);

	f = catch_fault(write_all, NULL);
	ok = all_in(1, &port, &val);
	test_check(f == NO_FAULT && ok,
		   "writes to unassigned ports are dropped without a fault (%s)", vector_name(f));

	f = catch_fault(top_of_space, v);
	test_check(f == NO_FAULT && v[0] == 0xff && v[1] == 0xffff && v[2] == 0xffffffff &&
			   v[3] == 0xffff && v[4] == 0xffffffff,
		   "accesses at the top of the port space read all-ones (%s: %#x %#x %#x %#x %#x)",
		   vector_name(f), v[0], v[1], v[2], v[3], v[4]);
}
