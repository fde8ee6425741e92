"""Runs one boot case: builds its image under build/test/<case>/, starts
the emulator, runs the case's check, kills the emulator and writes the
serial log to build/test-logs/<case>.log."""
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import emulator, images
from .session import FATAL_BIOS, FATAL_UEFI, CheckFailed, Session

# One host thread runs every emulated CPU in turn: with a thread each
# (QEMU's default), QEMU 7.2 now and then walked the wrong page tables
# right at VMRUN or #VMEXIT on one CPU (docs/testing.md).
QEMU_BASE = ["-display", "none", "-serial", "stdio", "-no-reboot", "-boot", "d",
             "-accel", "tcg,thread=single",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


@dataclass
class Result:
    name: str
    ok: bool
    seconds: float
    reason: str = ""
    log: str = ""
    info: list = field(default_factory=list)
    subresults: list = field(default_factory=list)


def qemu_command(case, image):
    cmd = [emulator.QEMU, "-m", str(case.mem), "-smp", str(case.smp), *QEMU_BASE,
           "-cpu", case.cpu]
    if case.firmware == "uefi":
        cmd += ["-bios", emulator.OVMF, "-net", "none"]
    if case.image == "esp":
        cmd += ["-drive", f"file=fat:rw:{image},format=raw,if=ide"]
    elif case.image == "disk":
        cmd += ["-drive", f"file={image},format=raw,if=ide"]
    else:
        cmd += ["-cdrom", str(image)]
    return cmd + case.qemu_args


def build_image(case, case_dir, build, modules):
    if case.image == "esp":
        return images.make_esp(case_dir, build / "lucid.efi", modules)
    if case.image == "disk":
        return images.make_disk(case_dir, build / "lucid.elf", modules)
    return images.make_iso(case_dir, build / "lucid.elf", case.cmdline, modules)


def start(case, case_dir, image):
    if case.emulator == "bochs":
        return emulator.BochsConsole(case_dir, image, cpus=case.smp, megs=case.mem,
                                     model=case.bochs_cpu,
                                     guest_triple_faults=case.guest_triple_faults,
                                     debugger=case.bochs_debugger)
    cmd = qemu_command(case, image)
    (case_dir / "command").write_text(" ".join(cmd) + "\n")
    return emulator.QemuConsole(cmd, case_dir / "qemu.stderr")


def run_case(case, build):
    """Runs case against the lucid built in build/; never raises."""
    build = Path(build)
    case_dir = build / "test" / case.name
    case_dir.mkdir(parents=True, exist_ok=True)
    log_path = build / "test-logs" / f"{case.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    console = None
    session = None
    try:
        modules = case.modules() if callable(case.modules) else case.modules
        image = build_image(case, case_dir, build, modules)
        console = start(case, case_dir, image)
        fatal = FATAL_UEFI if case.firmware == "uefi" else FATAL_BIOS
        session = Session(console, case.timeout, case.allow_exception, fatal)
        session.modules = modules
        session.smp = case.smp
        session.mem = case.mem
        case.check(session)
        ok, reason = True, ""
    except CheckFailed as e:
        ok, reason = False, str(e)
    except Exception as e:  # a harness bug or a missing file: still a result
        ok, reason = False, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
    finally:
        if console:
            console.kill()
    seconds = time.monotonic() - t0
    log = console.text() if console else ""
    log_path.write_text(log)
    info = session.info if session else []
    subresults = session.subresults if session else []
    return Result(case.name, ok, seconds, reason, log, info, subresults)
