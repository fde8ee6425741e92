#!/usr/bin/env python3
"""Where an exit's instructions go: runs the bench (after `make bench`)
under QEMU's execution log, cuts the log into round trips at each entry
to svm_vmrun, and prints, for the most common round trips, the
instructions lucid executed in each function. Run the bench first: this
reuses its image and QEMU command (build/test/bench/).

    python3 tests/bench/profile.py [--top N] [--build DIR]

A round trip of the bench's CPUID exit is the most common one of its
length; the guest's own instructions are not in the log, so a figure here
is the bench's minus the guest side of an exit (VMRUN, the exiting
instruction, the RDTSCs around it). Counts come from the disassembly: a
logged translation block is counted up to its first branch, as QEMU ends
a block there.
"""
import argparse
import bisect
import collections
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BRANCH = re.compile(r"^(j\w+|call|ret|iret|sysret|vmrun|hlt|lret|int|ud2|syscall|sti|cli)\b")


def disassemble(elf):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(elf)], check=True,
                         capture_output=True, text=True).stdout
    insns, syms = [], {}
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            syms[int(m.group(1), 16)] = m.group(2)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2).strip()))
    return insns, syms


def symbol_address(elf, name):
    for line in subprocess.run(["nm", str(elf)], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    sys.exit(f"profile: no symbol {name} in {elf}")


def run_until_done(argv):
    q = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        for line in q.stdout:
            if line.startswith("vm bench: powered off") or line.startswith("vm bench: crashed"):
                break
    finally:
        q.kill()
        q.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=7, help="round trips to break down")
    ap.add_argument("--build", default=str(ROOT / "build"))
    args = ap.parse_args()
    build = Path(args.build)
    elf = build / "lucid.elf"
    command = (build / "test" / "bench" / "command").read_text().split("\n")[0]

    insns, syms = disassemble(elf)
    addrs = [a for a, _ in insns]
    starts = sorted(syms)
    entry = symbol_address(elf, "svm_vmrun")
    # Leave memset out of the log: zeroing guest RAM would swamp it.
    ms = symbol_address(elf, "memset")
    ms_end = next(a for a in starts if a > ms)
    text_end = symbol_address(elf, "__text_end")
    base = starts[0]
    dfilter = f"{base:#x}+{ms - base:#x},{ms_end:#x}+{text_end - ms_end:#x}"

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "exec.log"
        argv = shlex.split(command) + ["-d", "exec,nochain", "-dfilter", dfilter, "-D", str(log)]
        # The bench never powers QEMU off: stop it once the guest is done.
        run_until_done(argv)
        pcs = [int(m.group(1), 16) for m in
               (re.search(r"/([0-9a-f]{16})/", line) for line in open(log, errors="replace"))
               if m]

    lengths = {}

    def block_len(pc):
        if pc not in lengths:
            i, n = bisect.bisect_left(addrs, pc), 0
            while i < len(insns):
                n += 1
                if BRANCH.match(insns[i][1]) or n >= 512:
                    break
                i += 1
            lengths[pc] = n
        return lengths[pc]

    def function(pc):
        i = bisect.bisect_right(starts, pc) - 1
        return syms[starts[i]] if i >= 0 else "?"

    cuts = [i for i, pc in enumerate(pcs) if pc == entry]
    trips = collections.defaultdict(list)
    for a, b in zip(cuts, cuts[1:]):
        trips[sum(block_len(pc) for pc in pcs[a:b])].append((a, b))
    if not trips:
        sys.exit("profile: no round trips in the log (did the bench run?)")
    common = sorted(trips.items(), key=lambda t: -len(t[1]))[:args.top]
    for total, spans in sorted(common):
        a, b = spans[0]
        per = collections.OrderedDict()
        for pc in pcs[a:b]:
            per[function(pc)] = per.get(function(pc), 0) + block_len(pc)
        print(f"{total} instructions in lucid, seen {len(spans)} times:")
        for name, n in per.items():
            print(f"  {n:5}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
