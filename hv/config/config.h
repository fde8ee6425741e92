/* lucid.cfg: the VMs to run, read once at boot. An ini-style text (see
 * docs/config.md) parsed into a fixed-size struct, no allocation. The same
 * code runs on the host in tools/lucid-cfg, so a config can be checked
 * before it is deployed.
 *
 * A problem inside a [vm] section marks only that VM invalid; the parser
 * goes on, so the other VMs still start. */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include "lib/types.h"

#define CONFIG_MAX_VMS 64
#define CONFIG_MAX_VCPUS 8
#define CONFIG_MAX_MODULES 8
#define CONFIG_MAX_PCPUS 64		/* cpus = takes CPU numbers 0..63 */
#define CONFIG_VM_NAME_MAX 31
#define CONFIG_FILE_NAME_MAX 63	/* kernel, initrd, module: a boot module's name */
#define CONFIG_CMDLINE_MAX 255
#define CONFIG_LINE_MAX 1023
/* weight: a time-shared VM's share of its CPU, as Linux's cpu.weight */
#define CONFIG_WEIGHT_DEFAULT 100
#define CONFIG_WEIGHT_MAX 10000

enum config_format {
	CONFIG_FORMAT_AUTO,		/* the loader looks at the image */
	CONFIG_FORMAT_MULTIBOOT1,
	CONFIG_FORMAT_MULTIBOOT2,
	CONFIG_FORMAT_LINUX,
	CONFIG_FORMAT_FLAT,		/* raw bytes at load, jump to entry */
};

enum config_mode {
	CONFIG_MODE_PROTECTED,
	CONFIG_MODE_REAL,
};

/* Which devices a VM has besides those asked for one by one. */
enum config_platform {
	CONFIG_PLATFORM_PC,	/* a PC's: interrupt controllers, COM1, timers, ... */
	CONFIG_PLATFORM_NONE,	/* none: every port and MMIO address empty */
};

struct config_module {
	char name[CONFIG_FILE_NAME_MAX + 1];
	char cmdline[CONFIG_CMDLINE_MAX + 1];
};

struct config_vm {
	char name[CONFIG_VM_NAME_MAX + 1];
	bool valid;		/* false: a problem was reported, don't start it */
	u32 line;		/* of the [vm "name"] header */
	u32 vcpus;
	u64 cpus;		/* bit n: physical CPU n dedicated; 0: time-share */
	u32 weight;		/* time-shared: the share of the CPU (hv/core/sched.h) */
	u64 memory;		/* bytes */
	char kernel[CONFIG_FILE_NAME_MAX + 1];
	char initrd[CONFIG_FILE_NAME_MAX + 1];	/* "" when none */
	char cmdline[CONFIG_CMDLINE_MAX + 1];
	u32 nmodules;
	struct config_module modules[CONFIG_MAX_MODULES];
	enum config_format format;
	u64 load, entry;	/* format flat only */
	enum config_mode mode;	/* format flat only */
	enum config_platform platform;
	bool autostart;
	bool testdev;		/* lucid's test device (hv/vdev/testdev.c) */
	bool debug_exit;	/* port 0xf4 ends the VM (hv/vdev/debug_exit.c) */
	bool fw_cfg;		/* QEMU's fw_cfg (hv/vdev/fw_cfg.c) */
};

struct config {
	u32 nvms;
	struct config_vm vms[CONFIG_MAX_VMS];
};

/* Where the parser reports problems: a text, one line per problem,
 * "FILE:LINE: message\n", NUL-terminated. When the next message does not
 * fit, it and every later one are counted but not stored, and the text
 * ends with "... and N more problems\n" (room for that line is kept).
 * One diag may collect the problems of several parses. */
struct config_diag {
	char *buf;
	size_t size;
	size_t len;		/* of the stored messages, without the tail line */
	u32 count;		/* problems found */
	u32 shown;		/* problems stored in buf */
};

void config_diag_init(struct config_diag *d, char *buf, size_t size);

/* Parses len bytes of text (not NUL-terminated; a NUL byte in it is an
 * error) into *cfg, naming the file `file` in messages. VMs whose header
 * could not be accepted (bad or duplicate name, too many VMs) are left out
 * of cfg; VMs with any other problem are in it with valid = false. diag
 * may be NULL. Returns the number of problems found. */
u32 config_parse(const char *file, const char *text, size_t len,
		 struct config *cfg, struct config_diag *diag);

/* The built-in config used when no lucid.cfg is given: one VM "hello"
 * (1 vCPU, 16M, kernel "hello", autostart). Parsed like any file. */
extern const char config_default_text[];
u32 config_default(struct config *cfg, struct config_diag *diag);

const char *config_format_name(enum config_format f);

/* lucid.cfg's keys, for `lucid-cfg keys`: the name of key i (NULL past
 * the last) and, in what, the values it takes and their limits, from the
 * parser's own table ("1 to 8", "1M to 64G, a multiple of 4K"). */
const char *config_key(u32 i, char *what, size_t size);

#endif
