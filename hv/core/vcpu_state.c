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

/* What every entry state shares: descriptor tables at 0 with 64 KiB
 * limits, no LDT, a busy TSS, RFLAGS with only its fixed bit, and cs:ip
 * in real mode with the other segments at 0, as after RESET (SDM table
 * 9-1), but for CR0's CD and NW, which start clear: lucid does not hide
 * CR0 from the guest on SVM, where they would make the guest's code run
 * uncached (KVM clears them too). Protected and long mode write over it. */
static void real_mode(struct vcpu_state *st, u16 cs, u16 ip)
{
	memset(st, 0, sizeof(*st));
	st->seg[SEG_CS] = seg(cs, (u64)cs << 4, 0xffff, ATTR_CODE16);
	for (int s = 0; s < NR_SEGS; s++)
		if (s != SEG_CS)
			st->seg[s] = seg(0, 0, 0xffff, ATTR_DATA16);
	st->gdtr = st->idtr = seg(0, 0, 0xffff, 0);
	st->ldtr = seg(0, 0, 0xffff, ATTR_LDT);
	st->tr = seg(0, 0, 0xffff, ATTR_TSS_BUSY);
	st->cr0 = CR0_ET;
	st->rip = ip;
	st->rflags = 0x2;
}

void vcpu_state_sipi(struct vcpu_state *st, u8 vector)
{
	real_mode(st, (u16)(vector << 8), 0);
}

void vcpu_state_from_entry(struct vcpu_state *st, const struct guest_entry *e)
{
	struct guest_seg data;

	real_mode(st, (u16)((e->ip >> 4) & 0xf000), (u16)e->ip);
	if (e->mode == GUEST_LONG) {
		st->seg[SEG_CS] = seg(0x10, 0, 0xffffffff, ATTR_CODE64);
		data = seg(0x18, 0, 0xffffffff, ATTR_DATA32);
		st->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
		st->cr3 = e->cr3;
		st->cr4 = CR4_PAE;
		st->efer = EFER_LME | EFER_LMA;
		/* No IDT: a fault before the kernel loads its own shuts the VM
		 * down instead of running through whatever sits at address 0. */
		st->gdtr = seg(0, e->gdt, e->gdt_limit, 0);
		st->idtr = seg(0, 0, 0, 0);
		st->gpr[REG_RSI] = e->rsi;
	} else if (e->mode != GUEST_REAL) {
		st->seg[SEG_CS] = seg(0x08, 0, 0xffffffff, ATTR_CODE32);
		data = seg(0x10, 0, 0xffffffff, ATTR_DATA32);
		st->cr0 = CR0_PE | CR0_ET;
	}
	if (e->mode != GUEST_REAL) {
		st->seg[SEG_DS] = st->seg[SEG_ES] = st->seg[SEG_SS] = data;
		st->seg[SEG_FS] = st->seg[SEG_GS] = data;
		st->rip = e->ip;
	}
	st->gpr[REG_RAX] = e->eax;
	st->gpr[REG_RBX] = e->ebx;
	st->gpr[REG_RSP] = e->sp;
}
