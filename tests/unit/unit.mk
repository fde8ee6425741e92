# Host unit tests (cmocka), built with ASan and UBSan. Each test_X.c links
# against the lucid sources named in UNIT_SRCS_test_X: the same files that
# go into the hypervisor, compiled for the host.
UCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -DLUCID_HOST_TEST \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-fno-builtin
ULIBS   := -lcmocka

UNIT_SRCS_test_fmt     := lib/fmt.c lib/string.c
UNIT_SRCS_test_log     := lib/log.c lib/fmt.c lib/string.c
UNIT_SRCS_test_line    := hv/console/line.c lib/nearest.c lib/string.c
UNIT_SRCS_test_string  := lib/string.c
UNIT_SRCS_test_date    := lib/date.c
UNIT_SRCS_test_acpi    := drivers/acpi.c lib/fmt.c lib/string.c
UNIT_SRCS_test_acpi_tables := hv/vdev/acpi_tables.c hv/vdev/aml.c drivers/acpi.c lib/fmt.c \
	lib/string.c
UNIT_SRCS_test_mb2     := boot/multiboot2.c boot/boot_info.c lib/fmt.c lib/string.c
UNIT_SRCS_test_memmap  := hv/mm/memmap.c lib/fmt.c lib/string.c
UNIT_SRCS_test_page_alloc := hv/mm/page_alloc.c hv/mm/memmap.c lib/fmt.c lib/string.c
# Its allocator calls go through the test (another CPU taking pages).
UNIT_LDFLAGS_test_guest_ram := -Wl,--wrap=page_alloc,--wrap=page_free
UNIT_SRCS_test_guest_ram := hv/core/guest_ram.c hv/mm/page_alloc.c hv/mm/memmap.c lib/fmt.c \
	lib/string.c
UNIT_SRCS_test_pagetable := arch/x86/pagetable.c lib/string.c
UNIT_SRCS_test_cmdline  := hv/config/cmdline.c lib/string.c
UNIT_SRCS_test_guest_mem := hv/emul/guest_mem.c lib/string.c
UNIT_SRCS_test_guest_paging := hv/emul/guest_paging.c hv/emul/fetch_tlb.c hv/emul/guest_mem.c \
	lib/string.c
UNIT_SRCS_test_loader   := $(wildcard hv/loader/*.c) hv/emul/guest_mem.c lib/fmt.c lib/string.c
UNIT_SRCS_test_bzimage  := $(wildcard hv/loader/*.c) hv/emul/guest_mem.c hv/emul/guest_paging.c \
	hv/core/vcpu_state.c lib/fmt.c lib/string.c
UNIT_SRCS_test_config   := hv/config/config.c lib/fmt.c lib/nearest.c lib/string.c
UNIT_SRCS_test_insn     := hv/emul/insn.c lib/string.c
UNIT_SRCS_test_cpuid_view := hv/exits/cpuid_view.c lib/string.c
UNIT_SRCS_test_vcpu_state := hv/core/vcpu_state.c lib/string.c
UNIT_SRCS_test_insn_sys := hv/emul/insn_sys.c hv/emul/insn.c lib/string.c
UNIT_SRCS_test_events  := hv/core/events.c lib/string.c
UNIT_SRCS_test_bus     := hv/vdev/bus.c
UNIT_SRCS_test_vmx_caps := arch/x86/vmx/vmx_caps.c lib/fmt.c lib/string.c
UNIT_SRCS_test_vmx_guest_check := arch/x86/vmx/vmx_guest_check.c arch/x86/vmx/vmx_caps.c lib/fmt.c lib/string.c
UNIT_SRCS_test_svm_guest_check := arch/x86/svm/svm_guest_check.c lib/fmt.c lib/string.c

# The generic hypervisor over a fake back end (tests/unit/fake_hv.h). Whole
# folders, so that a new exit handler or device is linked (and needs its
# stubs) at once. fake_sched.c compiles hv/core/sched.c itself; fake_env.c
# keeps the time of day (hv/host/wallclock.h).
UNIT_HV_SRCS := tests/unit/fake_virt.c tests/unit/fake_arch.c tests/unit/fake_sched.c \
	tests/unit/fake_env.c $(filter-out hv/core/sched.c,$(wildcard hv/core/*.c)) \
	$(wildcard hv/exits/*.c) \
	$(wildcard hv/emul/*.c) $(wildcard hv/vdev/*.c) $(wildcard hv/loader/*.c) \
	hv/mm/page_alloc.c hv/mm/memmap.c drivers/rtc.c lib/date.c lib/fmt.c lib/log.c lib/nearest.c lib/string.c
UNIT_HV_DEPS := hv/core/sched.c
UNIT_HV_TESTS := test_console test_vm test_hypercall test_sched test_vcpu test_msr test_io_exits test_cr \
	test_timer test_pc_devices test_uart test_pic test_acpi_pm test_pit test_lapic test_ioapic
$(foreach t,$(UNIT_HV_TESTS),$(eval UNIT_SRCS_$(t) := $(UNIT_HV_SRCS))$(eval UNIT_DEPS_$(t) := $(UNIT_HV_DEPS)))
# The console over the whole hypervisor; VM b's serial port and the VM
# table are the test's.
UNIT_SRCS_test_console += $(wildcard hv/console/*.c)
UNIT_LDFLAGS_test_console := -Wl,--wrap=uart_present,--wrap=uart_input,--wrap=uart_input_room \
	-Wl,--wrap=uart_output_end,--wrap=uart_output_read,--wrap=vm_get
# The CR4 bits a guest may set come from the test, not only the host.
UNIT_LDFLAGS_test_cr := -Wl,--wrap=cpuid_cr4_allowed
# The interrupt lines the devices drive, seen by the test.
UNIT_LDFLAGS_test_pc_devices := -Wl,--wrap=irq_set
# The SCI line as the ACPI PM device drives it; its tables read back by
# lucid's own ACPI parser.
UNIT_LDFLAGS_test_acpi_pm := -Wl,--wrap=irq_set drivers/acpi.c
# The vCPU whose exit an access stands for is the test's.
UNIT_LDFLAGS_test_lapic := -Wl,--wrap=vcpu_current
UNIT_LDFLAGS_test_ioapic := -Wl,--wrap=vcpu_current
# The CPU's vendor as the test wants it (IA32_MISC_ENABLE is Intel's).
UNIT_LDFLAGS_test_msr := -Wl,--wrap=cpuid_guest_intel

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(addprefix $(B)/unit/,$(UNIT_TESTS))

.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

.SECONDEXPANSION:
$(B)/unit/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $$(UNIT_DEPS_$$*) $$(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $< $(UNIT_SRCS_$*) $(UNIT_LDFLAGS_$*) $(ULIBS)
	@$(CC) $(UCFLAGS) -MM -MP -MT $@ $< $(UNIT_SRCS_$*) | sed 's/[^ ]*\.c\>//g' > $@.d

# The headers each test's sources include, as make found them last time
# (the sources are the rule's own: a moved one must not stop make).
-include $(addsuffix .d,$(UNIT_BINS))
