#!/usr/bin/env python3
"""`make bench`, the scheduler: what switching a CPU from one VM's vCPU to
another's costs, and how late a guest's own timer interrupt comes on a
shared CPU against a dedicated one.

Boots lucid under QEMU TCG with -icount shift=0,sleep=off, where the
guests' TSC counts instructions executed (lucid's and every guest's), so
the figures are instructions, the same on every run:

1. The switch (-smp 1, tests/guests/bench-switch.c). A guest spins
   reading the TSC and notes each gap between two readings: there lucid
   had the CPU. Alone on the CPU, each gap is a slice end at lucid's tick
   that resumes the same vCPU. With a second VM of the same guest on the
   CPU, each gap of one holds the other's turn, which the other's own
   readings measure; what is left is two switches (out and back in).
2. The wake-up (-smp 2, tests/guests/bench-timer-latency.c). A guest
   arms its TSC-deadline timer and halts; its handler reads the TSC.
   Deadline to handler, alone on a dedicated CPU (cpus = 1) and sharing
   that CPU with three VMs that spin with interrupts enabled
   (no-exit.elf if=1), CPU 0 given to a halted VM.

Prints two tables and writes build/bench/sched.csv (the figures) and
build/bench/sched-samples.csv (every sample). docs/benchmarks.md says
more.

    python3 tests/bench/sched.py [--build DIR]
"""
import argparse
import csv
import math
import os
import re
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from boot import emulator  # noqa: E402
from boot.cases import Case, fail_unless, guest_files  # noqa: E402
from boot.harness import run_case  # noqa: E402
from boot.session import CheckFailed, VERSION_LINE  # noqa: E402

CPU = "qemu64,+svm,+npt"
# sleep=off: idle time passes at once rather than as the host's clock
# runs, and the guest clock comes from the VM, so runs are identical.
ICOUNT = ["-icount", "shift=0,sleep=off", "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
SETUP = f"QEMU TCG {CPU}, -icount shift=0,sleep=off: the TSC counts instructions"

M = 1_000_000
TICK = 10 * M                 # lucid's slice at icount's 1 GHz TSC
# Guest TSC from which samples count: after every VM has started and
# lucid's console has shown its prompt (0.2 s after its last line: until
# then each of CPU 0's turns also asks whether the prompt is due).
FROM = 300 * M
WAKE_B = FROM + 50 * TICK     # bench-switch `b` wakes: from here `a` and `b` share
UNTIL = WAKE_B + 150 * TICK
BIG = TICK // 10              # a gap this long held another vCPU's turn, not just lucid
ROUNDS = 1000


def vm(name, kernel, **keys):
    """A [vm] section of lucid.cfg: 4 MiB, the kernel, then keys."""
    lines = [f'[vm "{name}"]', "memory = 4M", f"kernel = {kernel}"]
    return "\n".join(lines + [f"{k} = {v}" for k, v in keys.items()]) + "\n\n"


def latency_vm(**keys):
    return vm("latency", "bench-timer-latency.elf", cmdline=f"settle={2 * FROM} rounds={ROUNDS}",
              **keys)


RESUME_CFG = vm("a", "bench-switch.elf", cmdline=f"from={FROM} until={FROM + 100 * TICK}")
SWITCH_CFG = (vm("a", "bench-switch.elf", cmdline=f"from={FROM} until={UNTIL}") +
              vm("b", "bench-switch.elf", cmdline=f"wake={WAKE_B} until={UNTIL}"))
DEDICATED_CFG = latency_vm(cpus=1)
# CPU 0 goes to a VM that halts for good, so CPU 1 is the one shared.
SHARED_CFG = (vm("idle", "hlt-cli.elf", cpus=0) + latency_vm() +
              "".join(vm(f"busy-{i}", "no-exit.elf", cmdline="if=1") for i in (1, 2, 3)))

# The boots: (name, lucid.cfg, CPUs, the VMs that must power off).
BOOTS = [("bench-sched-resume", RESUME_CFG, 1, ["a"]),
         ("bench-sched-switch", SWITCH_CFG, 1, ["a", "b"]),
         ("bench-sched-dedicated", DEDICATED_CFG, 2, ["latency"]),
         ("bench-sched-shared", SHARED_CFG, 2, ["latency"])]


def boot(build, name, cfg, smp, vms):
    """Boots lucid with cfg and waits for each of vms to power off.
    Returns (serial text, lucid's version) or raises CheckFailed."""
    got = {}

    def check(s):
        got["version"] = s.expect(VERSION_LINE, "the version line").group(0).split(" - ")[0]
        for v in vms:
            s.expect(rf"^vm {v}: (powered off|crashed: .*)$", f"VM {v} to finish")
        text = s.text()
        for v in vms:
            fail_unless(re.search(rf"^vm {v}: powered off", text, re.M), f"VM {v} crashed")
            fails = re.findall(rf"^test {v}: FAIL (.*)$", text, re.M)
            fail_unless(not fails, f"VM {v} failed: " + "; ".join(fails))
        got["text"] = text

    case = Case(name, check, modules=lambda: guest_files(build, cfg), cpu=CPU, smp=smp,
                qemu_args=ICOUNT, timeout=300)
    result = run_case(case, build)
    if not result.ok:
        raise CheckFailed(f"{name}: {result.reason} (serial log: build/test-logs/{name}.log)")
    return got["text"], got["version"]


def boot_all(build):
    """Every boot of BOOTS, side by side (icount makes the figures the
    same however busy the host is): their texts and lucid's version."""
    try:
        with ThreadPoolExecutor(max_workers=min(len(BOOTS), os.cpu_count() or 1)) as pool:
            done = list(pool.map(lambda b: boot(build, *b), BOOTS))
    finally:
        emulator.kill_all()
    return [text for text, _ in done], done[0][1]


def gaps_of(text, name):
    """bench-switch's report: instructions a round, and its gaps."""
    m = re.search(rf"^{name}: round (\d+)$", text, re.M)
    fail_unless(m, f"no 'round' line from VM {name}")
    gaps = [(int(a), int(b)) for a, b in re.findall(rf"^{name}: gap (\d+) (\d+)$", text, re.M)]
    fail_unless(gaps, f"no gaps from VM {name}")
    return int(m.group(1)), gaps


def turns(gaps, one_round):
    """The big gaps (another vCPU's turn in each) and, between them, the
    guest's own turns: from the reading after one big gap to the reading
    before the next, small gaps (a tick that resumed it) included."""
    big = [g for g in gaps if g[1] - g[0] - one_round > BIG]
    own = [(a[1], b[0]) for a, b in zip(big, big[1:])]
    return big, own


def switch_samples(text):
    """Two switches, out and back in, from each big gap of one VM less the
    other's turn inside it. `a`'s first big gap holds `b`'s wake-up and is
    left out; `a`'s big gap k + 1 holds `b`'s turn k, and `b`'s big gap k
    holds `a`'s turn k. A turn measured from readings misses the
    instructions of the loop before its first reading and after its last;
    over consecutive turns those add up to one round each, which is what
    is added back: a sample is off by less than a round, their mean by
    less than a round over their number."""
    round_a, gaps_a = gaps_of(text, "a")
    round_b, gaps_b = gaps_of(text, "b")
    big_a, own_a = turns(gaps_a, round_a)
    big_b, own_b = turns(gaps_b, round_b)
    samples = []
    for gaps, own, mine, theirs in ((big_a[1:], own_b, round_a, round_b),
                                    (big_b, own_a, round_b, round_a)):
        for gap, turn in zip(gaps, own):
            samples.append((gap[1] - gap[0] - mine) - (turn[1] - turn[0] + theirs))
    fail_unless(len(samples) > 20, f"only {len(samples)} switch samples")
    fail_unless(all(0 < s < BIG for s in samples),
                f"switch samples out of range (turns paired wrongly?): {sorted(samples)[:3]} .. "
                f"{sorted(samples)[-3:]}")
    return samples


def resume_samples(text, name="a"):
    """Each small gap of `name` before another vCPU ran: lucid's tick, the
    same vCPU picked again."""
    one_round, gaps = gaps_of(text, name)
    out = []
    for g in gaps:
        if g[1] - g[0] - one_round > BIG:
            break
        out.append(g[1] - g[0] - one_round)
    fail_unless(len(out) > 20, f"only {len(out)} resume samples from VM {name}")
    return out


def latency_samples(text):
    m = re.search(r"^latency: entry (\d+)$", text, re.M)
    fail_unless(m, "no 'entry' line from the latency VM")
    lat = [int(x) for line in re.findall(r"^latency: latency ([\d ]+)$", text, re.M)
           for x in line.split()]
    fail_unless(len(lat) == ROUNDS, f"{len(lat)} latencies, expected {ROUNDS}")
    return int(m.group(1)), lat


def summary(samples, scale=1):
    s = sorted(x / scale for x in samples)
    return {"samples": len(s), "min": s[0], "median": statistics.median(s),
            "mean": statistics.fmean(s), "p99": s[math.ceil(0.99 * len(s)) - 1], "max": s[-1]}


def fmt(x):
    return f"{x:.0f}" if x == int(x) else f"{x:.1f}"


def table(title, rows):
    print(title)
    print(f"  {'case':<44} {'samples':>7} {'min':>8} {'median':>8} {'mean':>8} {'p99':>8} {'max':>10}")
    for name, r in rows:
        print(f"  {name:<44} {r['samples']:>7} {fmt(r['min']):>8} {fmt(r['median']):>8} "
              f"{r['mean']:>8.1f} {fmt(r['p99']):>8} {fmt(r['max']):>10}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"), help="build directory")
    build = Path(ap.parse_args().build).resolve()

    try:
        texts, version = boot_all(build)
        alone = resume_samples(texts[0])
        beside = resume_samples(texts[1])
        switch = switch_samples(texts[1])
        entry, dedicated = latency_samples(texts[2])
        _, shared = latency_samples(texts[3])
    except CheckFailed as e:
        print(f"bench sched failed: {e}")
        return 1

    switch_rows = [
        ("resume: the vCPU alone on its CPU", alone, 1),
        ("resume: beside a halted vCPU", beside, 1),
        ("switch: to another VM's vCPU (half of two)", switch, 2),
    ]
    latency_rows = [
        ("dedicated CPU (cpus = 1)", dedicated, 1),
        ("sharing its CPU with 3 busy VMs", shared, 1),
    ]
    print(f"{version}, {SETUP}")
    table("Instructions from a vCPU's exit at lucid's tick to the next entry (one CPU):",
          [(n, summary(s, k)) for n, s, k in switch_rows])
    a, b = summary(alone)["mean"], summary(switch, 2)["mean"]
    print(f"  a switch costs {b - a:.1f} more than resuming alone (means)")
    table("Instructions from a guest's timer deadline to its handler's RDTSC (CPU 1 of 2):",
          [(n, summary(s, k)) for n, s, k in latency_rows])
    print(f"  of each, {entry} are the guest's own interrupt entry (an INT to the handler)")

    out = build / "bench"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sched.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["figure", "case", "samples", "min", "median", "mean", "p99", "max", "unit",
                    "lucid"])
        for figure, rows in (("switch", switch_rows), ("timer latency", latency_rows)):
            for n, s, k in rows:
                r = summary(s, k)
                w.writerow([figure, n, r["samples"], fmt(r["min"]), fmt(r["median"]),
                            f"{r['mean']:.1f}", fmt(r["p99"]), fmt(r["max"]), "instructions",
                            version])
    with open(out / "sched-samples.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "sample"])
        for n, s, k in switch_rows + latency_rows:
            w.writerows([n, fmt(x / k)] for x in s)
    print(f"written to {out / 'sched.csv'} and {out / 'sched-samples.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
