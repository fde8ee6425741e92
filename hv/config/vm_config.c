#include "hv/config/vm_config.h"
#include "hv/builtin/builtin.h"
#include "hv/config/config.h"
#include "hv/core/sched.h"
#include "hv/core/vm.h"
#include "lib/log.h"
#include "lib/string.h"

#define CONFIG_MODULE "lucid.cfg"

/* The parsed config and each VM's boot request live as long as the VMs:
 * a reboot loads the guest again from them. */
static struct config cfg;
static struct load_module mods[CONFIG_MAX_VMS][CONFIG_MAX_MODULES];

static bool find_file(const struct boot_info *bi, const char *name, struct load_file *f)
{
	for (u32 i = 0; i < bi->nmod; i++) {
		const struct boot_module *m = &bi->mod[i];
		if (m->size && !strcmp(m->name, name)) {
			*f = (struct load_file){ m->name, (const u8 *)(uintptr_t)m->base, m->size };
			return true;
		}
	}
	return builtin_guest(name, f);
}

static int boot_request(const struct boot_info *bi, const struct config_vm *c, u32 idx,
			struct load_request *rq)
{
	static const enum load_format formats[] = {
		[CONFIG_FORMAT_AUTO] = LOAD_AUTO,
		[CONFIG_FORMAT_MULTIBOOT1] = LOAD_MULTIBOOT1,
		[CONFIG_FORMAT_MULTIBOOT2] = LOAD_MULTIBOOT2,
		[CONFIG_FORMAT_LINUX] = LOAD_LINUX,
		[CONFIG_FORMAT_FLAT] = LOAD_FLAT,
	};

	memset(rq, 0, sizeof(*rq));
	if (!find_file(bi, c->kernel, &rq->kernel)) {
		printk("vm %s: not created: no boot module or built-in guest named \"%s\"\n",
		       c->name, c->kernel);
		return -1;
	}
	/* The loader refuses an initrd to a kernel that is not Linux. */
	if (c->initrd[0] && !find_file(bi, c->initrd, &rq->initrd)) {
		printk("vm %s: not created: no boot module named \"%s\" (its initrd)\n", c->name,
		       c->initrd);
		return -1;
	}
	for (u32 i = 0; i < c->nmodules; i++) {
		if (!find_file(bi, c->modules[i].name, &mods[idx][i].file)) {
			printk("vm %s: not created: no boot module named \"%s\"\n", c->name,
			       c->modules[i].name);
			return -1;
		}
		mods[idx][i].cmdline = c->modules[i].cmdline;
	}
	rq->cmdline = c->cmdline;
	rq->mods = mods[idx];
	rq->nmods = c->nmodules;
	rq->format = formats[c->format];
	rq->flat_load = c->load;
	rq->flat_entry = c->entry;
	rq->flat_mode = c->mode == CONFIG_MODE_REAL ? GUEST_REAL : GUEST_PROTECTED;
	return 0;
}

/* Dedicated CPUs first, so that no time-shared VM is placed on a CPU that
 * a VM later in the file has to itself. */
static void reserve_cpus(const struct config *c, bool refused[])
{
	char err[120];

	for (u32 i = 0; i < c->nvms; i++) {
		const struct config_vm *vm = &c->vms[i];

		refused[i] = vm->valid && vm->cpus && sched_dedicate(vm->cpus, err, sizeof(err));
		if (refused[i])
			printk("vm %s: not created: %s\n", vm->name, err);
	}
}

void vm_config_apply(const struct boot_info *bi)
{
	static char diag_buf[4096];
	static bool refused[CONFIG_MAX_VMS];
	struct config_diag diag;
	const struct boot_module *file = NULL;

	config_diag_init(&diag, diag_buf, sizeof(diag_buf));
	for (u32 i = 0; i < bi->nmod; i++)
		if (!strcmp(bi->mod[i].name, CONFIG_MODULE) && bi->mod[i].size)
			file = &bi->mod[i];
	if (file) {
		config_parse(CONFIG_MODULE, (const char *)(uintptr_t)file->base, file->size, &cfg, &diag);
	} else {
		printk("config: no lucid.cfg module; using the built-in default\n");
		config_default(&cfg, &diag);
	}
	printk_lines("config: ", diag_buf);
	reserve_cpus(&cfg, refused);

	for (u32 i = 0; i < cfg.nvms; i++) {
		const struct config_vm *c = &cfg.vms[i];
		struct load_request rq;
		struct vm *vm;

		if (refused[i])
			continue;
		if (!c->valid) {
			printk("vm %s: not created: its configuration has problems (above)\n", c->name);
			continue;
		}
		if (boot_request(bi, c, i, &rq))
			continue;
		vm = vm_create(c, &rq);
		if (vm && c->autostart)
			vm_start(vm);
	}
}
