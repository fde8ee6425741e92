/* Exceptions and interrupts as lucid sees them: the saved frame, and the
 * table of handlers for interrupt vectors. */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include "lib/types.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.asm");

typedef void (*irq_handler_fn)(struct trap_frame *f);

/* lucid's own interrupt vectors. */
#define VEC_FIRST_IRQ 32
#define VEC_TIMER 0x20		/* each CPU's scheduler tick */
#define VEC_COM1 0x21		/* lucid's serial port received a byte (drivers/uart16550.c) */
#define VEC_PIC_BASE 0x30	/* the legacy 8259s' 16 inputs, all masked (drivers/pic8259.c) */
#define VEC_KICK 0xf0		/* another CPU wants this one out of guest mode */
#define VEC_EXIT_NOW 0xf1	/* this CPU's own: the next guest exits at once (svm.c) */
#define VEC_SPURIOUS 0xff

void trap_set_handler(u8 vector, irq_handler_fn fn);
/* A single-step #DB in lucid at rip is not lucid's: ignore it (the
 * instruction after VMRUN, for Bochs: svm_entry.asm's svm_vmexit_rip). */
void trap_ignore_single_step_at(u64 rip);
void trap_dispatch(struct trap_frame *f);

/* Prints "lucid: CPU n halted" and stops this CPU. */
__noreturn void cpu_stop(void);
/* A fatal error in lucid itself: message, registers, backtrace, halt. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#endif
