"""The boot test cases: one Case per line of the table at the bottom, each
with a small check function that reads the serial console of a booted
lucid through a Session (see session.py for the helpers)."""
import re
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable

from . import images
from .session import CheckFailed, PROMPT, VERSION_LINE

TCG_TIMEOUT = 60
BOCHS_TIMEOUT = 240
BOCHS_CPUS = 2  # Debian's Bochs 2.7 is built with SMP ("SMP support: yes")

# A module for the cases that pass one: a few lines of text.
LUCID_CFG = (b"# lucid.cfg: boot test module\n"
             b"[vm \"greeter\"]\nmemory = 8M\nkernel = hello   # the built-in guest\n")


@dataclass
class Case:
    name: str
    check: Callable
    emulator: str = "qemu"          # "qemu" or "bochs"
    firmware: str = "bios"          # "bios" (SeaBIOS) or "uefi" (OVMF)
    image: str = "iso"              # "iso" (GRUB) or "esp" (lucid.efi)
    cmdline: str = ""
    modules: dict = field(default_factory=dict)  # or a function giving it
    smp: int = 2
    mem: int = 256
    cpu: str = "qemu64,+svm,+npt"
    qemu_args: list = field(default_factory=list)
    timeout: float = TCG_TIMEOUT
    allow_exception: bool = False
    slow: bool = False


# ---- shared expectations -------------------------------------------------

def fail_unless(cond, reason):
    if not cond:
        raise CheckFailed(reason)


def check_loader(lines, loader):
    got = lines["boot"].group(1)
    fail_unless(got == loader, f"boot loader is {got!r}, expected {loader!r}")


def check_cpus(lines, n, source="ACPI MADT"):
    m = lines["cpus"]
    fail_unless((int(m.group(1)), m.group(2)) == (n, source),
                f"{m.group(0)!r}, expected 'cpus: {n} ({source})'")


def check_memory(lines, low, high):
    m = lines["memory"]
    usable, free = int(m.group(1)), int(m.group(2))
    fail_unless(low <= usable <= high,
                f"{usable} MiB usable, expected {low}..{high}: {m.group(0)!r}")
    fail_unless(free <= usable, f"more free than usable: {m.group(0)!r}")


def check_virt(lines, prefix):
    line = lines["virt"].group(0)
    fail_unless(line.startswith(prefix), f"{line!r}, expected it to start {prefix!r}")


def check_modules(lines, modules):
    """modules: <n> (<name> <size> bytes, ...), in the order given."""
    line = lines["modules"].group(0)
    if modules:
        listed = ", ".join(f"{name} {len(data)} bytes" for name, data in modules.items())
        expected = f"modules: {len(modules)} ({listed})"
    else:
        expected = "modules: 0"
    fail_unless(line == expected, f"{line!r}, expected {expected!r}")


def standard_boot(s, loader, cpus, mem, modules=None, virt="virt: AMD SVM with NPT"):
    """The full banner of a good boot, up to the prompt."""
    lines = s.banner()
    check_loader(lines, loader)
    check_cpus(lines, cpus)
    check_memory(lines, *mem)
    check_virt(lines, virt)
    check_modules(lines, modules or {})
    return lines


def command(s, cmd, regex, what):
    """Types cmd at the prompt, expects regex, then the next prompt."""
    s.send(cmd + "\r")
    m = s.expect(regex, what)
    s.expect(r"^lucid> ", f"the prompt after '{cmd}'")
    return m


def cannot_run_guests(s, reason_regex):
    """Banner without a prompt, then the refusal and a halt."""
    lines = s.banner(prompt=False)
    m = s.expect(r"^lucid: cannot run guests: (.+)$", "'lucid: cannot run guests: ...'")
    fail_unless(re.search(reason_regex, m.group(1)),
                f"reason {m.group(1)!r} does not match {reason_regex!r}")
    s.expect(r"^lucid: halted$", "'lucid: halted'")
    s.settle(0.5)
    s.expect_absent(r"^EXCEPTION", "exception")
    s.expect_absent(r"^lucid> ", "prompt")
    return lines


# ---- the cases ---------------------------------------------------------------

def bios_grub(s):
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    s.info.append(f"prompt after {s.elapsed():.1f}s")
    command(s, "version", VERSION_LINE, "the version line again")
    s.send("help\r")
    help_start = s.pos
    s.expect(r"^lucid> ", "the prompt after 'help'")
    listing = s.text()[help_start:s.pos]
    missing = [w for w in ("help", "version", "log", "reboot", "halt")
               if not re.search(rf"\b{w}\b", listing)]
    fail_unless(not missing, f"'help' does not list {missing}: {listing!r}")
    command(s, "bogus", r"unknown command 'bogus'; type help", "unknown command 'bogus'")


def smp4_mem1g(s):
    standard_boot(s, "GRUB (BIOS)", 4, (990, 1024))


def ovmf_grub(s):
    standard_boot(s, "GRUB (UEFI)", 2, (200, 256))


def ovmf_efi(s):
    standard_boot(s, "lucid.efi (UEFI)", 2, (200, 256), modules={"lucid.cfg": LUCID_CFG})


def modules(s):
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256), modules={"lucid.cfg": LUCID_CFG})
    guest_runs(s, "greeter", 8)


def guest_runs(s, vm, mib):
    """A VM boots its guest, which greets through the console hypercall and
    powers off; lucid's console then lists it as shut off. (s.banner() has
    waited for the VMs, so the lines are looked up in order in the text.)"""
    text, pos = s.text(), 0
    for regex, what in [
            (rf"^vm {vm}: started: {mib} MiB, 1 vCPU$", f"'vm {vm}: started'"),
            (rf"^{vm}: Hello from lucid's built-in guest, running in its own VM\.$",
             f"the guest's greeting from {vm}"),
            (rf"^vm {vm}: powered off$", f"'vm {vm}: powered off'")]:
        m = re.compile(regex, re.M).search(text, pos)
        fail_unless(m, f"no {what} (in order) in the output")
        pos = m.end()
    s.expect_absent(r"crashed", "a crashed VM")
    command(s, "vms", rf"^  {vm}\s+shut off\s+{mib} MiB\s+1\s+[1-9]\d*$",
            f"{vm} listed as shut off by 'vms'")


def default_config(s):
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    default = r"^config: no lucid.cfg module; using the built-in default$"
    fail_unless(re.search(default, s.text(), re.M), "no line saying the default config is used")
    guest_runs(s, "hello", 16)


def bochs_vmx(s):
    lines = standard_boot(s, "GRUB (BIOS)", BOCHS_CPUS, (230, 256),
                          virt="virt: Intel VMX with EPT")
    timer = lines["timer"]
    fail_unless(timer.group(3) == "x2APIC", f"{timer.group(0)!r}, expected x2APIC")


def no_svm(s):
    lines = cannot_run_guests(s, r".")
    fail_unless(lines["virt"].group(0) == "virt: none",
                f"{lines['virt'].group(0)!r}, expected 'virt: none'")


def svm_no_npt(s):
    cannot_run_guests(s, r"NPT")


def no_acpi(s):
    s.expect(r"no ACPI RSDP", "'no ACPI RSDP'")
    s.pos = 0
    lines = s.banner()
    check_cpus(lines, 1, "no ACPI; boot CPU only")
    s.expect_absent(r"^EXCEPTION", "exception")


def wx_selftest(s, text_ranges):
    lines = s.banner(prompt=False)
    cmdline = lines["boot"].group(2)
    fail_unless("lucid.selftest=wx" in cmdline.split(),
                f"cmdline {cmdline!r} lacks lucid.selftest=wx")
    m = s.expect(r"^EXCEPTION #PF \(vector 14\) error (?:0x)?[0-9a-fA-F]+ on CPU (\d+)$",
                 "'EXCEPTION #PF (vector 14) ...'")
    s.expect(r"RIP=", "'RIP=' in the register dump")
    start = m.start()
    s.expect(r"^backtrace:", "'backtrace:'")
    s.expect(r"^lucid: CPU 0 halted$", "'lucid: CPU 0 halted'")
    dump = s.text()[start:s.pos]
    cr2 = re.search(r"CR2=(?:0x)?([0-9a-fA-F]+)", dump)
    fail_unless(cr2, "no 'CR2=' in the register dump")
    addr = int(cr2.group(1), 16)
    fail_unless(any(lo <= addr < hi for _, lo, hi in text_ranges()),
                f"CR2={addr:#x} is not inside lucid's text "
                f"{[(n, hex(lo), hex(hi)) for n, lo, hi in text_ranges()]}")
    s.settle(0.5)
    s.expect_absent(r"W\^X NOT enforced", "'W^X NOT enforced'")


def fault_selftest(s, test, header, detail):
    """lucid.selftest=<test>: the named fault must be reported, then a halt,
    and the 'NOT enforced' line must never appear."""
    lines = s.banner(prompt=False)
    fail_unless(f"lucid.selftest={test}" in lines["boot"].group(2).split(),
                f"cmdline {lines['boot'].group(2)!r} lacks lucid.selftest={test}")
    s.expect(header, repr(header))
    s.expect(detail, repr(detail))
    s.expect(r"^backtrace:", "'backtrace:'")
    s.expect(r"^lucid: CPU 0 halted$", "'lucid: CPU 0 halted'")
    s.settle(0.5)
    s.expect_absent(r"NOT enforced", "'NOT enforced'")


def nx_selftest(s):
    fault_selftest(s, "nx", r"^EXCEPTION #PF \(vector 14\) error 0x11 on CPU 0$",
                   r"^page fault: instruction fetch from a page whose rights forbid it")


def guard_selftest(s):
    fault_selftest(s, "guard", r"^EXCEPTION #DF \(vector 8\) error 0x0 on CPU 0$",
                   r"^stack overflow: 0x[0-9a-f]+ is in the guard page below a stack$")


def log_replay(s):
    """'log' prints the banner again from the log ring."""
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    start = s.pos
    s.send("log\r")
    s.expect(r"^lucid> ", "the prompt after 'log'")
    replay = s.text()[start:s.pos]
    for regex in (VERSION_LINE, r"^cpus: 2 \(ACPI MADT\)$", r"^modules: 0$"):
        fail_unless(re.search(regex, replay, re.M), f"'log' output lacks {regex!r}: {replay!r}")


def console_bad_input(s):
    """Over-long and empty lines get one clear answer and change nothing."""
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    command(s, "x" * 200, r"^line too long \(at most 127 characters\)$", "'line too long'")
    command(s, " ".join(["w"] * 12), r"^too many words \(at most 8\)$", "'too many words'")
    command(s, "version", VERSION_LINE, "the version line after bad input")


def reboot(s):
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    s.send("reboot\r")
    s.wait_exit(10, "'reboot'")


def halt(s):
    standard_boot(s, "GRUB (BIOS)", 2, (230, 256))
    s.send("halt\r")
    s.expect(r"^lucid: halted$", "'lucid: halted'")
    s.settle(0.5)
    s.expect_absent(r"^EXCEPTION", "exception")


# ---- the test guests (tests/guests/) ------------------------------------------

GUESTS_TIMEOUT = 300
END_LINE = {"powered off": "shutoff", "crashed": "crashed"}
VMS_STATE = {"shut off": "shutoff", "crashed": "crashed", "running": "running"}


def guest_files(build, cfg_text):
    """The boot modules guests.cfg names (kernels and modules), read from
    build/guests/, plus the config itself as lucid.cfg."""
    names = re.findall(r"^\s*(?:kernel|module|initrd)\s*=\s*(\S+)", cfg_text, re.M)
    modules = {"lucid.cfg": cfg_text.encode()}
    for name in dict.fromkeys(names):
        modules[name] = (build / "guests" / name).read_bytes()
    return modules


def vm_log(text, vm):
    """The lines lucid printed about or for one VM: its own events, its
    test results and its console output."""
    v = re.escape(vm)
    return "\n".join(m.group(0) for m in
                     re.finditer(rf"^(?:vm {v}: |test {v}: |{v}: ).*$", text, re.M))


def test_guests(s):
    """Every test guest at once: each VM's results and end must be what
    tests/guests/expect.py says. One sub-result per VM; the case itself
    fails only when lucid or the run as a whole went wrong."""
    from guests import expect
    lines = s.banner(prompt=False)
    n = int(lines["modules"].group(1))
    fail_unless(n == len(s.modules), f"{n} modules, expected {len(s.modules)}")
    s.expect(PROMPT, "the prompt 'lucid> '")
    ending = [vm for vm, e in expect.EXPECT.items() if e.end != "running"]
    # Leave time for 'vms' when a guest never ends: it then fails alone.
    until = s.deadline - 20
    late = [vm for vm in ending if not s.wait_for(
        rf"^vm {re.escape(vm)}: (powered off|crashed: .*)$", until)]
    s.info.append(f"{len(ending) - len(late)} of {len(ending)} guests ended "
                  f"after {s.elapsed():.1f}s")
    s.settle(0.5)
    s.send("vms\r")
    start = s.pos
    s.expect(PROMPT, "the prompt after 'vms'")
    listing = dict(re.findall(r"^  (\S+)\s+(shut off|crashed|running|defined)\s",
                              s.text()[start:s.pos], re.M))
    text = s.text()
    for vm in expect.EXPECT:
        log = vm_log(text, vm)
        if not re.search(rf"^vm {re.escape(vm)}: started:", log, re.M):
            s.subresult(f"guest/{vm}", ["never started"], log)
            continue
        ended = re.search(rf"^vm {re.escape(vm)}: (powered off|crashed)", log, re.M)
        end = END_LINE[ended.group(1)] if ended else "running"
        problems = []
        if VMS_STATE.get(listing.get(vm)) != end:
            problems.append(f"'vms' lists it as {listing.get(vm, 'missing')!r}, "
                            f"but its log says {end}")
        results = re.findall(rf"^test {re.escape(vm)}: (PASS|FAIL|SKIP) (.*)$", log, re.M)
        problems += expect.check(vm, results, end, log)
        s.subresult(f"guest/{vm}", problems, log)
    s.expect_absent(r"^EXCEPTION", "exception")


def all_cases(build):
    """The table, for the lucid built in build/."""
    def text_ranges():
        return images.text_ranges(build / "lucid.elf")

    def guests():
        cfg = (Path(__file__).resolve().parents[1] / "guests" / "guests.cfg").read_text()
        return guest_files(build, cfg)

    return [
        Case("qemu-bios-grub", bios_grub),
        Case("qemu-bios-grub-smp4-mem1g", smp4_mem1g, smp=4, mem=1024),
        Case("qemu-ovmf-grub", ovmf_grub, firmware="uefi"),
        Case("qemu-ovmf-efi", ovmf_efi, firmware="uefi", image="esp",
             modules={"lucid.cfg": LUCID_CFG}),
        Case("qemu-modules", modules, modules={"lucid.cfg": LUCID_CFG}),
        Case("qemu-default-vm", default_config),
        Case("bochs-vmx-grub", bochs_vmx, emulator="bochs", smp=BOCHS_CPUS,
             timeout=BOCHS_TIMEOUT),
        Case("qemu-no-svm", no_svm, cpu="qemu64,-svm"),
        Case("qemu-svm-no-npt", svm_no_npt, cpu="qemu64,+svm"),
        Case("qemu-no-acpi", no_acpi, qemu_args=["-machine", "pc,acpi=off"]),
        Case("qemu-wx", lambda s: wx_selftest(s, text_ranges),
             cmdline="lucid.selftest=wx", allow_exception=True),
        Case("qemu-nx", nx_selftest, cmdline="lucid.selftest=nx", allow_exception=True),
        Case("qemu-guard", guard_selftest, cmdline="lucid.selftest=guard",
             allow_exception=True),
        Case("qemu-log", log_replay),
        Case("qemu-console-bad-input", console_bad_input),
        Case("qemu-reboot", reboot),
        Case("qemu-halt", halt),
        Case("qemu-guests", test_guests, modules=guests, cpu="qemu64,+svm,+npt,+rdtscp",
             mem=1024, timeout=GUESTS_TIMEOUT),
        # The same guests on a CPU with XSAVE and AVX: lucid switches FPU
        # state with XSAVE instead of FXSAVE, and guests may enable AVX. It
        # has PKU, which lucid hides: cr4-bits checks CR4.PKE is refused.
        Case("qemu-guests-avx", test_guests, modules=guests,
             cpu="qemu64,+svm,+npt,+rdtscp,+xsave,+xsaveopt,+avx,+avx2,+pku,+umip,+fsgsbase",
             mem=1024, timeout=GUESTS_TIMEOUT),
    ]
