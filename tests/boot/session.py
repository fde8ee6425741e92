"""What a boot test case sees: the serial console of one running lucid,
with expect-style helpers that fail the case with a readable reason, and
the regexes for the lines lucid's banner promises (the contract)."""
import re
import time
from pathlib import Path


class CheckFailed(Exception):
    """A boot case's expectation did not hold; the message says which."""


def _source_version():
    """lucid's version as hv/version.h defines it; the banner must match."""
    header = (Path(__file__).resolve().parents[2] / "hv" / "version.h").read_text()
    parts = [re.search(rf"^#define LUCID_VERSION_{p}\s+(\d+)", header, re.M)
             for p in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise RuntimeError("hv/version.h does not define LUCID_VERSION_MAJOR/MINOR/PATCH")
    return ".".join(m.group(1) for m in parts)


VERSION = _source_version()

# The banner, in the order lucid prints it. Each line starts at column 0.
VERSION_LINE = rf"^lucid {re.escape(VERSION)} \((\S+)\) - bare-metal hypervisor$"
BANNER = [
    ("version", VERSION_LINE),
    ("boot", r'^boot: (GRUB \(BIOS\)|GRUB \(UEFI\)|lucid\.efi \(UEFI\)); cmdline "(.*)"$'),
    ("cpu", r'^cpu: (\S+) "(.*)" family (?:0x)?([0-9a-fA-F]+) model (?:0x)?([0-9a-fA-F]+)'
            r" stepping (\d+)$"),
    ("cpus", r"^cpus: (\d+) \((ACPI MADT|no ACPI; boot CPU only)\)$"),
    ("memory", r"^memory: (\d+) MiB usable, (\d+) MiB free$"),
    ("timer", r"^timer: TSC (\d+) MHz, LAPIC timer (\d+) MHz, (xAPIC|x2APIC)$"),
    ("virt", r"^virt: (.*)$"),
    ("modules", r"^modules: (\d+)(?: \((.*)\))?$"),
    ("clock", r"^clock: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(the CMOS clock\)|"
              r"no usable CMOS clock; the time starts at 2000-01-01 00:00:00)$"),
    ("started", r"^cpus: (\d+) of (\d+) started$"),
]
PROMPT = r"^lucid# "
EXCEPTION = r"^EXCEPTION .*$"
# An application processor that came up with CR0.CD or NW set (arch/x86/smp.c).
CACHES_OFF = r"^cpu \d+: caches disabled.*$"
# Output after which nothing good will come, so an expect gives up at once.
HALTED = (r"^lucid: (CPU \d+ )?halted$", "lucid halted")
FATAL_BIOS = [HALTED, (r"No bootable device", "SeaBIOS found no bootable device")]
FATAL_UEFI = [HALTED, (r"^UEFI Interactive Shell",
                       "OVMF fell back to the UEFI shell: no boot option started")]


class Session:
    """One running emulator plus a read position. expect() searches the
    serial text from the position on and moves it past the match, so a
    sequence of expects checks the order of lines."""

    def __init__(self, console, timeout, allow_exception=False, fatal=FATAL_BIOS):
        self.console = console
        self.fatal = [(re.compile(r, re.M), why) for r, why in fatal]
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.allow_exception = allow_exception
        self.pos = 0
        self.info = []
        self.modules = {}
        self.subresults = []   # (name, [problem], log): one test each

    def elapsed(self):
        return time.monotonic() - self.console.started

    def text(self):
        return self.console.text()

    def _exception(self, text):
        if self.allow_exception:
            return None
        return re.search(EXCEPTION, text, re.M)

    def expect(self, regex, what=None):
        """Waits for regex (multi-line mode) after the read position;
        returns the match and moves the position past it."""
        what = what or repr(regex)
        pattern = re.compile(regex, re.M)
        # A regex that ends a line must not match a line still arriving.
        whole_lines = regex.endswith("$")

        def found(text):
            if whole_lines:
                text = text[:text.rfind("\n") + 1]
            return (pattern.search(text, self.pos) or self._exception(text) or
                    self._fatal(text))

        m = self.console.wait(found, self.deadline)
        if m and m.re is pattern:
            self.pos = m.end()
            return m
        text = self.text()
        exc = self._exception(text)
        if exc:
            self.settle(1.0)  # let the register dump and backtrace arrive
            raise CheckFailed(f"kernel exception while waiting for {what}: {exc.group(0)}")
        fatal = self._fatal(text)
        if fatal:
            why = next(why for r, why in self.fatal if r is fatal.re)
            raise CheckFailed(f"{why} while waiting for {what}; the line before: "
                              f"{self._line_before(text, fatal.start())!r}")
        status = self.console.exit_status()
        if status is not None:
            raise CheckFailed(f"emulator exited with status {status} before {what}")
        raise CheckFailed(f"timeout after {self.timeout:.0f}s waiting for {what}")

    def _fatal(self, text):
        for regex, _ in self.fatal:
            m = regex.search(text, self.pos)
            if m:
                return m
        return None

    @staticmethod
    def _line_before(text, pos):
        """The non-empty line before pos: usually why lucid halted."""
        lines = [l for l in text[:pos].split("\n") if l.strip()]
        return lines[-1] if lines else ""

    def wait_for(self, regex, until):
        """Waits until the time until (at most the deadline) for regex
        after the read position; returns the match or None. Unlike
        expect() it neither fails nor moves the position, so events that
        may come in any order can be awaited one after the other."""
        pattern = re.compile(regex, re.M)
        m = self.console.wait(lambda text: pattern.search(text[:text.rfind("\n") + 1],
                                                          self.pos),
                              min(until, self.deadline))
        return m

    def subresult(self, name, problems, log=""):
        """Records one test of the case's own: passed if no problems."""
        self.subresults.append((name, problems, log))

    def expect_absent(self, regex, what=None):
        """Fails if regex occurs anywhere in the output so far."""
        m = re.search(regex, self.text(), re.M)
        if m:
            raise CheckFailed(f"unexpected {what or repr(regex)}: {m.group(0)!r}")

    def settle(self, seconds):
        """Lets late output arrive (bounded by the case's deadline)."""
        end = min(time.monotonic() + seconds, self.deadline)
        self.console.wait(lambda text: False, end)

    def send(self, line):
        """Types line at the prompt; later expects look only at the
        output that follows."""
        self.pos = len(self.text())
        try:
            self.console.send(line)
        except BrokenPipeError:
            self.console.wait(lambda text: False, time.monotonic() + 5)
            raise CheckFailed(
                f"the emulator exited (status {self.console.exit_status()}) before "
                f"{line.strip()!r} could be typed; its stderr is in build/test/<case>/. "
                f"QEMU's status 0 here is most likely lucid's triple fault "
                f"(docs/testing.md says how to see where)") from None

    def wait_exit(self, seconds, what):
        """Expects the emulator to exit by itself within seconds."""
        end = min(time.monotonic() + seconds, self.deadline)
        self.console.wait(lambda text: self.console.exit_status() is not None, end)
        if self.console.exit_status() is None:
            raise CheckFailed(f"emulator still running {seconds}s after {what}")
        return self.console.exit_status()

    def banner(self, prompt=True, started=None, quiesce=True):
        """Checks every banner line in order (and the prompt when asked,
        then waits for the VMs to end unless told not to); returns
        {name: match}. The line saying how many CPUs started comes once
        lucid can run guests: by default, when a prompt is expected; no
        CPU may have started with its caches disabled."""
        lines = {}
        started = prompt if started is None else started
        for name, regex in BANNER:
            if name == "started" and not started:
                continue
            lines[name] = self.expect(regex, f"the '{name}:' line"
                                      if name != "version" else "the version line")
        # Every CPU that started says so before the 'started' line.
        self.expect_absent(CACHES_OFF, "CPU with its caches disabled")
        if prompt:
            banner_end = self.pos
            lines["prompt"] = self.expect(PROMPT, "the prompt 'lucid# '")
            if quiesce:
                self.quiesce(banner_end)
        return lines

    def quiesce(self, start):
        """Waits until every VM started at boot has powered off or crashed
        and the console has prompted again, so that what a case types is
        not interleaved with guests' output. VMs on different CPUs end in
        any order (some before the first prompt), so each end is awaited
        from `start`, a position before any VM could end."""
        started = set(re.findall(r"^vm (\S+): started:", self.text(), re.M))
        ends = []
        for vm in sorted(started):
            self.pos = start
            ends.append(self.expect(rf"^vm {re.escape(vm)}: (powered off|crashed: .*)$",
                                    f"VM {vm} to finish").end())
        self.pos = max(ends, default=start)
        if started:
            self.expect(PROMPT, "the prompt after the VMs finished")
