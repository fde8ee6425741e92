# lucid build. `make` builds build/lucid.elf, build/lucid.iso and
# build/lucid.efi; `make run` boots it in QEMU; `make test` runs every test;
# `make run CFG=my.cfg` and `make image CFG=my.cfg` boot your own VMs.
# See README.md and docs/building.md.

# The version number lives in hv/version.h.
GITREV  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

B       := build
CC      := gcc
LD      := ld
NASM    := nasm
PYTHON  := python3

GCC_INC := $(shell $(CC) -print-file-name=include)

# The hypervisor: freestanding, no libc, no SSE (guest state lives in the
# FPU registers), frame pointers kept for backtraces.
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-ffreestanding -nostdinc -isystem $(GCC_INC) -I. \
	-fno-pic -fno-pie -fno-stack-protector -fno-builtin \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fcf-protection=none -fno-strict-aliasing \
	-I$(B)/gen
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
NASMFLAGS := -f elf64 -Werror

# What makes up lucid.elf: each source directory lists its own objects in
# an objects.mk (`kobjs += ...`), at any depth. boot/efi is the separate
# UEFI loader application and is built by boot/efi/efi.mk.
kobjs    :=
include $(sort $(shell find boot arch hv drivers lib -name objects.mk))
KOBJ     := $(addprefix $(B)/k/,$(kobjs))

.PHONY: all deps run image test test-unit test-boot test-slow bench clean
all: $(B)/lucid.elf $(B)/lucid.iso $(B)/lucid.efi guests

deps:
	@tools/install-deps

# The revision is a header rewritten only when it changes, so that a commit
# rebuilds version.o and nothing else.
$(B)/gen/gitrev.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define LUCID_GITREV "$(GITREV)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(B)/k/hv/version.o: $(B)/gen/gitrev.h
FORCE:

$(B)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

# Built-in guests: flat images that lucid.elf carries (hv/builtin/).
$(B)/builtin/%.bin: hv/builtin/%.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin -Werror $< -o $@
$(B)/k/hv/builtin/images.o: $(B)/builtin/hello.bin
$(B)/k/hv/builtin/images.o: NASMFLAGS += -DBUILTIN_HELLO="'$(B)/builtin/hello.bin'"

# nasm 2.16's -MD leaves out %include'd files, so the dependencies come
# from a -M run of their own.
$(B)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -I. -M -MP -MT $@ $< > $(@:.o=.d)
	$(NASM) $(NASMFLAGS) -I. $< -o $@

# Two link passes: the first finds the text symbols' addresses, the second
# adds them as a table for backtraces. The table lives in .rodata, after
# .text, so no function moves between the passes (checked).
$(B)/ksyms0.c: tools/gen-ksyms
	@mkdir -p $(B)
	tools/gen-ksyms > $@
$(B)/ksyms.c: $(B)/lucid0.elf tools/gen-ksyms
	tools/gen-ksyms $< > $@
$(B)/ksyms%.o: $(B)/ksyms%.c
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/ksyms.o: $(B)/ksyms.c
	$(CC) $(KCFLAGS) -c $< -o $@

$(B)/lucid0.elf: $(KOBJ) $(B)/ksyms0.o linker.ld
	$(LD) $(KLDFLAGS) -T linker.ld -o $@ $(KOBJ) $(B)/ksyms0.o

$(B)/lucid.elf: $(KOBJ) $(B)/ksyms.o linker.ld
	$(LD) $(KLDFLAGS) -T linker.ld -o $@ $(KOBJ) $(B)/ksyms.o
	@nm -n $(B)/lucid0.elf | grep ' [tT] ' > $(B)/text0.syms; nm -n $@ | grep ' [tT] ' > $(B)/text.syms; \
	 cmp -s $(B)/text0.syms $(B)/text.syms || { echo "error: text moved between link passes" >&2; rm -f $@; exit 1; }
	@grub-file --is-x86-multiboot2 $@ || { echo "error: $@ has no valid multiboot2 header" >&2; rm -f $@; exit 1; }

# GRUB rescue image: boots on BIOS and UEFI, hands lucid.elf the modules
# listed in grub.cfg.
$(B)/lucid.iso: $(B)/lucid.elf boot/grub.cfg
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	cp $(B)/lucid.elf $(B)/iso/boot/lucid.elf
	cp boot/grub.cfg $(B)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(B)/iso 2>$(B)/grub-mkrescue.log || { cat $(B)/grub-mkrescue.log; exit 1; }

# The Linux guest: Debian's cloud kernel and busybox-static, fetched with
# apt-get download (tools/fetch-linux), never committed; the initramfs is
# busybox, tests/linux/init and two modules. Fetched once: `make clean`
# forgets it.
LINUX := $(B)/linux
$(LINUX)/modules.list:
	tools/fetch-linux $(LINUX)
$(LINUX)/version $(LINUX)/vmlinuz $(LINUX)/busybox: $(LINUX)/modules.list
$(LINUX)/initramfs.gz: $(LINUX)/modules.list tests/linux/init tools/mkinitramfs
	tools/mkinitramfs $(LINUX)/busybox tests/linux/init $@ \
		$(addprefix $(LINUX)/,$(shell cat $(LINUX)/modules.list 2>/dev/null))
$(LINUX)/linux.cfg: tools/linux.cfg $(LINUX)/version
	cp tools/linux.cfg $@
.PHONY: linux
linux: $(LINUX)/vmlinuz $(LINUX)/initramfs.gz $(LINUX)/linux.cfg

include boot/efi/efi.mk
include tests/unit/unit.mk
include tools/tools.mk
include tests/guests/guests.mk
include tests/fuzz/fuzz.mk

# Your own VMs: CFG is a lucid.cfg, the files it names relative to it;
# tools/mkimage checks it and writes IMAGE (docs/config.md). Without CFG,
# `make run` boots Debian's Linux in one VM (tools/linux.cfg).
CFG   ?=
IMAGE ?= $(B)/lucid-image.iso
RUN_CFG = $(or $(CFG),$(LINUX)/linux.cfg)

run: deps all $(if $(CFG),,linux)
	@tools/mkimage -o "$(IMAGE)" "$(RUN_CFG)"
ifeq ($(CFG),)
	@echo "make run: lucid boots Debian's Linux in VM 'linux'; at lucid's prompt, 'console linux'"
	@echo "reaches its shell (Ctrl-] comes back), 'list' shows the VMs, 'help' says the rest"
endif
	@LUCID_IMAGE="$(IMAGE)" LUCID_CFG="$(RUN_CFG)" tools/run-qemu

# Writes the image and says how to put it on a USB stick; never writes to
# a device itself.
image: deps
	@$(MAKE) --no-print-directory $(B)/lucid.elf
	@tools/mkimage -o "$(IMAGE)" $(if $(CFG),"$(CFG)")
	@echo "It boots from a USB stick or disk on BIOS and UEFI machines. To write it to a"
	@echo "whole stick (not a partition; everything on the stick is lost), find the"
	@echo "stick's device with lsblk, then:"
	@echo "    sudo dd if=$(IMAGE) of=/dev/sdX bs=4M conv=fsync status=progress"
	@echo "Try it first in QEMU: make run CFG=... (or LUCID_IMAGE=$(IMAGE) tools/run-qemu)"

test: deps
	@$(MAKE) --no-print-directory all unit-bins fuzz-bin linux
	@$(PYTHON) tests/run.py

test-slow: deps
	@$(MAKE) --no-print-directory all unit-bins fuzz-bin linux
	@$(PYTHON) tests/run.py --slow

bench: deps
	@$(MAKE) --no-print-directory all linux
	@$(PYTHON) tests/bench/run.py
	@$(PYTHON) tests/bench/run.py --bochs svm
	@$(PYTHON) tests/bench/run.py --bochs vmx
	@$(PYTHON) tests/bench/sched.py
	@$(PYTHON) tests/bench/linux.py

clean:
	rm -rf $(B)

-include $(KOBJ:.o=.d)
