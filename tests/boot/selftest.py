"""Checks of the boot harness itself, run by tests/run.py as selftest/*
without an emulator: the guests case (cases.test_guests) reads a made-up
serial console through the real Session, and must fail what it should.

- guests-vm-without-expectation: a VM of the config that expect.py does
  not know gets a FAIL line of its own (it would otherwise run unchecked).
- guests-expectation-without-vm: an expectation whose VM the config lacks
  gets a FAIL line that says so.
- guests-checked-vm-passes: a VM that did what expect.py says passes, so
  the two checks above do not pass by failing everything.
- guests-prompt-before-answer: a prompt that lucid prints again before it
  answers 'list --all' (another CPU's line cut into the first one) does not end
  the answer: the VMs are still listed.
- guests-cfg-matches-expect: tests/guests/guests.cfg and expect.py name
  the same VMs (what `python3 tests/guests/expect.py` checks).
- banner-caches-disabled: a banner in which a CPU says it started with
  its caches disabled fails (guests-checked-vm-passes shows that the same
  banner without that line passes).
- guests-results-over-com1: a guest run as under plain QEMU (fw-cfg-qemu)
  passes on its "NAME: test: PASS" lines from COM1 and its debug-exit
  line, and fails on a FAIL line, a missing result, a changed status or a
  power-off by hypercall.

Each check returns a list of problems; empty means it passed."""
import re
import time
from pathlib import Path

from guests import expect

from . import cases
from .session import BANNER, VERSION, Session

GUESTS_CFG = Path(__file__).resolve().parents[1] / "guests" / "guests.cfg"

# A config with one VM expect.py knows and one it does not.
CFG = """[vm "protmode"]
memory = 4M
kernel = protmode.bin

[vm "unlisted"]   # no expectation
memory = 4M
kernel = cpuid.elf
"""

# What lucid prints for them: both run, report and power off.
SERIAL = f"""lucid {VERSION} (test) - bare-metal hypervisor
boot: GRUB (BIOS); cmdline ""
cpu: AuthenticAMD "QEMU Virtual CPU" family 0xf model 0x6b stepping 1
cpus: 2 (ACPI MADT)
memory: 1000 MiB usable, 900 MiB free
timer: TSC 2000 MHz, LAPIC timer 1000 MHz, xAPIC
virt: AMD SVM with NPT
modules: 1 (lucid.cfg {len(CFG)} bytes)
clock: 2026-12-05 21:48:20 (the CMOS clock)
cpus: 2 of 2 started
vm protmode: started: 4 MiB, 1 vCPU on CPU 0
vm unlisted: started: 4 MiB, 1 vCPU on CPU 1
lucid# \ntest protmode: PASS entered at 0x200000 in protected mode, paging off
test protmode: PASS the whole file is loaded
vm protmode: powered off
test unlisted: PASS anything at all
vm unlisted: powered off
"""

VMS = """ Id   Name             State     vCPUs  MiB
--------------------------------------------
 0    protmode         shut off  1      4
 1    unlisted         shut off  1      4
lucid# """


# What lucid may print between a typed 'list --all' and its echo: the prompt, a
# line from another CPU that moves it out of the way, the prompt again.
REPROMPT = "lucid# \nlucid: NMI on CPU 1 at RIP 0x100000\nlucid# "


class FakeConsole:
    """A serial console whose text is all there at once; 'list --all' answers,
    after `before_answer`."""

    def __init__(self, text, before_answer=""):
        self.serial = text
        self.before_answer = before_answer
        self.started = time.monotonic()

    def text(self):
        return self.serial

    def wait(self, found, deadline):
        return found(self.serial)

    def exit_status(self):
        return None

    def send(self, line):
        if line == "list --all\r":
            self.serial += self.before_answer + "list --all\n" + VMS


def _guests_case(before_answer=""):
    """{sub-result name: problems} of the guests case on SERIAL, or the
    reason the case itself failed."""
    for name, regex in BANNER:   # the made-up banner must still be one
        if not re.search(regex, SERIAL, re.M):
            return f"the made-up serial text lacks the '{name}' line"
    s = Session(FakeConsole(SERIAL, before_answer), timeout=60)
    s.modules = {"lucid.cfg": CFG.encode()}
    s.smp = 2
    try:
        cases.test_guests(s)
    except cases.CheckFailed as e:
        return f"the case failed: {e}"
    return {name: problems for name, problems, _ in s.subresults}


def _subresult(vm, has):
    """Problems unless the case reported a FAIL for vm whose problems
    mention the words has."""
    got = _guests_case()
    if isinstance(got, str):
        return [got]
    name = f"guest/{vm}"
    if name not in got:
        return [f"no line for VM {vm!r}: it runs unchecked (lines: {sorted(got)[:5]}...)"]
    if not any(has in p for p in got[name]):
        return [f"{name}: {got[name]}, expected a problem saying {has!r}"]
    return []


def check_vm_without_expectation(root):
    return _subresult("unlisted", "no expectation in tests/guests/expect.py")


def check_expectation_without_vm(root):
    return _subresult("cpuid", "no such VM in the config")


def check_checked_vm_passes(root, before_answer=""):
    got = _guests_case(before_answer)
    if isinstance(got, str):
        return [got]
    if got.get("guest/protmode") != []:
        return [f"guest/protmode: {got.get('guest/protmode', 'no line')}, expected a PASS"]
    return []


def check_prompt_before_answer(root):
    return check_checked_vm_passes(root, REPROMPT)


def check_caches_disabled(root):
    line = "cpu 1: caches disabled (CR0 0xe0010011)\n"
    serial = SERIAL.replace("cpus: 2 of 2 started\n", line + "cpus: 2 of 2 started\n")
    if serial == SERIAL:
        return ["the made-up serial text lacks the 'started' line"]
    s = Session(FakeConsole(serial), timeout=60)
    try:
        s.banner(prompt=False, started=True)
    except cases.CheckFailed as e:
        if "caches disabled" in str(e):
            return []
        return [f"the banner failed for another reason: {e}"]
    return ["the banner passed with a CPU whose caches are disabled"]


# fw-cfg-qemu's lines in lucid's log when it passes (tests/guests/fw-cfg.c).
COM1_VM = "fw-cfg-qemu"
COM1_LOG = """vm fw-cfg-qemu: started: 8 MiB, 1 vCPU on CPU 0
fw-cfg-qemu: test: PASS signature "QEMU" (0x554d4551)
fw-cfg-qemu: test: PASS ID 1: the I/O port interface, no DMA (1)
fw-cfg-qemu: test: PASS one CPU (1)
fw-cfg-qemu: test: PASS RAM size 8 MiB, as the memory map says
fw-cfg-qemu: test: PASS file directory: no files
fw-cfg-qemu: done: 5 passed, 0 failed, 0 skipped
vm fw-cfg-qemu: powered off: debug-exit status 1 (the guest wrote 0x0 to port 0xf4)"""


def check_results_over_com1(root):
    listing = {COM1_VM: "shut off"}
    problems = []
    got = cases.guest_problems(expect, COM1_VM, COM1_LOG, listing)
    if got:
        problems.append(f"the passing log fails: {got}")
    bad = {
        "a FAIL line": COM1_LOG.replace("test: PASS one CPU", "test: FAIL one CPU"),
        "a missing result": COM1_LOG.replace("fw-cfg-qemu: test: PASS one CPU (1)\n", ""),
        "status 3": COM1_LOG.replace("status 1 (the guest wrote 0x0", "status 3 (the guest wrote 0x1"),
        "a power-off by hypercall": re.sub(r"powered off: .*", "powered off", COM1_LOG),
    }
    for what, log in bad.items():
        if log == COM1_LOG:
            problems.append(f"{what}: the made-up log did not change")
        elif not cases.guest_problems(expect, COM1_VM, log, listing):
            problems.append(f"{what} passes")
    return problems


def check_cfg_matches_expect(root):
    vms = expect.cfg_vms(GUESTS_CFG.read_text())
    return [f"{vm}: {why}" for vm, why in expect.coverage(vms).items()]


CHECKS = {
    "guests-vm-without-expectation": check_vm_without_expectation,
    "guests-expectation-without-vm": check_expectation_without_vm,
    "guests-checked-vm-passes": check_checked_vm_passes,
    "guests-prompt-before-answer": check_prompt_before_answer,
    "guests-cfg-matches-expect": check_cfg_matches_expect,
    "banner-caches-disabled": check_caches_disabled,
    "guests-results-over-com1": check_results_over_com1,
}
