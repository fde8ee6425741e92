#!/usr/bin/env python3
"""Where an exit's instructions go. Runs the bench (after `make bench`)
under QEMU's execution log, cuts the log into round trips at each entry
to svm_vmrun, and prints, for the most common round trips, the
instructions lucid executed in each function. Run the bench first: this
reuses its image and QEMU command (build/test/bench/).

    python3 tests/bench/profile.py [--top N] [--build DIR]

A round trip of the bench's CPUID exit is the most common one of its
length; the guest's own instructions are not in the log, so a figure here
is the bench's minus the guest side of an exit (VMRUN, the exiting
instruction, the RDTSCs around it). Counts are exact: QEMU logs each
translation block's instructions when it translates it (in_asm) and each
execution of a block (exec), and a block is counted with the
instructions it holds. --trace N prints every instruction of one round
trip of N instructions.

With --bochs svm|vmx, under Bochs instead (`ryzen` or
`corei7_skylake_x`): the bench guest, given `profile=1`, runs each of
its operations once between two magic breakpoints, and Bochs's debugger
traces every instruction in between. Prints, for each operation, the
instructions of its round trip in lucid per function and the guest's
own; --trace OP prints every instruction of that operation's round trip.
Counts are exact (Bochs logs each instruction as it executes it).

    python3 tests/bench/profile.py --bochs vmx [--trace cpuid]
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
INSN = re.compile(r"^0x([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)$")
TRACE = re.compile(r"^Trace \d+: (0x[0-9a-f]+) \[")


def symbols(elf):
    """Function start address -> name, from lucid's symbol table."""
    syms = {}
    for line in subprocess.run(["nm", "-n", str(elf)], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms[int(f[0], 16)] = f[2]
    return syms


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


def read_log(log):
    """The blocks QEMU translated (host pointer -> [(pc, text)]) and the
    order it executed them in (host pointers)."""
    blocks, order, current = {}, [], None
    for line in open(log, errors="replace"):
        if line.startswith("IN:"):
            current = []
            continue
        m = INSN.match(line)
        if current is not None and m:
            current.append((int(m.group(1), 16), m.group(2).strip()))
            continue
        m = TRACE.match(line)
        if m:
            if current is not None:
                blocks[m.group(1)] = current
                current = None
            order.append(m.group(1))
    return blocks, order


BOCHS_MODELS = {"svm": "ryzen", "vmx": "corei7_skylake_x"}
BOCHS_INSN = re.compile(r"^\(\d+\)\.\[\d+\] \[0x[0-9a-f]+\] [0-9a-f]{4}:([0-9a-f]+) "
                        r"\(unk\. ctxt\): (.*?)\s*;")


def bochs_traces(build, vendor):
    """The bench's operations, each as the instructions (linear address,
    text) of one round trip, in the order the guest ran them."""
    sys.path.insert(0, str(ROOT / "tests"))
    from boot import emulator
    from boot.cases import Case, fail_unless
    from boot.harness import run_case

    cfg = (ROOT / "tests" / "bench" / "bench.cfg").read_text() + "cmdline = profile=1\n"
    modules = {"lucid.cfg": cfg.encode(),
               "bench.elf": (build / "guests" / "bench.elf").read_bytes()}
    names = []

    def check(s):
        s.expect(r"^vm bench: (powered off|crashed: .*)$", "the bench VM to finish")
        fail_unless("vm bench: powered off" in s.text(), "the bench VM crashed")
        names.extend(re.findall(r"^bench: profiled (\S+)$", s.text(), re.M))

    # Boot to the first magic breakpoint, then trace from each odd one to
    # the next.
    debugger = "c\n" + "trace on\nc\ntrace off\nc\n" * 16 + "quit\n"
    case = Case(f"profile-bochs-{vendor}", check, modules=modules, smp=1, emulator="bochs",
                bochs_cpu=BOCHS_MODELS[vendor], timeout=300, bochs_debugger=debugger)
    try:
        result = run_case(case, build)
    finally:
        emulator.kill_all()
    if not result.ok:
        sys.exit(f"profile: the bench failed under Bochs: {result.reason}")
    traces, current = [], None
    for line in open(build / "test" / case.name / "bochs.out", errors="replace"):
        if line.startswith("Tracing enabled"):
            current = []
        elif line.startswith("Tracing disabled"):
            traces.append(current)
            current = None
        elif current is not None:
            m = BOCHS_INSN.match(line)
            if m:
                current.append((int(m.group(1), 16), m.group(2)))
    if len(traces) != len(names):
        sys.exit(f"profile: {len(traces)} traces for {len(names)} operations")
    return dict(zip(names, traces))


def bochs_main(args, elf):
    syms = symbols(elf)
    starts = sorted(syms)
    text = (symbol_address(elf, "__text_start"), symbol_address(elf, "__text_end"))

    def function(pc):
        if not text[0] <= pc < text[1]:
            return "(guest)"
        return syms[starts[bisect.bisect_right(starts, pc) - 1]]

    traces = bochs_traces(Path(args.build), args.bochs)
    if args.trace:
        if args.trace not in traces:
            sys.exit(f"profile: no operation {args.trace} (have {', '.join(traces)})")
        for pc, insn in traces[args.trace]:
            print(f"  {function(pc):28} {pc:x}  {insn}")
        return 0
    for name, trace in traces.items():
        per = collections.Counter()
        for pc, _ in trace:
            per[function(pc)] += 1
        print(f"{name}: {len(trace) - per['(guest)']} instructions in lucid, "
              f"{per['(guest)']} in the guest between the breakpoints:")
        for fn, n in sorted(per.items(), key=lambda t: -t[1]):
            if fn != "(guest)":
                print(f"  {n:5}  {fn}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=7, help="round trips to break down")
    ap.add_argument("--trace", metavar="N",
                    help="print each instruction of a round trip of N instructions "
                         "(with --bochs: of operation N)")
    ap.add_argument("--bochs", choices=BOCHS_MODELS,
                    help="under Bochs `ryzen` (svm) or `corei7_skylake_x` (vmx)")
    ap.add_argument("--build", default=str(ROOT / "build"))
    args = ap.parse_args()
    build = Path(args.build)
    elf = build / "lucid.elf"
    if args.bochs:
        return bochs_main(args, elf)
    if args.trace:
        args.trace = int(args.trace)
    command = (build / "test" / "bench" / "command").read_text().split("\n")[0]

    syms = symbols(elf)
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
        argv = shlex.split(command) + ["-d", "in_asm,exec,nochain", "-dfilter", dfilter,
                                       "-D", str(log)]
        # The bench never powers QEMU off: stop it once the guest is done.
        run_until_done(argv)
        blocks, order = read_log(log)

    def function(pc):
        i = bisect.bisect_right(starts, pc) - 1
        return syms[starts[i]] if i >= 0 else "?"

    cuts = [i for i, b in enumerate(order) if blocks.get(b) and blocks[b][0][0] == entry]
    trips = collections.defaultdict(list)
    for a, b in zip(cuts, cuts[1:]):
        trips[sum(len(blocks.get(t, ())) for t in order[a:b])].append((a, b))
    if not trips:
        sys.exit("profile: no round trips in the log (did the bench run?)")
    if args.trace:
        if args.trace not in trips:
            sys.exit(f"profile: no round trip of {args.trace} instructions")
        a, b = trips[args.trace][0]
        for t in order[a:b]:
            for pc, text in blocks.get(t, ()):
                print(f"  {function(pc):28} {pc:x}  {text}")
        return 0
    common = sorted(trips.items(), key=lambda t: -len(t[1]))[:args.top]
    for total, spans in sorted(common):
        a, b = spans[0]
        per = collections.OrderedDict()
        for t in order[a:b]:
            for pc, _ in blocks.get(t, ()):
                per[function(pc)] = per.get(function(pc), 0) + 1
        print(f"{total} instructions in lucid, seen {len(spans)} times:")
        for name, n in per.items():
            print(f"  {n:5}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
