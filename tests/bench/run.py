#!/usr/bin/env python3
"""`make bench`: what an exit costs, in instructions.

Boots lucid under QEMU TCG with -icount shift=0, where the guest's TSC
counts instructions executed, so the figures are exact and the same on
every run and every machine. The bench guest (tests/guests/bench.c) times
CPUID, a hypercall, port I/O and MMIO to lucid's test device, and an MSR
read, each against the same code with the exiting instruction replaced by
a NOP. Then, in two more boots, an IPI's round trip between the two vCPUs
of a VM: both on lucid's one CPU (-smp 1), then each on a CPU of its own
(`cpus = 0-1`, -smp 2). Prints a table and writes build/bench/exits.csv.

With --bochs svm, the same under Bochs 2.7 `ryzen`, whose SVM has nRIP
(as every AMD CPU of the last decade): there the CPU says how long the
exiting instruction was, so lucid reads none, and the CPUID row is what
a CPU would cost in instructions. With --bochs vmx, under Bochs's
`corei7_skylake_x` and lucid's VMX back end. Bochs's TSC ticks once an
instruction (`clock: sync=none`), so these figures are exact too; they go
to build/bench/exits-bochs-svm.csv and exits-bochs-vmx.csv.

    python3 tests/bench/run.py [--build DIR] [--bochs svm|vmx]
"""
import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from boot import emulator  # noqa: E402
from boot.cases import Case, fail_unless  # noqa: E402
from boot.harness import run_case  # noqa: E402
from boot.session import VERSION_LINE  # noqa: E402

CPU = "qemu64,+svm,+npt"
BOCHS = {"svm": ("ryzen", "SVM with nRIP"), "vmx": ("corei7_skylake_x", "VMX with EPT")}
RESULT = re.compile(r"^bench: result (\S+) (\d+) (\d+) (.*)$", re.M)
# The IPI round trip (bench.c's ipi=NAME): lucid's CPUs, and the VM's
# placement on them.
IPI_RUNS = {"one-cpu": (1, ""), "two-cpus": (2, "cpus    = 0-1\n")}


def ipi_cfg(name, cpus):
    return (f'[vm "bench"]\nvcpus   = 2\n{cpus}memory  = 4M\nkernel  = bench.elf\n'
            f'cmdline = ipi={name}\n').encode()


def check(s, rows):
    version = s.expect(VERSION_LINE, "the version line")
    s.expect(r"^vm bench: started:", "'vm bench: started'")
    s.expect(r"^vm bench: (powered off|crashed: .*)$", "the bench VM to finish")
    text = s.text()
    fail_unless("vm bench: powered off" in text, "the bench VM crashed")
    fails = re.findall(r"^test bench: FAIL (.*)$", text, re.M)
    fail_unless(not fails, "the bench guest failed: " + "; ".join(fails))
    for m in RESULT.finditer(text):
        rows.append({"operation": m.group(1), "min": int(m.group(2)),
                     "median": int(m.group(3)), "what": m.group(4),
                     "lucid": version.group(0).split(" - ")[0]})
    fail_unless(rows, "no results from the bench guest")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"), help="build directory")
    ap.add_argument("--bochs", choices=BOCHS,
                    help="Bochs 2.7 instead of QEMU: `ryzen` (SVM with nRIP) or "
                         "`corei7_skylake_x` (VMX)")
    args = ap.parse_args()
    build = Path(args.build).resolve()

    rows = []
    elf = (build / "guests" / "bench.elf").read_bytes()
    runs = [("", 1, (ROOT / "tests" / "bench" / "bench.cfg").read_bytes())]
    runs += [(f"-ipi-{name}", smp, ipi_cfg(name, cpus))
             for name, (smp, cpus) in IPI_RUNS.items()]
    if args.bochs:
        model, what = BOCHS[args.bochs]
        prefix = f"bench-bochs-{args.bochs}"
        emu = dict(emulator="bochs", bochs_cpu=model, timeout=600)
        setup = f"Bochs 2.7 {model} ({what}), its TSC one tick an instruction"
    else:
        prefix = "bench"
        emu = dict(cpu=CPU, qemu_args=["-icount", "shift=0"], timeout=120)
        setup = f"QEMU TCG {CPU}, -icount shift=0"

    for suffix, smp, cfg in runs:
        case = Case(prefix + suffix, lambda s: check(s, rows), smp=smp,
                    modules={"lucid.cfg": cfg, "bench.elf": elf}, **emu)
        try:
            result = run_case(case, build)
        finally:
            emulator.kill_all()
        if not result.ok:
            print(f"bench failed: {result.reason}\n"
                  f"(serial log: build/test-logs/{case.name}.log)")
            return 1

    out = build / "bench"
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / (f"exits-bochs-{args.bochs}.csv" if args.bochs else "exits.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["operation", "min", "median", "what", "lucid"])
        w.writeheader()
        w.writerows(rows)
    print(f"{rows[0]['lucid']}, {setup}")
    print("Instructions one exit costs (guest and lucid), over a NOP in its place:")
    print(f"  {'operation':<16} {'min':>7} {'median':>7}  what")
    for r in rows:
        print(f"  {r['operation']:<16} {r['min']:>7} {r['median']:>7}  {r['what']}")
    print(f"written to {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
