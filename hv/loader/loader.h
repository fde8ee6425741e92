/* Guest loaders: put a kernel, its modules and its boot information into a
 * VM's RAM and say how its first vCPU starts, the job QEMU's -kernel and
 * GRUB do for a real machine. Pure code: it only writes guest RAM through
 * hv/emul/guest_mem.h and fills a vendor-neutral entry state; the vCPU code turns
 * that into VMCS/VMCB state. Formats and what each guest gets are described
 * in docs/loaders.md. */
#ifndef HV_LOADER_LOADER_H
#define HV_LOADER_LOADER_H

#include "hv/emul/guest_mem.h"

enum guest_mode {
	GUEST_REAL,		/* real mode, A20 on */
	GUEST_PROTECTED,	/* 32-bit, flat 4 GiB segments, paging off, IF = 0 */
	GUEST_LONG,		/* 64-bit, the Linux boot protocol's entry: the loader's
				 * GDT (CS 0x10, data 0x18) and identity page tables */
};

enum load_format {
	LOAD_AUTO,		/* multiboot2, multiboot1, then Linux; never flat */
	LOAD_MULTIBOOT1,
	LOAD_MULTIBOOT2,
	LOAD_LINUX,		/* bzImage, boot protocol 2.12+, 64-bit entry */
	LOAD_FLAT,
};

struct guest_entry {
	enum guest_mode mode;
	u64 ip;		/* real mode: linear address; lucid sets CS = (ip >> 4) & 0xf000, IP = ip & 0xffff */
	u32 eax, ebx;	/* multiboot magic and info address */
	u64 sp;		/* 0 = not set */
	/* GUEST_LONG only: */
	u64 rsi;	/* Linux: the boot_params ("zero page") address */
	u64 cr3;	/* the loader's identity page tables */
	u64 gdt;	/* the loader's GDT in guest RAM, and its limit */
	u16 gdt_limit;
	enum load_format format;	/* the format used (never LOAD_AUTO), for the log */
	u64 end;	/* first byte above everything written: kernel, modules, info */
};

struct load_file {
	const char *name;	/* for messages; NULL reads as "?" */
	const u8 *data;
	u64 size;
};

struct load_module {
	struct load_file file;
	const char *cmdline;	/* the module's string; NULL: the file's name */
};

struct load_request {
	struct load_file kernel;
	const char *cmdline;	/* NULL: empty */
	const struct load_module *mods;
	u32 nmods;
	struct load_file initrd;	/* Linux only; size 0: none */
	enum load_format format;
	u64 flat_load, flat_entry;	/* LOAD_FLAT only */
	enum guest_mode flat_mode;	/* LOAD_FLAT only */
};

/* At most this many modules and loadable kernel segments: bounds the work a
 * hostile image can cause and keeps the loader's state on the stack. */
#define LOADER_MAX_MODULES 32
#define LOADER_MAX_SEGMENTS 32

/* Nothing is ever loaded into the guest's first page [0, 0x1000): it stays
 * free for the real-mode interrupt table and BIOS data a later firmware or
 * Linux boot path sets up, and a guest's null pointer finds no kernel data
 * or boot information there. */
#define LOADER_LOW_RESERVED PAGE_SIZE

/* The kernel's file data is treated as hostile: every field is checked
 * against the file size and guest RAM. Returns 0, or -1 with one sentence
 * in err (e.g. "kernel \"x\": multiboot2 header at 0x1000 has a bad
 * checksum"). The whole layout is checked before the first byte is
 * written, so on failure guest RAM is untouched. err may be NULL when
 * errlen is 0. */
int loader_load(const struct guest_mem *gm, const struct load_request *rq,
		struct guest_entry *e, char *err, size_t errlen);

/* "multiboot2", "flat", ... for messages. */
const char *loader_format_name(enum load_format f);

#endif
