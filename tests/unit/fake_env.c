/* The made-up machine of the host tests (fake_hv.h): CPUs, RAM from the
 * real page allocator over an aligned host buffer, the log captured, and
 * VMs made the way lucid.cfg makes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_hv.h"
#include "hv/core/sched.h"
#include "hv/host/wallclock.h"
#include "hv/mm/page_alloc.h"
#include "lib/log.h"
#include "lib/string.h"

#define LOG_CAPTURE 65536

static u8 *arena;
static struct memmap map;
static u64 wallclock = 1796507300ull * 1000000;	/* 2026-12-05 21:48:20, a Saturday */
static char logbuf[LOG_CAPTURE];
static size_t loglen;

static void capture(const char *s, size_t len)
{
	if (loglen + len >= sizeof(logbuf))
		fail_msg("the test printed more than %d bytes", LOG_CAPTURE);
	memcpy(logbuf + loglen, s, len);
	loglen += len;
	logbuf[loglen] = '\0';
}

int host_init(u32 ncpus)
{
	char err[160];

	arena = aligned_alloc(MiB(2), HOST_ARENA_SIZE);
	if (!arena)
		return -1;
	/* Not zero: RAM that lucid must clear is seen to be cleared. */
	memset(arena, 0x5a, HOST_ARENA_SIZE);
	map.n = 1;
	map.r[0] = (struct mem_range){ (u64)(uintptr_t)arena, HOST_ARENA_SIZE, MEM_USABLE, 0 };
	if (page_alloc_init(&map, NULL, 0, PA_NO_LIMIT, err, sizeof(err))) {
		print_error("page_alloc_init: %s\n", err);
		return -1;
	}
	host_set_online(ncpus);
	host_set_cpu(0);
	log_add_sink(capture);
	return 0;
}

u64 wallclock_us(void)
{
	return wallclock;
}

void host_set_wallclock_us(u64 us)
{
	wallclock = us;
}

void host_test_start(void)
{
	host_set_cpu(0);
	fake_calls_clear();
	host_log_clear();
}

void host_hand_vm(struct vm *vm, struct vcpu *v, u32 n, const char *name)
{
	memset(vm, 0, sizeof(*vm));
	strlcpy(vm->name, name, sizeof(vm->name));
	vm->state = VM_RUNNING;
	vm->weight = CONFIG_WEIGHT_DEFAULT;	/* as lucid.cfg's parser gives it */
	vm->ports.end = 0x10000;
	for (u32 i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].vm = vm;
		v[i].id = i;
		v[i].state = VCPU_RUNNABLE;
		v[i].arch.regs = &v[i].regs;
		v[i].arch.vm = &vm->arch;
		v[i].arch.xcr0 = 1;	/* x87, as after fpu_vcpu_init */
		assert_int_equal(virt->vcpu_init(&v[i].arch), 0);
		vm->vcpu[vm->nvcpus++] = &v[i];
	}
}

void host_hand_vm_free(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		virt->vcpu_free(&vm->vcpu[i]->arch);
	vm->nvcpus = 0;
}

void host_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

const char *host_log(void)
{
	return logbuf;
}

u32 host_log_count(const char *line)
{
	size_t n = strlen(line);
	u32 count = 0;

	for (const char *s = logbuf; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		count += len == n && !memcmp(s, line, n);
		s += len + (nl != NULL);
	}
	return count;
}

void host_log_expect(const char *line)
{
	u32 n = host_log_count(line);

	if (n != 1)
		fail_msg("expected the line \"%s\" once, found it %u times in:\n%s", line, n,
			 logbuf);
}

/* mov eax, 1; hlt: never run, only loaded and checked. */
const u8 host_kernel[16] = { 0xb8, 1, 0, 0, 0, 0xf4, 0xeb, 0xfd, 'k', 'e', 'r', 'n', 'e', 'l',
			     '!', 0 };

const struct load_request *host_boot(void)
{
	static const struct load_request rq = {
		.kernel = { "host_kernel", host_kernel, sizeof(host_kernel) },
		.format = LOAD_FLAT,
		.flat_load = HOST_KERNEL_AT,
		.flat_entry = HOST_KERNEL_AT,
		.flat_mode = GUEST_PROTECTED,
	};

	return &rq;
}

struct config_vm host_config(const char *name, u32 vcpus, u64 memory, u64 cpus)
{
	struct config_vm c;

	memset(&c, 0, sizeof(c));
	strlcpy(c.name, name, sizeof(c.name));
	c.valid = true;
	c.vcpus = vcpus;
	c.memory = memory;
	c.cpus = cpus;
	c.weight = CONFIG_WEIGHT_DEFAULT;
	c.format = CONFIG_FORMAT_FLAT;
	c.load = HOST_KERNEL_AT;
	c.entry = HOST_KERNEL_AT;
	c.platform = CONFIG_PLATFORM_NONE;	/* a test asks for the PC's devices */
	return c;
}

static struct vm *make_vm(struct config_vm c, bool start)
{
	const char *name = c.name;
	u64 cpus = c.cpus;
	char err[120];
	struct vm *vm;

	if (cpus && sched_dedicate(cpus, err, sizeof(err)))
		fail_msg("sched_dedicate for VM %s: %s", name, err);
	vm = vm_create(&c, host_boot());
	if (!vm)
		fail_msg("vm_create %s failed:\n%s", name, host_log());
	if (start && vm_start(vm))
		fail_msg("vm_start %s failed:\n%s", name, host_log());
	fake_calls_clear();
	host_log_clear();
	return vm;
}

struct vm *host_vm(const char *name, u32 vcpus, u64 memory, u64 cpus, bool start)
{
	return make_vm(host_config(name, vcpus, memory, cpus), start);
}

struct vm *host_pc_vm(const char *name, u32 vcpus, u64 memory, bool start)
{
	struct config_vm c = host_config(name, vcpus, memory, 0);

	c.platform = CONFIG_PLATFORM_PC;
	return make_vm(c, start);
}
