"""Starts QEMU or Bochs on a test image and collects what the guest writes
to COM1: from QEMU's stdout pipe (input goes to its stdin), from the
pseudo-terminal Bochs's COM1 is attached to (input goes there too). Every
emulator is started as its own process group and killed by that id when
the case ends."""
import os
import pty
import re
import select
import socket
import tty
import signal
import subprocess
import threading
import time
from pathlib import Path

QEMU = os.environ.get("LUCID_TEST_QEMU", "qemu-system-x86_64")
BOCHS = os.environ.get("LUCID_TEST_BOCHS", "bochs")
OVMF = "/usr/share/ovmf/OVMF.fd"

# Firmware (OVMF, GRUB) draws on the serial console with ANSI sequences.
ANSI = re.compile(r"\x1b(\[[0-9;?=]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_])")

_live = set()
_live_lock = threading.Lock()


def kill_all():
    """Kills every emulator still running (for Ctrl-C and exit)."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill(proc)


def _kill(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    with _live_lock:
        _live.discard(proc)


def _spawn(cmd, **kw):
    proc = subprocess.Popen(cmd, start_new_session=True, **kw)
    with _live_lock:
        _live.add(proc)
    return proc


def normalize(raw):
    """Serial bytes as text lines: no ANSI sequences, no carriage returns."""
    return ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


class Console:
    """The serial output of one emulator run, growing in the background.
    wait() blocks until a predicate on the text holds, the emulator exits
    or a deadline passes."""

    def __init__(self, proc):
        self.proc = proc
        self.started = time.monotonic()
        self._raw = bytearray()
        self._text = ""
        self._dirty = False
        self._cond = threading.Condition()

    def _feed(self, data):
        with self._cond:
            self._raw += data
            self._dirty = True
            self._cond.notify_all()

    def _wake(self):
        with self._cond:
            self._cond.notify_all()

    def raw(self):
        with self._cond:
            return bytes(self._raw)

    def text(self):
        with self._cond:
            if self._dirty:
                self._text = normalize(self._raw)
                self._dirty = False
            return self._text

    def exit_status(self):
        """None while the emulator runs, else its exit status."""
        return self.proc.poll()

    def wait(self, predicate, deadline):
        """Returns predicate(text) once it is truthy; None when the
        emulator has exited (after a last look) or the deadline passed."""
        while True:
            exited = self.exit_status() is not None
            if exited:
                self._drain()
            result = predicate(self.text())
            if result or exited:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            with self._cond:
                if not self._dirty:
                    self._cond.wait(min(left, 0.2))

    def _drain(self):
        """Gives the reader a moment to pick up the last output."""

    def send(self, text):
        raise NotImplementedError("this emulator takes no serial input")

    def kill(self):
        _kill(self.proc)


class QemuConsole(Console):
    """QEMU with -serial stdio: COM1 is the process's stdin and stdout.
    serve_unix() also offers it on a Unix socket, as QEMU's own
    `-serial unix:PATH,server=on` would, to a program such as
    tools/lucidctl; the output still lands in the text."""

    def __init__(self, cmd, stderr_path):
        self._stderr = open(stderr_path, "wb")
        proc = _spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                      stderr=self._stderr)
        super().__init__(proc)
        self._client = None
        self._server = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            self._feed(data)
            client = self._client
            if client:
                try:
                    client.sendall(data)
                except OSError:
                    pass
        self._wake()

    def serve_unix(self, path):
        """Serves COM1 on a Unix socket at path, one client at a time,
        until the console is killed."""
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(1)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._client = conn
            try:
                while data := conn.recv(4096):
                    self.proc.stdin.write(data)
                    self.proc.stdin.flush()
            except OSError:
                pass
            self._client = None
            conn.close()

    def _drain(self):
        self._reader.join(timeout=2)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def kill(self):
        if self._server:
            self._server.close()
        super().kill()
        self._reader.join(timeout=2)
        self._stderr.close()


BOCHSRC = """\
# Generated by tests/boot/emulator.py for one boot test.
megs: {megs}
cpu: model={model}, count={cpus}, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-slave: type=cdrom, path={iso}, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
sound: driver=dummy
com1: enabled=1, mode=term, dev={com1}
port_e9_hack: enabled=1
magic_break: enabled=1
clock: sync=none, time0=946684800
mouse: enabled=0
log: {log}
panic: action=fatal{cpu_panic}
error: action=report
info: action=ignore
debug: action=ignore
"""


BOCHS_SEND_CHUNK = 4
BOCHS_SEND_PAUSE = 0.1


class BochsConsole(Console):
    """Bochs with COM1 on a pseudo-terminal (`mode=term`): a thread reads
    its master side, and send() writes there. Debian's Bochs stops at its
    debugger prompt first; the -rc file says 'c'."""

    def __init__(self, case_dir, iso, cpus=1, megs=256, model="corei7_skylake_x",
                 guest_triple_faults=False, debugger=""):
        """guest_triple_faults: a guest triple-faults on purpose. Bochs 2.7
        calls every triple fault a panic and breaks into its debugger
        before it takes the SVM shutdown exit lucid asks for; so a CPU
        panic is then only reported, and the debugger told to go on.
        debugger: the debugger's commands instead (tests/bench/profile.py
        traces with them)."""
        case_dir = Path(case_dir).resolve()
        # Our slave descriptor stays open until kill(), so the master
        # never reads end-of-file while Bochs opens or closes its side.
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        rc = case_dir / "bochsrc"
        rc.write_text(BOCHSRC.format(megs=megs, model=model, cpus=cpus,
                                     iso=Path(iso).resolve(), com1=os.ttyname(self._slave),
                                     log=case_dir / "bochs.log",
                                     cpu_panic=", cpu0=report" if guest_triple_faults else ""))
        dbg = case_dir / "bochs-debugger.rc"
        dbg.write_text(debugger or "c\n" * (8 if guest_triple_faults else 1) + "quit\n")
        self._out = open(case_dir / "bochs.out", "wb")
        proc = _spawn([BOCHS, "-q", "-f", str(rc), "-rc", str(dbg)],
                      stdin=subprocess.DEVNULL, stdout=self._out,
                      stderr=subprocess.STDOUT, cwd=case_dir)
        super().__init__(proc)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            done = self._stop.is_set() or self.proc.poll() is not None
            ready, _, _ = select.select([self._master], [], [], 0.1)
            data = os.read(self._master, 65536) if ready else b""
            if data:
                self._feed(data)
            elif done:
                break
        self._wake()

    def _drain(self):
        self._reader.join(timeout=2)

    def paste(self, text):
        """All at once, as a terminal sends a paste."""
        os.write(self._master, text.encode())

    def send(self, text):
        # As a person types, a few bytes at a time. Bochs's UART takes
        # what the pty has at line rate without flow control (QEMU's
        # holds bytes back); lucid keeps up by taking each byte at its
        # interrupt, which paste() checks.
        data = text.encode()
        for i in range(0, len(data), BOCHS_SEND_CHUNK):
            if i:
                time.sleep(BOCHS_SEND_PAUSE)
            os.write(self._master, data[i:i + BOCHS_SEND_CHUNK])

    def kill(self):
        super().kill()
        self._stop.set()
        self._reader.join(timeout=2)
        os.close(self._master)
        os.close(self._slave)
        self._out.close()
