# Test guests (tests/guests/, docs/test-guests.md): tiny kernels that each
# check one behaviour of lucid and report through hypercalls. Included by
# the top-level Makefile, which defines B, CC, LD, NASM, PYTHON and GCC_INC.
# `make guests` builds them all into build/guests/.
#
# Each guest is tests/guests/NAME.c (or .asm) and is named in exactly one
# of the lists below, which says how it is built and how lucid boots it.
# The load addresses of flat guests must match tests/guests/guests.cfg.

GB      := $(B)/guests
GDIR    := tests/guests
GLIB    := tests/guests/lib
OBJCOPY ?= objcopy

# Multiboot1 ELF32, runs in 32-bit protected mode.
GUESTS_MB1_32 := cpuid ports-unassigned port-string hypercall-bad hlt-cli \
	npt-isolation npt-neighbour triple-fault no-exit ram-walk multiboot1-info \
	cpu-state rdtsc console-write mmio-unsupported hypercall-spin debug-exit fw-cfg \
	pc-devices i8042-reset uart pic acpi pit lapic ioapic
# Multiboot1 ELF32 whose runtime switches to long mode (linked as ELF64 and
# converted, since QEMU's -kernel refuses ELF64).
GUESTS_MB1_64 := msr-protect exceptions paging-4level virt-insns fpu-sse-avx \
	cr-access single-step xcr0 tlb-isolation port-string-paged debug-regs mmio bench \
	bench-switch bench-timer-latency \
	fpu-reboot exception-exits event-delivery-mmio prefixed-exits cr4-bits \
	breakpoint-isolation smp
# Multiboot2 ELF32, 32-bit.
GUESTS_MB2_32 := multiboot2-info
# Multiboot2 ELF64, long mode, two PT_LOAD segments (own linker script).
GUESTS_MB2_64 := elf64-segments
# Multiboot1 "a.out kludge": a flat .bin placed by the header's addresses.
GUESTS_AOUT := mb1-aout
# Flat .bin entered in 32-bit protected mode at its load address.
GUESTS_FLAT_PM := protmode
# Flat .bin entered in real mode (lib/entry16.asm), runtime in long mode.
GUESTS_FLAT_RM64 := mode-switch
# Flat .bin written in nasm alone, entered in real mode.
GUESTS_ASM := realmode
# Linux bzImage (lib/bzimage.asm, lib/bzimage.ld): entered by the Linux
# boot protocol in 64-bit mode, no runtime; hypercalls directly.
GUESTS_LINUX := linux-entry

GUEST_LOAD_DEFAULT    := 0x100000
GUEST_LOAD_protmode   := 0x200000
GUEST_LOAD_mode-switch := 0x8000
GUEST_LOAD_realmode   := 0x10000
GUEST_LOAD_linux-entry := 0x200000
guest_load = $(or $(GUEST_LOAD_$(1)),$(GUEST_LOAD_DEFAULT))

# The module the multiboot*-info guests check (guests.cfg passes it).
PATTERN_SIZE := 12345
PATTERN_SEED := 0x1234

GUESTS_ELF := $(GUESTS_MB1_32) $(GUESTS_MB1_64) $(GUESTS_MB2_32) $(GUESTS_MB2_64)
GUESTS_BIN := $(GUESTS_AOUT) $(GUESTS_FLAT_PM) $(GUESTS_FLAT_RM64) $(GUESTS_ASM)
GUEST_FILES := $(GUESTS_ELF:%=$(GB)/%.elf) $(GUESTS_BIN:%=$(GB)/%.bin) \
	$(GUESTS_LINUX:%=$(GB)/%.bzImage) $(GB)/pattern.bin

# Guests are not lucid: SSE is allowed, and no -mgeneral-regs-only. The
# loop-to-memset transformation is off so that string.c is not recursive.
GCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-ffreestanding -nostdlib -nostdinc -isystem $(GCC_INC) -I. -I$(GLIB) \
	-fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
	-fno-tree-loop-distribute-patterns \
	-DPATTERN_SIZE=$(PATTERN_SIZE) -DPATTERN_SEED=$(PATTERN_SEED)
GCFLAGS32 := $(GCFLAGS) -m32 -march=i686
GCFLAGS64 := $(GCFLAGS) -m64 -mcmodel=small
GLDFLAGS  := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

GLIB_C    := runtime trap bootinfo smp
# Assembly beside a C file of the same name: built as NAME_asm.o.
GLIB_ASM  := trap_asm smp_asm
# lucid's own formatting and string routines, built again for the guests.
GLIB_LUCID := fmt string
GLIB32    := $(patsubst %,$(GB)/lib32/%.o,$(GLIB_C) libgcc32 entry $(GLIB_ASM)) \
	$(GLIB_LUCID:%=$(GB)/lib32/lucid_%.o)
GLIB64    := $(patsubst %,$(GB)/lib64/%.o,$(GLIB_C) paging entry $(GLIB_ASM)) \
	$(GLIB_LUCID:%=$(GB)/lib64/lucid_%.o)

.PHONY: guests
guests: $(GUEST_FILES)

$(GB)/lib32/%.o: $(GLIB)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS32) -MMD -MP -c $< -o $@
$(GB)/lib64/%.o: $(GLIB)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS64) -MMD -MP -c $< -o $@
$(GB)/lib32/lucid_%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS32) -MMD -MP -c $< -o $@
$(GB)/lib64/lucid_%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS64) -MMD -MP -c $< -o $@
# $(call guest_nasm,format,flags): the runtime's assembly, with its .d.
define guest_nasm
	@mkdir -p $(dir $@)
	$(NASM) -f $(1) -Werror -I. $(2) -M -MP -MT $@ $< > $(@:.o=.d)
	$(NASM) -f $(1) -Werror -I. $(2) $< -o $@
endef
$(GB)/lib32/%_asm.o: $(GLIB)/%.asm
	$(call guest_nasm,elf32)
$(GB)/lib32/%.o: $(GLIB)/%.asm
	$(call guest_nasm,elf32)
$(GB)/lib64/%_asm.o: $(GLIB)/%.asm
	$(call guest_nasm,elf64,-DLONG_MODE)
$(GB)/lib64/%.o: $(GLIB)/%.asm
	$(call guest_nasm,elf64,-DLONG_MODE)
$(GB)/lib32/aout.o: $(GLIB)/multiboot1.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -Werror -I. -DAOUT_KLUDGE $< -o $@

$(GB)/obj32/%.o: $(GDIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS32) -MMD -MP -c $< -o $@
$(GB)/obj64/%.o: $(GDIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS64) -MMD -MP -c $< -o $@

# $(call guest_link,NAME,ld-emulation,objects): link at the guest's load
# address with the shared layout.
guest_link = $(LD) $(GLDFLAGS) -m $(2) -T $(GLIB)/guest.ld \
	--defsym=GUEST_LOAD=$(call guest_load,$(1)) -o $@ $(3)

define guest_mb1_32
$(GB)/$(1).elf: $(GB)/obj32/$(1).o $(GB)/lib32/multiboot1.o $(GLIB32) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_i386,$$(filter %.o,$$^))
	@grub-file --is-x86-multiboot $$@ || { echo "error: $$@: no multiboot header" >&2; rm -f $$@; exit 1; }
endef

define guest_mb1_64
$(GB)/$(1).elf64: $(GB)/obj64/$(1).o $(GB)/lib64/multiboot1.o $(GLIB64) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_x86_64,$$(filter %.o,$$^))
$(GB)/$(1).elf: $(GB)/$(1).elf64
	$(OBJCOPY) -O elf32-i386 $$< $$@
	@grub-file --is-x86-multiboot $$@ || { echo "error: $$@: no multiboot header" >&2; rm -f $$@; exit 1; }
endef

define guest_mb2_32
$(GB)/$(1).elf: $(GB)/obj32/$(1).o $(GB)/lib32/multiboot2.o $(GLIB32) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_i386,$$(filter %.o,$$^))
	@grub-file --is-x86-multiboot2 $$@ || { echo "error: $$@: no multiboot2 header" >&2; rm -f $$@; exit 1; }
endef

define guest_mb2_64
$(GB)/$(1).elf: $(GB)/obj64/$(1).o $(GB)/lib64/multiboot2.o $(GLIB64) $(GDIR)/$(1).ld
	$(LD) $(GLDFLAGS) -m elf_x86_64 -T $(GDIR)/$(1).ld -o $$@ $$(filter %.o,$$^)
	@grub-file --is-x86-multiboot2 $$@ || { echo "error: $$@: no multiboot2 header" >&2; rm -f $$@; exit 1; }
endef

define guest_aout
$(GB)/$(1).elf: $(GB)/obj32/$(1).o $(GB)/lib32/aout.o $(GLIB32) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_i386,$$(filter %.o,$$^))
$(GB)/$(1).bin: $(GB)/$(1).elf
	$(OBJCOPY) -O binary $$< $$@
	@grub-file --is-x86-multiboot $$@ || { echo "error: $$@: no multiboot header" >&2; rm -f $$@; exit 1; }
endef

define guest_flat_pm
$(GB)/$(1).elf: $(GB)/obj32/$(1).o $(GLIB32) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_i386,$$(filter %.o,$$^))
$(GB)/$(1).bin: $(GB)/$(1).elf
	$(OBJCOPY) -O binary $$< $$@
endef

define guest_flat_rm64
$(GB)/$(1).elf: $(GB)/obj64/$(1).o $(GB)/lib64/entry16.o $(GLIB64) $(GLIB)/guest.ld
	$$(call guest_link,$(1),elf_x86_64,$$(filter %.o,$$^)) -e _start16
$(GB)/$(1).bin: $(GB)/$(1).elf
	$(OBJCOPY) -O binary $$< $$@
endef

define guest_asm
$(GB)/$(1).bin: $(GDIR)/$(1).asm $(GB)/hypercall_abi.inc
	$(NASM) -f bin -Werror -I$(GB)/ -DLOAD=$(call guest_load,$(1)) -o $$@ $$<
endef

# The ELF puts .setup at address 0 and the kernel at its load address;
# objcopy lays the file out by the load addresses bzimage.ld gives
# (AT(0x400)), setup first.
define guest_linux
$(GB)/$(1).elf: $(GB)/obj64/$(1).o $(GB)/lib64/bzimage.o $(GB)/lib64/lucid_fmt.o \
		$(GB)/lib64/lucid_string.o $(GLIB)/bzimage.ld
	$(LD) $(GLDFLAGS) -m elf_x86_64 -T $(GLIB)/bzimage.ld \
		--defsym=GUEST_LOAD=$(call guest_load,$(1)) -o $$@ $$(filter %.o,$$^)
$(GB)/$(1).bzImage: $(GB)/$(1).elf
	$(OBJCOPY) -O binary $$< $$@
	@test "$$$$(dd if=$$@ bs=1 skip=514 count=4 2>/dev/null)" = HdrS || \
		{ echo "error: $$@: no Linux setup header" >&2; rm -f $$@; exit 1; }
endef

# The ABI's constants for nasm, from the C header (plain integer #defines).
$(GB)/hypercall_abi.inc: hv/exits/hypercall_abi.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define \(LUCID_[A-Z0-9_]*\) *\([0-9][0-9a-fA-Fx]*\)u\{0,1\}\b.*/\1 equ \2/p' $< > $@

$(foreach g,$(GUESTS_MB1_32),$(eval $(call guest_mb1_32,$(g))))
$(foreach g,$(GUESTS_MB1_64),$(eval $(call guest_mb1_64,$(g))))
$(foreach g,$(GUESTS_MB2_32),$(eval $(call guest_mb2_32,$(g))))
$(foreach g,$(GUESTS_MB2_64),$(eval $(call guest_mb2_64,$(g))))
$(foreach g,$(GUESTS_AOUT),$(eval $(call guest_aout,$(g))))
$(foreach g,$(GUESTS_FLAT_PM),$(eval $(call guest_flat_pm,$(g))))
$(foreach g,$(GUESTS_FLAT_RM64),$(eval $(call guest_flat_rm64,$(g))))
$(foreach g,$(GUESTS_ASM),$(eval $(call guest_asm,$(g))))
$(foreach g,$(GUESTS_LINUX),$(eval $(call guest_linux,$(g))))

$(GB)/pattern.bin: $(GLIB)/mkpattern.py
	@mkdir -p $(dir $@)
	$(PYTHON) $< $@ $(PATTERN_SIZE) $(PATTERN_SEED)

# Debugging only: a flat guest behind a boot sector, to boot on plain QEMU
# (`make build/guests/realmode.img`, see docs/test-guests.md).
$(GB)/%.img: $(GB)/%.bin $(GLIB)/bootsect.asm
	@size=$$(stat -c %s $<); sectors=$$(( (size + 511) / 512 )); \
	 test $$sectors -le 127 || { echo "error: $< is too big for bootsect.asm" >&2; exit 1; }; \
	 $(NASM) -f bin -Werror -DLOAD=$(call guest_load,$*) -DENTRY=$(call guest_load,$*) \
		-DSECTORS=$$sectors $(if $(filter $*,$(GUESTS_FLAT_PM)),-DPROTECTED) \
		-o $(GB)/$*.boot $(GLIB)/bootsect.asm && \
	 cat $(GB)/$*.boot $< > $@ && truncate -s %512 $@

-include $(wildcard $(GB)/*/*.d)
