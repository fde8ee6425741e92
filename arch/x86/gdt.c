/* GDT, TSS and IDT set-up. The GDT and TSS are per CPU (the TSS holds that
 * CPU's IST stack pointers); the IDT is one table shared by all CPUs. */
#include "arch/x86/gdt.h"
#include "arch/x86/cpu.h"

struct percpu percpu[MAX_CPUS];

struct idt_entry {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

struct table_ptr {
	u16 limit;
	u64 base;
} __packed;

#define IDT_VECTORS 256
static struct idt_entry idt[IDT_VECTORS];
extern const u64 isr_stubs[IDT_VECTORS]; /* arch/x86/isr.asm */

static void idt_build(void)
{
	for (int v = 0; v < IDT_VECTORS; v++) {
		u64 a = isr_stubs[v];
		u8 ist = v == 8 ? IST_DF : v == 2 ? IST_NMI : v == 18 ? IST_MC : 0;
		idt[v] = (struct idt_entry){
			.offset0 = (u16)a,
			.selector = SEL_CODE,
			.ist = ist,
			.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.offset1 = (u16)(a >> 16),
			.offset2 = (u32)(a >> 32),
		};
	}
}

void cpu_tables_init(struct percpu *p)
{
	u64 tss = (u64)(uintptr_t)&p->tss;

	if (p->index == 0)
		idt_build();
	p->self = p;
	p->gdt[0] = 0;
	p->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	p->gdt[2] = 0x00cf92000000ffffull; /* data */
	p->gdt[3] = (sizeof(p->tss) - 1) | (tss & 0xffffff) << 16 | 0x89ull << 40 |
		    ((tss >> 24) & 0xff) << 56; /* available 64-bit TSS */
	p->gdt[4] = tss >> 32;
	p->tss.iomap_base = sizeof(p->tss); /* no I/O bitmap */

	struct table_ptr gdtr = { sizeof(p->gdt) - 1, (u64)(uintptr_t)p->gdt };
	struct table_ptr idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %w2, %%ds\n\t"
		     "mov %w2, %%es\n\t"
		     "mov %w2, %%ss\n\t"
		     "ltr %w3\n\t"
		     "lidt %4"
		     :
		     : "m"(gdtr), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_TSS), "m"(idtr)
		     : "rax", "memory");
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
}

void cpu_set_ist(struct percpu *p, int ist, struct stack_range s)
{
	p->ist[ist] = s;
	p->tss.ist[ist - 1] = s.top;
}
