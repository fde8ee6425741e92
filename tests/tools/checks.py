"""Checks of the host tools, run by tests/run.py as tools/* without an
emulator (the boot cases qemu-image-* boot what tools/mkimage makes):

- mkimage-config-error: a config with a mistake gives lucid-cfg's
  FILE:LINE message, and no image.
- mkimage-missing-file: a config naming a file that is not there names
  it, at the line that names it, and makes no image.
- lucid-cfg-needs: `lucid-cfg needs` lists each file once with its path
  (relative to the config's directory, in a subdirectory, or absolute),
  a built-in guest as built-in, and the RAM and CPUs the VMs want.

Each check returns a list of problems; empty means it passed."""
import subprocess
import tempfile
from pathlib import Path


def _run(cmd):
    res = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return res.returncode, res.stdout


def _mkimage_refuses(root, cfg_text, files, want):
    """Problems unless tools/mkimage refuses cfg_text (with `files` beside
    it) with a non-zero status, prints the line `want` (with {cfg} for
    the config's path) and writes no image."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "my.cfg"
        cfg.write_text(cfg_text)
        for name in files:
            (tmp / name).write_bytes(b"\0" * 16)
        image = tmp / "out.iso"
        status, out = _run([root / "tools" / "mkimage", "-o", image, cfg])
        problems = []
        if status == 0:
            problems.append("tools/mkimage succeeded")
        if want.format(cfg=cfg) not in out.splitlines():
            problems.append(f"no line {want.format(cfg=cfg)!r} in its output:\n{out}")
        if image.exists() or Path(f"{image}.tmp").exists():
            problems.append("it wrote an image")
        return problems


def check_config_error(root):
    return _mkimage_refuses(
        root, '[vm "web"]\nkernel = web.elf\nmemory = 256Q\n', ["web.elf"],
        '{cfg}:3: vm "web": memory: "256Q" is not a size (use e.g. 256M)')


def check_missing_file(root):
    return _mkimage_refuses(
        root, '[vm "web"]\nmemory = 16M\nkernel = web.elf\n# module = gone.bin\n'
        'module = "gone.bin" its args\n', ["web.elf"],
        '{cfg}:5: vm "web": module "gone.bin": no such file ({cfg.parent}/gone.bin)')


def check_needs(root):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "sub").mkdir()
        for f in ("a.elf", "sub/b.bin"):
            (tmp / f).write_bytes(b"\0")
        absolute = tmp / "sub" / "abs.bin"
        absolute.write_bytes(b"\0")
        cfg = tmp / "my.cfg"
        cfg.write_text(f'[vm "one"]\nmemory = 16M\nkernel = a.elf\nmodule = sub/b.bin x\n'
                       f'cpus = 2\n\n[vm "two"]\nmemory = 1G\nkernel = hello\n'
                       f'module = sub/b.bin\nmodule = {absolute}\n')
        status, out = _run([root / "tools" / "lucid-cfg", "needs", "--modules", tmp, cfg])
        want = (f"ram 1040\ncpus 3\nfile a.elf\t{tmp}/a.elf\nfile sub/b.bin\t{tmp}/sub/b.bin\n"
                f"builtin hello\nfile {absolute}\t{absolute}\n")
        if status != 0 or out != want:
            return [f"status {status}, output:\n{out}expected:\n{want}"]
        return []


CHECKS = {
    "mkimage-config-error": check_config_error,
    "mkimage-missing-file": check_missing_file,
    "lucid-cfg-needs": check_needs,
}
