#!/usr/bin/env python3
"""`make bench`, Linux: what running under lucid adds to a Linux boot.

Boots Debian's cloud kernel with the initramfs of `make linux` twice under
QEMU TCG with -icount shift=0 on one CPU: in a VM of lucid, and started
directly by QEMU (-kernel, no devices beyond the PC's own). Under icount
the guest's TSC counts instructions, so Linux's own clock measures both
runs alike: its printk time at "Run /init as init process" is the time
from its TSC setup (early in setup_arch, after the decompressor) to /init,
which the TSC rate Linux settled on turns back into instructions. Under
lucid those include every exit lucid handled. Prints both and their ratio
(aim: at most 1.10) and writes build/bench/linux.csv.

    python3 tests/bench/linux.py [--build DIR]
"""
import argparse
import csv
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from boot import emulator  # noqa: E402
from boot.cases import Case, LINUX_VM, fail_unless, linux_files  # noqa: E402
from boot.session import CheckFailed  # noqa: E402
from boot.harness import run_case  # noqa: E402

CPU = "qemu64,+svm,+npt"
ICOUNT = ["-icount", "shift=0"]
CMDLINE = "console=ttyS0 lucid.test=1 lucid.mem_kb=262144"
RUN_INIT = re.compile(r"^(?:linux: )?\[\s*(\d+\.\d+)\] Run /init as init process", re.M)
# The rate Linux's clock runs at: the refined one if it got that far.
TSC_MHZ = (re.compile(r"tsc: Refined TSC clocksource calibration: (\d+\.\d+) MHz"),
           re.compile(r"tsc: Detected (\d+\.\d+) MHz processor"))


def instructions_to_init(text, where):
    """Linux's printk time at /init, in instructions of its TSC."""
    init = RUN_INIT.search(text)
    fail_unless(init, f"{where}: no 'Run /init as init process' line")
    for regex in TSC_MHZ:
        mhz = regex.search(text)
        if mhz:
            return round(float(init.group(1)) * float(mhz.group(1)) * 1e6)
    fail_unless(False, f"{where}: Linux said no TSC rate")


def under_lucid(build):
    """The VM's boot to /init in lucid; returns (instructions, reason)."""
    found = {}

    def check(s):
        s.expect(r"^vm linux: started:", "'vm linux: started'")
        s.expect(r"^vm linux: (powered off.*|crashed: .*)$", "the Linux VM to finish")
        fail_unless(re.search(r"^vm linux: powered off", s.text(), re.M), "the Linux VM crashed")
        found["n"] = instructions_to_init(s.text(), "under lucid")

    def files():
        f = linux_files(build)
        f["lucid.cfg"] = LINUX_VM.format(name="linux", extra="").encode()
        return f

    case = Case("bench-linux", check, image="disk", mem=1024, smp=1, cpu=CPU,
                qemu_args=ICOUNT, modules=files, timeout=600)
    try:
        result = run_case(case, build)
    finally:
        emulator.kill_all()
    return found.get("n"), None if result.ok else result.reason


def direct(build):
    """The same kernel and initramfs, started directly by QEMU."""
    log = build / "test-logs" / "bench-linux-direct.log"
    cmd = ["qemu-system-x86_64", "-accel", "tcg", *ICOUNT, "-cpu", "qemu64", "-smp", "1",
           "-m", "256", "-machine", "pc,hpet=off", "-nodefaults", "-display", "none",
           "-serial", f"file:{log}", "-no-reboot",
           "-kernel", str(build / "linux" / "vmlinuz"),
           "-initrd", str(build / "linux" / "initramfs.gz"), "-append", CMDLINE]
    try:
        subprocess.run(cmd, timeout=600, check=True, stdin=subprocess.DEVNULL)
    except (subprocess.SubprocessError, OSError) as e:
        return None, f"QEMU alone: {e}"
    text = log.read_text(errors="replace").replace("\r", "")
    try:
        return instructions_to_init(text, "QEMU alone"), None
    except CheckFailed as e:
        return None, str(e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"), help="build directory")
    build = Path(ap.parse_args().build).resolve()
    (build / "test-logs").mkdir(parents=True, exist_ok=True)

    lucid, why = under_lucid(build)
    if why:
        print(f"bench linux failed under lucid: {why}\n(serial log: build/test-logs/bench-linux.log)")
        return 1
    alone, why = direct(build)
    if why:
        print(f"bench linux failed: {why}\n(serial log: build/test-logs/bench-linux-direct.log)")
        return 1

    ratio = lucid / alone
    out = build / "bench"
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "linux.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "instructions to /init"])
        w.writerow(["under lucid", lucid])
        w.writerow(["QEMU alone", alone])
        w.writerow(["ratio", f"{ratio:.3f}"])
    print(f"Linux from its TSC setup to /init (QEMU TCG, -icount shift=0, one CPU), instructions:")
    print(f"  under lucid {lucid:>14,}")
    print(f"  QEMU alone  {alone:>14,}")
    print(f"  ratio       {ratio:>14.3f}  (aim: at most 1.10)")
    print(f"written to {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
