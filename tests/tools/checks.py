"""Checks of the host tools, run by tests/run.py as tools/* without an
emulator (the boot cases qemu-image-* boot what tools/mkimage makes):

- mkimage-config-error: a config with a mistake gives lucid-cfg's
  FILE:LINE message, and no image.
- mkimage-missing-file: a config naming a file that is not there names
  it, at the line that names it, and makes no image.
- lucid-cfg-needs: `lucid-cfg needs` lists each file once with its path
  (relative to the config's directory, in a subdirectory, or absolute),
  a built-in guest as built-in, and the RAM and CPUs the VMs want.
- lucidctl-*: tools/lucidctl against a stand-in for lucid's console on
  a Unix socket (and once on TCP), which speaks the protocol of docs/console.md (text mode
  until `json on`, then one JSON object a line) and records what it was
  sent: the answer printed as JSON or text, an error's exit status, a
  wait for a state event, and what it does when nothing answers. The
  boot case qemu-linux runs it against lucid itself.

Each check returns a list of problems; empty means it passed."""
import json
import socket
import subprocess
import tempfile
import threading
from pathlib import Path


def _run(cmd):
    res = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return res.returncode, res.stdout


def _mkimage_refuses(root, cfg_text, files, want):
    """Problems unless tools/mkimage refuses cfg_text (with `files` beside
    it) with a non-zero status, prints the line `want` (with {cfg} for
    the config's path) and writes no image."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "my.cfg"
        cfg.write_text(cfg_text)
        for name in files:
            (tmp / name).write_bytes(b"\0" * 16)
        image = tmp / "out.iso"
        status, out = _run([root / "tools" / "mkimage", "-o", image, cfg])
        problems = []
        if status == 0:
            problems.append("tools/mkimage succeeded")
        if want.format(cfg=cfg) not in out.splitlines():
            problems.append(f"no line {want.format(cfg=cfg)!r} in its output:\n{out}")
        if image.exists() or Path(f"{image}.tmp").exists():
            problems.append("it wrote an image")
        return problems


def check_config_error(root):
    return _mkimage_refuses(
        root, '[vm "web"]\nkernel = web.elf\nmemory = 256Q\n', ["web.elf"],
        '{cfg}:3: vm "web": memory: "256Q" is not a size (use e.g. 256M)')


def check_missing_file(root):
    return _mkimage_refuses(
        root, '[vm "web"]\nmemory = 16M\nkernel = web.elf\n# module = gone.bin\n'
        'module = "gone.bin" its args\n', ["web.elf"],
        '{cfg}:5: vm "web": module "gone.bin": no such file ({cfg.parent}/gone.bin)')


def check_needs(root):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "sub").mkdir()
        for f in ("a.elf", "sub/b.bin"):
            (tmp / f).write_bytes(b"\0")
        absolute = tmp / "sub" / "abs.bin"
        absolute.write_bytes(b"\0")
        cfg = tmp / "my.cfg"
        cfg.write_text(f'[vm "one"]\nmemory = 16M\nkernel = a.elf\nmodule = sub/b.bin x\n'
                       f'cpus = 2\n\n[vm "two"]\nmemory = 1G\nkernel = hello\n'
                       f'module = sub/b.bin\nmodule = {absolute}\n')
        status, out = _run([root / "tools" / "lucid-cfg", "needs", "--modules", tmp, cfg])
        want = (f"ram 1040\ncpus 3\nfile a.elf\t{tmp}/a.elf\nfile sub/b.bin\t{tmp}/sub/b.bin\n"
                f"builtin hello\nfile {absolute}\t{absolute}\n")
        if status != 0 or out != want:
            return [f"status {status}, output:\n{out}expected:\n{want}"]
        return []


LIST = {"reply": "list", "ok": True,
        "vms": [{"id": 0, "name": "web", "state": "running", "vcpus": 1, "memory_mib": 256}]}


class FakeLucid:
    """A console on a Unix socket at path, or on a TCP port of localhost
    (path None: self.port): text until `json on`, then JSON; each line's
    answer from `answers` ({line: [objects to send]})."""

    def __init__(self, path, answers, text_noise=True):
        self.answers, self.text_noise, self.got = answers, text_noise, []
        if path:
            self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.srv.bind(str(path))
        else:
            self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.srv.bind(("127.0.0.1", 0))
            self.port = self.srv.getsockname()[1]
        self.srv.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.srv.accept()
        buf, json_mode = b"", False
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:	# lucidctl gave up and left
                    return
                if not data:
                    return
                buf += data
                while b"\r" in buf:
                    line, buf = buf.split(b"\r", 1)
                    line = line.decode().lstrip("\x1d\x15")
                    self.got.append(line)
                    out = ""
                    if not json_mode:
                        out += f"{line}\n" if self.text_noise else ""
                    if line == "json on":
                        json_mode = True
                        out += "vm web: a log line\n" if self.text_noise else ""
                        out += json.dumps({"reply": "json", "ok": True}) + "\n"
                    elif line == "json off":
                        json_mode = False
                        out += "JSON mode off\nlucid# "
                    else:
                        out += "".join(json.dumps(o) + "\n" for o in self.answers.get(line, []))
                    conn.sendall(out.encode())


def _lucidctl(root, answers, *args, timeout=None):
    """(status, stdout, stderr, lines the stand-in got) of one run."""
    with tempfile.TemporaryDirectory() as tmp:
        sock = Path(tmp) / "console.sock"
        fake = FakeLucid(sock, answers)
        cmd = [root / "tools" / "lucidctl", "--connect", f"unix:{sock}"]
        cmd += ["--timeout", str(timeout)] if timeout else []
        res = subprocess.run([str(c) for c in cmd + list(args)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=60)
        fake.thread.join(5)
        return res.returncode, res.stdout, res.stderr, fake.got


def check_lucidctl_json(root):
    status, out, err, got = _lucidctl(root, {"list": [LIST]}, "list", "--json")
    problems = []
    if status != 0 or json.loads(out or "null") != LIST:
        problems.append(f"status {status}, stdout {out!r}, stderr {err!r}")
    if got != ["json on", "list", "json off"]:
        problems.append(f"lucid was sent {got}, expected json on, list, json off")
    return problems


def check_lucidctl_tcp(root):
    """The issue's own example: lucidctl --connect tcp:HOST:PORT list --json."""
    fake = FakeLucid(None, {"list": [LIST]})
    res = subprocess.run([str(root / "tools" / "lucidctl"), "--connect",
                          f"tcp:127.0.0.1:{fake.port}", "list", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    fake.thread.join(5)
    if res.returncode != 0 or json.loads(res.stdout or "null") != LIST:
        return [f"status {res.returncode}, stdout {res.stdout!r}, stderr {res.stderr!r}"]
    return []


def check_lucidctl_text(root):
    status, out, err, _ = _lucidctl(root, {"list": [LIST]}, "list")
    want = "id  name  state    vcpus  memory_mib\n0   web   running  1      256\n"
    return [] if status == 0 and out == want else [f"status {status}, stdout {out!r}, want {want!r}"]


def check_lucidctl_error(root):
    answer = {"reply": "start", "ok": False, "error": "VM web is running"}
    status, out, err, _ = _lucidctl(root, {"start web": [answer]}, "start", "web")
    if status != 1 or err != "error: VM web is running\n" or out:
        return [f"status {status}, stdout {out!r}, stderr {err!r}"]
    return []


def check_lucidctl_wait(root):
    """The answer, then events: lucidctl waits for the one asked for."""
    answers = {"shutdown web": [
        {"reply": "shutdown", "ok": True, "message": "power button pressed"},
        {"event": "state", "vm": "db", "state": "shut off", "reboots": 0},
        {"event": "state", "vm": "web", "state": "shut off", "reboots": 0}]}
    status, out, err, got = _lucidctl(root, answers, "--events", "--vm", "web",
                                      "--wait", "shut off", "shutdown", "web")
    want = "event: VM db is shut off\nevent: VM web is shut off\npower button pressed\n"
    if status != 0 or out != want or got[-1] != "json off":
        return [f"status {status}, stdout {out!r}, want {want!r}, stderr {err!r}, sent {got}"]
    return []


def check_lucidctl_no_answer(root):
    status, out, err, _ = _lucidctl(root, {}, "list", timeout=1)
    problems = [] if status == 2 and "no answer to 'list'" in err else \
        [f"status {status}, stderr {err!r}"]
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run([str(root / "tools" / "lucidctl"), "--connect",
                              f"unix:{tmp}/none.sock", "list"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        if res.returncode != 2 or "cannot connect to unix:" not in res.stderr:
            problems.append(f"no socket: status {res.returncode}, stderr {res.stderr!r}")
    return problems


CHECKS = {
    "mkimage-config-error": check_config_error,
    "mkimage-missing-file": check_missing_file,
    "lucid-cfg-needs": check_needs,
    "lucidctl-json": check_lucidctl_json,
    "lucidctl-tcp": check_lucidctl_tcp,
    "lucidctl-text": check_lucidctl_text,
    "lucidctl-error": check_lucidctl_error,
    "lucidctl-wait": check_lucidctl_wait,
    "lucidctl-no-answer": check_lucidctl_no_answer,
}
