/* What a test guest booted as a Linux bzImage (bzimage.asm, bzimage.ld)
 * finds: the state the loader left at the 64-bit entry, as _start64
 * recorded it before changing anything. */
#ifndef GUEST_BZIMAGE_H
#define GUEST_BZIMAGE_H

#include "guest.h"

struct linux_entry {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	u64 rip;		/* where _start64 ran: the load address + 0x200 */
	u64 rflags, cr0, cr3, cr4, efer;
	u16 cs, ds, es, ss, fs, gs;
	u8 _pad[4];
	u8 gdtr[16];		/* SGDT in long mode: limit (2 bytes), base (8) */
	u8 idtr[16];
};
_Static_assert(__builtin_offsetof(struct linux_entry, rip) == 64, "bzimage.asm LE_RIP");
_Static_assert(__builtin_offsetof(struct linux_entry, efer) == 104, "bzimage.asm LE_EFER");
_Static_assert(__builtin_offsetof(struct linux_entry, cs) == 112, "bzimage.asm LE_SEL");
_Static_assert(__builtin_offsetof(struct linux_entry, gdtr) == 128, "bzimage.asm LE_GDTR");
_Static_assert(__builtin_offsetof(struct linux_entry, idtr) == 144, "bzimage.asm LE_IDTR");
_Static_assert(sizeof(struct linux_entry) == 160, "bzimage.asm LE_SIZE");

extern struct linux_entry linux_entry;
/* Called by _start64 on the guest's own stack, .bss clear, SSE on. */
void linux_main(void);

/* The image as linked (bzimage.ld): its first byte is the load address
 * pref_address names; __load_end ends the file's part, __image_end the
 * init_size the header asks for. */
extern char __image_start[], __load_end[], __image_end[];

#endif
