# lucid.efi: the UEFI loader (boot/efi), a gnu-efi application with
# lucid.elf embedded. Included by the top-level Makefile, which defines B,
# CC and LD. LUCID_ELF may name another kernel image, e.g. a test stub.

LUCID_ELF ?= $(B)/lucid.elf
NASM      ?= nasm
OBJCOPY   ?= objcopy

EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_OBJ := $(patsubst boot/efi/%.c,$(B)/efi/%.o,$(wildcard boot/efi/*.c))

# gnu-efi's calling convention: SysV code, with uefi_call_wrapper()
# switching to the MS ABI for each firmware call.
EFI_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER
EFI_LDFLAGS := -shared --no-undefined -Bsymbolic -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds

$(B)/efi/%.o: boot/efi/%.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(B)/efi/kernel.o: boot/efi/kernel.asm $(LUCID_ELF)
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -Werror -DLUCID_ELF="'$(LUCID_ELF)'" $< -o $@

$(B)/efi/jump.o: boot/efi/jump.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -Werror $< -o $@

$(B)/efi/lucid.so: $(EFI_OBJ) $(B)/efi/kernel.o $(B)/efi/jump.o
	$(LD) $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@

$(B)/lucid.efi: $(B)/efi/lucid.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
		-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJ:.o=.d)
