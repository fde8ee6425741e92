#!/usr/bin/env python3
"""lucid's test runner (`make test`): runs the cmocka unit test binaries in
build/unit/, then boots lucid in QEMU and Bochs for each boot case in
tests/boot/cases.py, two emulators at a time. Prints one PASS/FAIL line
per test and ends with "N passed, N failed"; exits 1 if anything failed.

    python3 tests/run.py [--slow] [--only REGEX] [--no-unit] [--no-boot]
"""
import argparse
import os
import pty
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from boot import cases, emulator, selftest  # noqa: E402
from boot.harness import run_case  # noqa: E402
from tools import checks as tools_checks  # noqa: E402
from tree import checks as tree_checks  # noqa: E402

UNIT_TIMEOUT = 120
TAIL_LINES = 40


class Tally:
    """Counts results and prints them, one line each, from any thread."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def report(self, ok, line, details=""):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
            print(("PASS " if ok else "FAIL ") + line)
            if details:
                print(details.rstrip("\n"))
            sys.stdout.flush()

    def info(self, line):
        with self.lock:
            print("info: " + line)
            sys.stdout.flush()


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.rstrip("\n").split("\n"))


# ---- unit tests ----------------------------------------------------------

def run_on_pty(cmd, timeout):
    """Runs cmd with stdout and stderr on one pty, so that its output stays
    in order (line-buffered) as on a terminal. Returns (status, text);
    status is None on timeout."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, start_new_session=True)
    os.close(slave)
    chunks = []
    reader = threading.Thread(target=_read_all, args=(master, chunks), daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        status = None
    reader.join(5)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r", "")
    return status, text


def _read_all(fd, chunks):
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the pty
            return
        if not data:
            return
        chunks.append(data)


def parse_cmocka(text):
    """[(test, ok, output)] from cmocka's default output, in run order;
    a test that started but never finished counts as failed, with the
    rest of the output as its output."""
    results = []
    runs = list(re.finditer(r"^\[ RUN      \] (\S+)$", text, re.M))
    for i, run in enumerate(runs):
        name = run.group(1)
        end = runs[i + 1].start() if i + 1 < len(runs) else len(text)
        body = text[run.end():end]
        ok = re.search(rf"^\[       OK \] {re.escape(name)}$", body, re.M)
        failed = re.search(rf"^\[  FAILED  \] {re.escape(name)}$", body, re.M)
        if failed:
            body = body[:failed.start()]
        results.append((name, bool(ok) and not failed, body.strip("\n")))
    return results


def run_unit_binary(path, tally, only):
    name = f"unit/{path.name}"
    status, text = run_on_pty([str(path)], UNIT_TIMEOUT)
    summary = re.search(r"^\[  PASSED  \] (\d+) test\(s\)\.$", text, re.M)
    selected = not only or re.search(only, name)
    for test, ok, output in parse_cmocka(text):
        if only and not re.search(only, f"{name}/{test}"):
            continue
        selected = True
        tally.report(ok, f"{name}/{test}", "" if ok else indent(output))
    if not selected:
        return
    if status is None:
        tally.report(False, f"{name}: timed out after {UNIT_TIMEOUT}s", indent(text))
    elif not summary:
        tally.report(False, f"{name}: no cmocka summary (exit status {status}; crashed?)",
                     indent(tail(text, TAIL_LINES)))
    elif status != 0 and not re.search(r"^\[  FAILED  \] \d+ test\(s\)", text, re.M):
        tally.report(False, f"{name}: exit status {status} with no failed test",
                     indent(tail(text, TAIL_LINES)))


def run_unit_tests(build, tally, only):
    bins = sorted(p for p in (build / "unit").glob("test_*")
                  if p.is_file() and os.access(p, os.X_OK))
    if not bins and (not only or re.search(only, "unit/")):
        tally.report(False, f"unit: no test binaries in {build}/unit (run make unit-bins)")
    for path in bins:
        run_unit_binary(path, tally, only)


# ---- checks without an emulator: the source tree, the harness, the tools --

def run_checks(tally, only, group, checks):
    for name, check in checks.items():
        if only and not re.search(only, f"{group}/{name}"):
            continue
        problems = check(ROOT)
        tally.report(not problems, f"{group}/{name}",
                     indent("\n".join(problems)) if problems else "")


# ---- the fuzzer ------------------------------------------------------------

FUZZ_SECONDS = 30


def run_fuzzer(build, tally, only):
    """The console's libFuzzer target (tests/fuzz/) for FUZZ_SECONDS from
    its seeds: passes if nothing crashed (`make fuzz` runs it longer)."""
    name = "fuzz/console"
    if only and not re.search(only, name):
        return
    binary = build / "fuzz" / "fuzz_console"
    if not binary.is_file():
        tally.report(False, f"{name}: no {binary} (run make fuzz-bin)")
        return
    with tempfile.TemporaryDirectory() as corpus:
        res = subprocess.run([str(binary), f"-max_total_time={FUZZ_SECONDS}",
                              f"-artifact_prefix={corpus}/", corpus,
                              str(ROOT / "tests" / "fuzz" / "seeds")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    runs = re.search(r"^Done (\d+) runs", res.stdout, re.M)
    ok = res.returncode == 0 and runs
    tally.report(ok, f"{name} ({runs.group(1) if runs else 'no'} inputs in {FUZZ_SECONDS}s)",
                 "" if ok else indent(tail(res.stdout, TAIL_LINES)))


# ---- boot tests ----------------------------------------------------------

def tail(text, n):
    return "\n".join(text.rstrip("\n").split("\n")[-n:])


def report_boot(result, tally):
    for line in result.info:
        tally.info(line)
    for name, problems, log in result.subresults:
        tally.report(not problems, f"boot/{result.name}/{name}" +
                     (": " + "; ".join(problems) if problems else ""),
                     indent(log or "(no output)") if problems else "")
    if result.ok:
        tally.report(True, f"boot/{result.name} ({result.seconds:.1f}s)")
    else:
        serial = tail(result.log, TAIL_LINES) if result.log else "(no serial output)"
        tally.report(False, f"boot/{result.name}: {result.reason} ({result.seconds:.1f}s)",
                     f"  last {TAIL_LINES} lines of serial output:\n" + indent(serial))


def run_boot_tests(build, tally, slow, only, jobs):
    table = cases.all_cases(build)
    todo = [c for c in table if (slow or not c.slow) and
            (not only or re.search(only, f"boot/{c.name}"))]
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_case, case, build) for case in todo]
        for future in as_completed(futures):
            report_boot(future.result(), tally)
    if todo:
        tally.info(f"{len(todo)} boot cases took {time.monotonic() - t0:.1f}s "
                   f"with {jobs} at a time")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slow", action="store_true", help="also run cases marked slow")
    ap.add_argument("--only", metavar="REGEX",
                    help="run only tests whose name (unit/<bin>/<test>, boot/<case>) matches")
    ap.add_argument("--no-unit", action="store_true", help="skip the unit tests")
    ap.add_argument("--no-boot", action="store_true", help="skip the boot tests")
    ap.add_argument("--jobs", type=int, default=2, help="emulators at once (default 2)")
    ap.add_argument("--build", default=str(ROOT / "build"), help="build directory")
    args = ap.parse_args()

    build = Path(args.build).resolve()
    tally = Tally()
    try:
        if not args.no_unit:
            run_checks(tally, args.only, "tree", tree_checks.CHECKS)
            run_checks(tally, args.only, "selftest", selftest.CHECKS)
            run_checks(tally, args.only, "tools", tools_checks.CHECKS)
            run_unit_tests(build, tally, args.only)
            run_fuzzer(build, tally, args.only)
        if not args.no_boot:
            run_boot_tests(build, tally, args.slow, args.only, args.jobs)
    except KeyboardInterrupt:
        emulator.kill_all()
        print("interrupted")
        return 130
    finally:
        emulator.kill_all()
    if tally.passed + tally.failed == 0:
        # A selection that matches nothing must not look like success.
        print("no tests ran: check --only and the build directory")
        tally.failed = 1
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
