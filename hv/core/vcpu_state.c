/* Entry states. Selectors, limits and attributes are what the CPU would
 * hold after the mode switch a boot loader made: GRUB and QEMU leave a
 * multiboot kernel on flat segments 0x08/0x10, a real-mode image starts
 * as after a far jump to its segment, and Linux's 64-bit entry as after
 * the loader loaded its GDT (__BOOT_CS 0x10, __BOOT_DS 0x18), its page
 * tables and long mode. */
#include "hv/core/vcpu_state.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define ATTR_CODE16 0x9b	/* present, code, read, accessed */
#define ATTR_DATA16 0x93	/* present, data, write, accessed */
#define ATTR_CODE32 (ATTR_CODE16 | SEG_ATTR_DB | SEG_ATTR_G)
#define ATTR_DATA32 (ATTR_DATA16 | SEG_ATTR_DB | SEG_ATTR_G)
#define ATTR_CODE64 (ATTR_CODE16 | SEG_ATTR_L | SEG_ATTR_G)
#define ATTR_LDT 0x82
#define ATTR_TSS_BUSY 0x8b

static struct guest_seg seg(u16 sel, u64 base, u32 limit, u16 attr)
{
	return (struct guest_seg){ .base = base, .limit = limit, .sel = sel, .attr = attr };
}

void vcpu_state_from_entry(struct vcpu_state *st, const struct guest_entry *e)
{
	struct guest_seg data;

	memset(st, 0, sizeof(*st));
	if (e->mode == GUEST_REAL) {
		u16 cs = (u16)((e->ip >> 4) & 0xf000);

		st->seg[SEG_CS] = seg(cs, (u64)cs << 4, 0xffff, ATTR_CODE16);
		data = seg(0, 0, 0xffff, ATTR_DATA16);
		st->cr0 = CR0_ET;
		st->rip = e->ip & 0xffff;
	} else if (e->mode == GUEST_LONG) {
		st->seg[SEG_CS] = seg(0x10, 0, 0xffffffff, ATTR_CODE64);
		data = seg(0x18, 0, 0xffffffff, ATTR_DATA32);
		st->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
		st->cr3 = e->cr3;
		st->cr4 = CR4_PAE;
		st->efer = EFER_LME | EFER_LMA;
		st->rip = e->ip;
	} else {
		st->seg[SEG_CS] = seg(0x08, 0, 0xffffffff, ATTR_CODE32);
		data = seg(0x10, 0, 0xffffffff, ATTR_DATA32);
		st->cr0 = CR0_PE | CR0_ET;
		st->rip = e->ip;
	}
	st->seg[SEG_DS] = st->seg[SEG_ES] = st->seg[SEG_SS] = data;
	st->seg[SEG_FS] = st->seg[SEG_GS] = data;
	st->gdtr = st->idtr = seg(0, 0, 0xffff, 0);
	if (e->mode == GUEST_LONG) {
		/* No IDT: a fault before the kernel loads its own shuts the VM
		 * down instead of running through whatever sits at address 0. */
		st->gdtr = seg(0, e->gdt, e->gdt_limit, 0);
		st->idtr = seg(0, 0, 0, 0);
		st->gpr[REG_RSI] = e->rsi;
	}
	st->ldtr = seg(0, 0, 0xffff, ATTR_LDT);
	st->tr = seg(0, 0, 0xffff, ATTR_TSS_BUSY);
	st->rflags = 0x2;
	st->gpr[REG_RAX] = e->eax;
	st->gpr[REG_RBX] = e->ebx;
	st->gpr[REG_RSP] = e->sp;
}
