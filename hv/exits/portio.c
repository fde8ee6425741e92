#include "hv/exits/portio.h"
#include "arch/x86/cpu.h"
#include "hv/emul/guest_linear.h"
#include "hv/emul/insn.h"


/* Iterations of a REP INS/OUTS done per exit: a long one is resumed,
 * so lucid stays responsive (the CPU, too, takes interrupts between
 * iterations). */
#define STRING_IO_BATCH 4096

/* The address size and (OUTS) segment of a string instruction: the exit
 * has them where the hardware says, else they come from its prefixes. */
static bool string_operands(struct glin *g, const struct exit_io *io, u8 *addr_size,
			    enum seg_reg *seg)
{
	enum insn_mode mode;
	struct insn_prefixes p;
	u8 code[INSN_MAX_LEN];
	u32 n;

	*addr_size = io->addr_size;
	*seg = io->in ? SEG_ES : io->seg >= 0 ? (enum seg_reg)io->seg : SEG_DS;
	if (io->addr_size && (io->in || io->seg >= 0))
		return true;
	n = glin_fetch(g, code, sizeof(code));
	if (!n)
		return false;
	mode = insn_mode_of(glin_default_addr_size(g));
	insn_prefixes(code, n, mode, &p);
	if (!io->in && io->seg < 0 && p.seg >= 0)
		*seg = (enum seg_reg)p.seg; /* enum insn_seg and seg_reg agree */
	if (!io->addr_size)
		*addr_size = insn_address_size(mode, p.adsize);
	return true;
}

/* A register the instruction updates at the address size (or IN, at the
 * operand size): 8 and 16 bits merge, 32 bits zero-extend where zero32
 * (in 64-bit mode, as any 32-bit write there). */
static void set_sized(u64 *reg, u64 val, u8 size, bool zero32)
{
	u64 m = BYTES_MASK(size);

	*reg = (size == 4 && zero32) ? val & m : (*reg & ~m) | (val & m);
}

/* INS/OUTS, with or without REP. Each element goes through the guest's
 * segmentation and paging; a fault stops with the registers showing the
 * iterations done, as the CPU leaves them, and RIP on the instruction. */
static enum exit_action string_io(struct vcpu *v, struct exit_record *x)
{
	const struct io_bus *bus = &v->vm->ports;
	u64 *rcx = &v->regs.gpr[REG_RCX];
	u64 *ptr = &v->regs.gpr[x->io.in ? REG_RDI : REG_RSI];
	s64 step = (v->regs.rflags & RFLAGS_DF) ? -(s64)x->io.size : x->io.size;
	enum seg_reg seg;
	struct glin g;
	u64 count;
	u8 asz;

	glin_init(&g, v, x);
	if (!string_operands(&g, &x->io, &asz, &seg))
		return g.fail;
	count = x->io.rep ? *rcx & BYTES_MASK(asz) : 1;
	for (u64 i = 0; i < count; i++) {
		struct glin_ref ref;
		u32 val = 0;

		if (i == STRING_IO_BATCH)
			return ACT_RESUME;
		if (!glin_map(&g, seg, *ptr, asz, x->io.size, x->io.in ? GPT_WRITE : 0, &ref))
			return g.fail;
		if (x->io.in) {
			val = (u32)io_bus_read(bus, x->io.port, x->io.size);
			glin_put(&g, &ref, &val);
		} else {
			glin_get(&g, &ref, &val);
			io_bus_write(bus, x->io.port, x->io.size, val);
		}
		set_sized(ptr, *ptr + (u64)step, asz, x->long_mode);
		if (x->io.rep)
			set_sized(rcx, *rcx - 1, asz, x->long_mode);
	}
	return ACT_SKIP;
}

enum exit_action portio_exit(struct vcpu *v, struct exit_record *x)
{
	u64 *rax = &v->regs.gpr[REG_RAX];

	if (x->io.string)
		return string_io(v, x);
	if (x->io.in) /* a 32-bit result clears the upper half, in any mode */
		set_sized(rax, io_bus_read(&v->vm->ports, x->io.port, x->io.size), x->io.size, true);
	else
		io_bus_write(&v->vm->ports, x->io.port, x->io.size, (u32)*rax);
	return ACT_SKIP;
}
