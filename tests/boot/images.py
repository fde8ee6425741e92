"""Builds the boot images the test cases need (a GRUB rescue ISO, an EFI
system partition directory, or the image tools/mkimage makes of a
config) and reads section addresses from lucid.elf."""
import shutil
import struct
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def grub_cfg(cmdline, modules):
    """grub.cfg that boots /boot/lucid.elf at once with cmdline and modules."""
    lines = ["set timeout=0", "set default=0", 'menuentry "lucid" {',
             f"\tmultiboot2 /boot/lucid.elf {cmdline}".rstrip()]
    for name in modules:
        lines.append(f"\tmodule2 --nounzip /boot/{name} {name}")
    lines += ["\tboot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(case_dir, elf, cmdline="", modules=None):
    """Makes case_dir/lucid.iso from case_dir/iso/; returns the ISO's path."""
    modules = modules or {}
    root = Path(case_dir) / "iso"
    shutil.rmtree(root, ignore_errors=True)
    (root / "boot" / "grub").mkdir(parents=True)
    shutil.copyfile(elf, root / "boot" / "lucid.elf")
    for name, data in modules.items():
        (root / "boot" / name).write_bytes(data)
    (root / "boot" / "grub" / "grub.cfg").write_text(grub_cfg(cmdline, modules))
    iso = Path(case_dir) / "lucid.iso"
    res = subprocess.run(["grub-mkrescue", "-o", str(iso), str(root)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"grub-mkrescue failed:\n{res.stdout}")
    return iso


def make_esp(case_dir, efi, modules=None):
    """Makes case_dir/esp/EFI/BOOT/BOOTX64.EFI with the modules beside it;
    returns the ESP directory (for QEMU's fat:rw: drive)."""
    esp = Path(case_dir) / "esp"
    shutil.rmtree(esp, ignore_errors=True)
    boot = esp / "EFI" / "BOOT"
    boot.mkdir(parents=True)
    shutil.copyfile(efi, boot / "BOOTX64.EFI")
    for name, data in (modules or {}).items():
        (boot / name).write_bytes(data)
    return esp


def make_disk(case_dir, elf, files):
    """Writes files ({name: bytes}: "lucid.cfg", the config, and the files
    it names, by their names relative to it) into case_dir/own/ and makes
    case_dir/lucid-image.iso of them with tools/mkimage, as `make image`
    does; returns the image's path."""
    own = Path(case_dir) / "own"
    shutil.rmtree(own, ignore_errors=True)
    for name, data in files.items():
        (own / name).parent.mkdir(parents=True, exist_ok=True)
        (own / name).write_bytes(data)
    image = Path(case_dir) / "lucid-image.iso"
    res = subprocess.run([str(ROOT / "tools" / "mkimage"), "-o", str(image), "--elf", str(elf),
                          str(own / "lucid.cfg")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"tools/mkimage failed:\n{res.stdout}")
    return image


SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4


def text_ranges(elf):
    """[(name, start, end)] of the allocated executable sections of an
    ELF64 file, end exclusive."""
    data = Path(elf).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{elf}: not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)

    strtab = section(shstrndx)
    ranges = []
    for i in range(shnum):
        name_off, _, flags, addr, _, size = section(i)
        if flags & SHF_ALLOC and flags & SHF_EXECINSTR and size:
            start = strtab[4] + name_off
            name = data[start:data.index(b"\0", start)].decode()
            ranges.append((name, addr, addr + size))
    return ranges
