#!/usr/bin/env python3
"""What each VM of tests/guests/guests.cfg must do, for the harness.

For every VM: the test results it reports, in order (lucid prints each as
"test <vm>: PASS <message>"; a guest run as QEMU's -kernel would run it,
with the word `qemu` on its command line, writes "test: PASS <message>"
to COM1, which lucid logs as "<vm>: test: PASS <message>"), and how it
ends:
  "shutoff"  it powered itself off (LUCID_HC_SHUTDOWN);
  "crashed"  lucid stopped it, with a log line matching `reason`;
  "running"  it is still running when the others are done (never stops).
A result is R(status, prefix): status is "PASS", "SKIP" or "PASS|SKIP"
(the guest skips what the CPU does not offer), and the message must start
with prefix. A SKIP message starts with the words of the PASS it replaces.
Some VMs allow alternatives (whole lists). `console` lists text that must
appear in the VM's console output (LUCID_HC_CONSOLE_WRITE, or COM1).

Any FAIL, any result not listed, or a missing one fails the VM, and so
does a VM of the config without an expectation here (coverage() below).
Use check(name, results, end, log) below, or read EXPECT yourself.

    python3 tests/guests/expect.py   # checks this table against guests.cfg
"""
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class R:
    status: str
    prefix: str


@dataclass(frozen=True)
class Expect:
    results: tuple                      # alternatives: each a tuple of R
    end: str = "shutoff"
    reason: str = ""                    # regex: the end's log line (crashed: required)
    console: tuple = ()


def P(prefix):
    return R("PASS", prefix)


def PS(prefix):
    return R("PASS|SKIP", prefix)


def expect(*results, **kw):
    return Expect(results=(tuple(results),), **kw)


def debug_exit(vm, status):
    """`reason` for a VM that ends as under QEMU's isa-debug-exit: the
    runtime writes 0 (all passed, QEMU's status 1) or 1 (a failure, 3)."""
    return (rf"(?m)^vm {re.escape(vm)}: powered off: debug-exit status {status} "
            rf"\(the guest wrote 0x{(status - 1) // 2:x} to port 0xf4\)$")


VIRT_INSNS = ["VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA",
              "VMXON", "VMXOFF", "VMCLEAR", "VMPTRLD", "VMPTRST", "VMREAD",
              "VMWRITE", "VMLAUNCH", "VMRESUME", "INVEPT", "INVVPID", "VMFUNC"]

STEPPED = ["NOP", "CPUID", "OUT", "IN", "a hypercall"]

XCR0 = [P("CPUID 1 OSXSAVE follows CR4.OSXSAVE"),
        P("XCR0 is 1 at start"),
        P("XCR0 takes x87|SSE and reads back 3"),
        P("CPUID 0xD EBX is 576 for XCR0 = x87|SSE"),
        PS("XCR0 takes AVX"),
        PS("CPUID 0xD EBX grows"),
        P("XCR0 = 0 (no x87) raises #GP(0)"),
        P("XCR0 = 5 (AVX without SSE) raises #GP(0)"),
        P("an XCR0 bit CPUID 0xD does not offer raises #GP(0)"),
        P("XSETBV to XCR1 raises #GP(0)"),
        P("XSETBV at CPL 3 raises #GP(0)"),
        P("XGETBV at CPL 3 reads XCR0")]

def pf(what, error, reg="RDI"):
    """port-string-paged: the #PF of a string instruction (error as the
    guest prints it, %#x), then the state at the fault."""
    return (P(f"{what}: #PF({error}) at the instruction"),
            P(f"{what}: CR2, {reg}, RCX and memory at the fault"))


FPU = expect(P("x87 and SSE state intact over"), PS("AVX upper halves intact"))
FW_CFG = [P('signature "QEMU"'), P("ID 1: the I/O port interface, no DMA"), P("one CPU"),
          P("RAM size 8 MiB, as the memory map says"), P("file directory: no files")]
TLB = expect(P("a VA saw only this VM's current page over"))
DEBUG_REGS = expect(P("DR0-DR3 kept this VM's values over"),
                    P("DR6 and DR7 kept this VM's values over"),
                    P("CR2 and the syscall, SYSENTER, FS and GS MSRs kept this VM's values over"),
                    P("#DB from an execution breakpoint in DR0 set"),
                    P("DR6.B0 set after the execution breakpoint"),
                    P("MOV to DR7 with bit 32 set: #GP(0)"),
                    P("DR7 unchanged by the refused MOV"),
                    P("MOV to DR7 under DR7.GD: #DB at the MOV"),
                    P("DR7.GD clear after that #DB"),
                    P("DR6.BD set after that #DB"))

ACPI_CHECKS = [P("RSDP found by the scan of 0xe0000-0xfffff (at 0xe0000)"),
               P("RSDP revision 2, both checksums good; RSDT and XSDT good"),
               P("the XSDT leads to the MADT and the FADT, checksums good"),
               P("MADT: 2 local APICs (ids 0..1), the IOAPIC at 0xfec00000, overrides"),
               P("FADT: SCI 9, no SMI port, PM1a at 0x600/0x604, PM timer at 0x608, 8042, "
                 "reset register at port 0x60c"),
               P("DSDT at 0xe0080: checksum good, \\_S5 with SLP_TYP 5"),
               P("PM1a_CNT has SCI_EN set: ACPI is on"),
               P("the PM timer advances")]

EXPECT = {
    "cpuid": expect(
        P("hypervisor bit set in CPUID 1 ECX"),
        P("signature LucidHVisor! in CPUID 0x40000000"),
        P("highest hypervisor leaf"),
        P("ABI version 1 in CPUID 0x40000001"),
        P("SVM hidden"),
        P("VMX hidden"),
        P("MTRR, MCE and MCA hidden in CPUID 1 EDX"),
        P("APIC, x2APIC and TSC deadline offered in CPUID 1"),
        P("CPUID 1 EBX: APIC ID 0, 1 logical CPU"),
        P("leaves above the highest, lucid's unused and the SVM leaf read as zeros")),
    "ports-unassigned": expect(
        P("inb reads 0xff and leaves the rest of EAX"),
        P("inw reads 0xffff and leaves the rest of EAX"),
        P("inl reads 0xffffffff"),
        P("inb with an immediate port reads 0xff"),
        P("writes to unassigned ports are dropped without a fault"),
        P("accesses at the top of the port space read all-ones")),
    "port-string": expect(
        P("insb without rep:"),
        P("rep insb of 100 bytes:"),
        P("rep insw of 50 words:"),
        P("rep insd of 25 dwords:"),
        P("rep insd with DF=1:"),
        P("rep insb with ECX=0:"),
        P("rep insb across a page boundary:"),
        P("rep insd over two page boundaries:"),
        P("rep outsb of 100 bytes:"),
        P("rep outsd with DF=1:"),
        P("rep insw with 16-bit addressing uses DI and CX")),
    "port-string-paged": expect(
        P("rep insb across two pages mapped to scattered frames ("),
        P("rep insw straddling a page boundary at an odd address ("),
        P("rep insd over three scattered pages ("),
        *pf("rep insb into a not-present page", "0x2"),
        *pf("rep insd with a dword straddling into a not-present page", "0x2"),
        *pf("rep insb into a not-present page at CPL 3", "0x6"),
        *pf("rep insb into a read-only page with CR0.WP at CPL 0", "0x3"),
        P("rep insb into a read-only page without CR0.WP at CPL 0 writes it ("),
        P("addr32 rep insb uses EDI and ECX and zeroes the upper halves of RDI and RCX ("),
        P("rep outsb over three scattered pages ("),
        P("fs rep outsb reads at FS base + RSI across a page ("),
        *pf("fs rep outsd into a not-present page", "0", "RSI"),
        P("rep insd with DF=1 down across a page boundary ("),
        *pf("rep insd with DF=1 into a not-present page", "0x2"),
        *pf("rep insd with DF=1 and a dword straddling into a not-present page", "0x2")),
    "hypercall-bad": expect(
        P("unknown call numbers return -ENOSYS"),
        P("version call returns ABI version 1"),
        P("buffers outside RAM return -EFAULT"),
        P("lengths over 256 return -EINVAL"),
        P("a bad test status returns -EINVAL"),
        P("a bad shutdown mode returns -EINVAL"),
        P("the test interrupt without the test device returns -ENODEV"),
        P("a call preserves EBX ECX EDX ESI EDI EBP"),
        P("calls from CPL 3 return -EPERM")),
    "console-write": expect(
        P("the marker line returns its length"),
        P("a write of 256 bytes returns 256"),
        P("a write of 0 bytes returns 0"),
        P("a write across a page boundary returns 22"),
        P("a write ending at the last byte of RAM returns 20"),
        console=("console-write: marker 5f3759df", "console-write: longest line",
                 "console-write: across", "console-write: end")),
    "msr-protect": expect(
        P("EFER reads with SVME clear"),
        P("setting EFER.SVME raises #GP(0)"),
        P("that #GP pushed RFLAGS with RF set"),
        P("EFER unchanged after the refused write"),
        P("VM_CR (0xc0010114): read and write raise #GP(0)"),
        P("VM_HSAVE_PA (0xc0010117): read and write raise #GP(0)"),
        P("IA32_VMX_BASIC (0x480): read and write raise #GP(0)"),
        P("an MSR that does not exist (0x12345678): read and write raise #GP(0)"),
        P("STAR (0xc0000081) writes"),
        P("SYSENTER_CS (0x174) writes"),
        PS("TSC_AUX (0xc0000103) writes")),
    "virt-insns": expect(
        *[P(f"{name} raises #UD") for name in VIRT_INSNS],
        P("the other vendor's hypercall"),
        P("the hypercall instruction")),
    "cr-access": expect(
        P("CR0 WP AM TS MP CD set and clear and read back"),
        P("CR4 PGE TSD DE PCE set and clear and read back"),
        P("CR2 reads back what was written"),
        P("CR3 moves to a copy of the tables and back"),
        P("CR8 reads back 0 to 15")),
    "xcr0": Expect(results=(tuple(XCR0), (R("SKIP", "XCR0: CPUID offers no XSAVE"),))),
    "rdtsc": expect(
        P("TSC monotonic over 10000 reads with exits between"),
        PS("RDTSCP returns TSC_AUX"),
        P("RDTSC works at CPL 3 with CR4.TSD clear"),
        P("RDTSC at CPL 3 with CR4.TSD set raises #GP(0)")),
    "single-step": expect(
        *[r for what in STEPPED for r in
          (P(f"single step over {what}: #DB at the next instruction"),
           P(f"single step over {what}: DR6.BS set"))]),
    "exceptions": expect(
        P("#DE from div by zero, at the div"),
        P("#DB from a data breakpoint, after the write"),
        P("DR6.B0 set after the data breakpoint"),
        P("#BP from int3, after it"),
        P("#UD from ud2, at it"),
        P("#NM from x87 with CR0.TS, at it"),
        P("#NM from SSE with CR0.TS, at it"),
        P("#GP(0xfff8) from loading a selector past the GDT limit"),
        P("#GP(0) from a non-canonical address"),
        P("#PF(0) from a read of an unmapped page"),
        P("CR2 0x40000010 after #PF on read"),
        P("#PF(2) from a write to an unmapped page"),
        P("CR2 0x40000010 after #PF on write"),
        P("#MF from an unmasked x87 divide by zero")),
    "paging-4level": expect(
        P("4 KiB pages: one page at two VAs and its identity address agrees"),
        P("accessed bit set on read, dirty bit on write"),
        P("2 MiB pages map their whole range"),
        PS("1 GiB pages map their whole range"),
        P("#PF(0) from a read of a not-present page"),
        P("#PF(W) from a write to a not-present page"),
        P("#PF(P|W) from a write to a read-only page with CR0.WP"),
        P("#PF(P|U) from a CPL 3 read of a supervisor page"),
        PS("#PF(RSVD) from a read through a PTE with a reserved bit"),
        PS("#PF(P|I) from a fetch from an NX page")),
    "tlb-isolation-1": TLB,
    "tlb-isolation-2": TLB,
    "fpu-sse-avx-1": FPU,
    "fpu-sse-avx-2": FPU,
    "debug-regs-1": DEBUG_REGS,
    "debug-regs-2": DEBUG_REGS,
    "breakpoint-arm": expect(P("kept an execution breakpoint on target over")),
    "breakpoint-run": expect(P("no exception calling target after each of")),
    "npt-isolation": expect(
        P("wrote and read back"),
        P("writing one byte at 0x400000, just past the end of RAM"),
        end="crashed",
        reason=r"crashed: write of guest-physical 0x400000, which is not the VM's memory "
               r"\(vCPU 0, RIP 0x[0-9a-f]+\)"),
    "npt-neighbour": expect(
        P("filled"),
        P("RAM intact over 64 rounds")),
    "ram-walk": expect(
        P("memory map ends at 256 MiB (mem=256)"),
        P("checked 254 MiB above the image")),
    "debug-exit": expect(
        P("writing 0x2a to the debug-exit port 0xf4"),
        reason=r"(?m)^vm debug-exit: powered off: debug-exit status 85 \(the guest wrote 0x2a "
               r"to port 0xf4\)$"),
    "fw-cfg": expect(
        P('signature "QEMU"'), P("ID 1: the I/O port interface, no DMA"), P("one CPU"),
        P("RAM size 8 MiB, as the memory map says"), P("file directory: no files")),
    "pc-devices": expect(
        P("CMOS clock in BCD and 24 hours, no interrupts"),
        P("CMOS battery good"),
        P("the CMOS date is valid BCD in the 21st century"),
        P("under SET the CMOS clock holds what is written, UIP clear"),
        P("the CMOS clock runs on from the time set"),
        P("CMOS RAM 0x40-0x5f keeps what is written"),
        P("CMOS memory sizes: 640 KiB base, 7168 KiB above 1 MiB"),
        P("keyboard controller self-test: 0x55, then SYS"),
        P("the command byte reads back what is written"),
        P("the keyboard echoes 0xee"),
        P("PCI 00:00.0 is Intel's 440FX"),
        P("PCI 00:00.0 is a host bridge"),
        P("PCI 00:01.0 reads all ones"),
        P("port 0x80 takes a POST code and reads 0xff")),
    "i8042-reset": expect(
        P("boot 0: pulsing the reset line (command 0xfe)"),
        P("boot 1: back after command 0xfe"),
        P("boot 1: CMOS RAM kept its byte over the reset"),
        P("boot 2: back after the output port write"),
        reason=r"vm i8042-reset: reset by the keyboard controller \(output port 0xfe\)"),
    "fw-cfg": expect(*FW_CFG),
    # The same kernel as QEMU's -kernel runs it: results and output on
    # COM1, the end through the debug-exit port.
    "fw-cfg-qemu": expect(*FW_CFG, reason=debug_exit("fw-cfg-qemu", 1),
                          console=("fw-cfg-qemu: done: 5 passed, 0 failed, 0 skipped",)),
    "uart": expect(
        P("registers after reset: IER 0, IIR 1, LCR 0, MCR 0, LSR 0x60, MSR 0xb0"),
        P("scratch register reads back 0xa5 and 0x5a"),
        P("IER reads back 0 and 0x0f, bits 7:4 stay clear"),
        P("loopback: MSR mirrors MCR, 0x90 for RTS and OUT2"),
        P("loopback: a byte sent comes back"),
        P("FIFOs: IIR bits 7:6 are 3 with FCR0 set (a 16550A), 0 without"),
        P("FIFOs: 16 bytes deep, in order, the rest an overrun"),
        P("DLAB: divisor 0x010c reads back, IER kept"),
        P("IIR reports THRE when it is enabled, reading it clears it"),
        P("sent a line through THR"),
        console=("uart: serial line from the guest",)),
    "acpi": expect(
        *ACPI_CHECKS,
        P("writing 0x6 to the reset register, port 0x60c"),
        *ACPI_CHECKS,
        P("came back after the reset register's reboot (boot 1)"),
        P("writing SLP_TYP 5 with SLP_EN to PM1a_CNT"),
        reason=r"(?m)^vm acpi: powered off: ACPI S5 \(the guest wrote 0x3400 to port 0x604\)$"),
    "pit": expect(
        P("counter 1 untouched: status 0x70, count 0"),
        P("port 0x61 keeps bits 0-3 and reads bits 6-7 as 0"),
        P("port 0x61 bit 4 (refresh) toggles there and back"),
        P("control word 0xb0: status 0x70 (OUT low, null count, mode 0)"),
        P("a count written with the gate low loads and holds at 12345"),
        P("calibration as Linux does it: OUT2 low, then rises after the count"),
        P("counter 2 status after terminal count: OUT high, 0xb0"),
        P("counter 2 in mode 0 counts down (the MSB of direct reads never rises)"),
        P("counters 0 (mode 2) and 2 (mode 0) latched together count the same clocks down"),
        P("counter 0 in mode 2 reads within 1..50000"),
        P("a latch command while a count is latched is ignored"),
        P("read-back of count and status: status first")),
    "lapic": expect(
        P("CPUID offers APIC, x2APIC and TSC deadline"),
        P("IA32_APIC_BASE: enabled xAPIC at 0xfee00000, BSP"),
        P("xAPIC ID 0, version"),
        P("xAPIC one-shot: current count counts down"),
        P("xAPIC one-shot timer interrupt 0x40 arrives, in service"),
        P("EOI retires it; the count stays at 0"),
        P("a one-shot timer fires once"),
        P("xAPIC periodic timer interrupt 1: 0x41"),
        P("xAPIC periodic timer interrupt 2: 0x41"),
        P("xAPIC periodic timer interrupt 3: 0x41"),
        P("TPR 0x50 holds back self-IPI 0x45 in IRR"),
        P("lowering TPR lets 0x45 in"),
        P("a fixed IPI to APIC ID 0 arrives"),
        P("x2APIC mode through IA32_APIC_BASE"),
        P("x2APIC ID 0, the same version"),
        P("the xAPIC page reads all ones in x2APIC mode"),
        P("the DFR MSR gives #GP in x2APIC mode"),
        P("x2APIC TPR 0x60 holds back SELF_IPI 0x47"),
        P("SELF_IPI 0x47 arrives once TPR is lowered"),
        P("a 64-bit ICR write sends 0x4a to x2APIC ID 0"),
        P("x2APIC one-shot timer interrupt 0x48"),
        P("TSC-deadline timer interrupt 0x49, not before the deadline"),
        P("IA32_TSC_DEADLINE reads 0 once it fired")),
    "smp": expect(
        P("INIT and STARTUP started 3 APs"),
        P("each CPU's APIC ID is its number"),
        P("physical: CPU 0 to APIC ID 2 reached CPU 2 alone"),
        P("physical: each CPU to the next (0->1->2->3->0), each took one"),
        P("logical flat: destination 0x0a reached CPUs 1 and 3 alone"),
        P("logical cluster: destination 0x11 reached CPU 2 alone"),
        P("shorthand self from CPU 2 reached CPU 2 alone"),
        P("shorthand all-including-self from CPU 0 reached every CPU"),
        P("shorthand all-but-self from CPU 1 reached CPUs 0, 2 and 3"),
        P("NMI: CPU 0 to APIC ID 3 reached CPU 3 alone"),
        P("x2APIC mode on every CPU: IDs 0 1 2 3, logical IDs 0x1 0x2 0x4 0x8"),
        P("x2APIC physical: CPU 3 to x2APIC ID 1 reached CPU 1 alone"),
        P("x2APIC cluster: destination 0x5 in cluster 0 reached CPUs 0 and 2 alone"),
        P("INIT and STARTUP 0x06 started halted AP 3 again, at 0x6000"),
        P("its APIC was reset by INIT, x2APIC mode kept"),
        P("a STARTUP to a running AP does nothing"),
        P("a counter 4 CPUs increment 50000 times each under a spinlock reads 200000")),
    "hlt-cli": expect(
        P("halting with IF=0; nothing may wake this vCPU"),
        end="running"),
    "no-exit": expect(
        P("spinning without exits from now on, interrupts disabled"),
        end="running"),
    "no-exit-sti": expect(
        P("spinning without exits from now on, interrupts enabled"),
        end="running"),
    "hypercall-spin-cli": expect(
        P("spinning on hypercalls with interrupts disabled"),
        end="running"),
    "hypercall-spin-sti": expect(
        P("spinning on hypercalls with interrupts enabled"),
        end="running"),
    "triple-fault": expect(
        P("loading an empty IDT, then int3"),
        end="crashed", reason=r"crashed: triple fault \(delivering [a-z ]+ \d+; CR0 0x[0-9a-f]+ CR3 0x[0-9a-f]+ "
               r"CR4 0x[0-9a-f]+ EFER 0x[0-9a-f]+; the code at RIP is (not )?mapped\) "
               r"\(vCPU 0, RIP 0x[0-9a-f]+\)"),
    "cpu-state": expect(
        P("EAX holds the multiboot1 magic"),
        P("CR0.PE set, PG clear"),
        P("EFLAGS.IF and VM clear"),
        P("CS DS ES FS GS SS flat: base 0, limit 4 GiB, writable (all)"),
        P("A20 on")),
    "multiboot1-info": expect(
        P("EAX holds the multiboot1 magic"),
        P("flags have memory, command line, modules, memory map, loader name"),
        P("mem_lower"),
        P("memory map: RAM from 1 MiB to 16 MiB"),
        P("command line has mem=16 and check=mb1"),
        P("boot loader name"),
        P("one module"),
        P("module at"),
        P("module content is pattern.bin"),
        P("the info, map, strings and module are in RAM, clear of the image")),
    "multiboot2-info": expect(
        P("EAX holds the multiboot2 magic"),
        P("info at"),
        P("tags present"),
        P("basic memory:"),
        P("memory map: 24-byte entries, RAM from 1 MiB to 16 MiB"),
        P("command line has mem=16 and check=mb2"),
        P("boot loader name"),
        P("one module tag"),
        P("module at"),
        P("module content is pattern.bin"),
        P("the info and the module are in RAM, clear of the image")),
    "mb1-aout": expect(
        P("EAX holds the multiboot1 magic"),
        P("entered at entry_addr"),
        P("the file is loaded up to load_end_addr"),
        P("bss up to bss_end_addr")),
    "elf64-segments": expect(
        P("multiboot2 magic"),
        P("second PT_LOAD at 0x300000 holds its file bytes"),
        P("its p_memsz beyond p_filesz is zero")),
    "linux-entry": expect(
        P("64-bit mode at 0x200200, the load address + 0x200"),
        P("CS 0x10: 64-bit code; DS 0x18, ES 0x18, SS 0x18: flat data"),
        P("interrupts disabled"),
        P("RSI "),
        P("type_of_loader 0xff"),
        P('command line "mem=8 check=linux" at '),
        P("e820: 4 entries: RAM [0, 0x9fc00) and [1 MiB, 8 MiB)"),
        P("initrd at "),
        P("initrd content is pattern.bin"),
        P("CR3 "),
        P("the whole protected-mode kernel is loaded")),
    "protmode": expect(
        P("entered at 0x200000 in protected mode, paging off"),
        P("the whole file is loaded")),
    "mode-switch": expect(
        P("entered in real mode at 0000:8000"),
        P("reached protected mode at"),
        P("reached 64-bit mode"),
        P("the whole file is loaded")),
    "mmio": expect(
        P("a 64-bit store reads back byte by byte"),
        P("16- and 32-bit stores and loads at odd offsets"),
        P("an 8-bit load keeps the rest of RAX"),
        P("a load into AH writes bits 15:8 only"),
        P("a 16-bit load keeps the rest of RAX"),
        P("a 32-bit load clears bits 63:32"),
        P("stores from R13 and loads into R9"),
        P("a store from AH writes bits 15:8"),
        P("MOVZX/MOVSX of a byte"),
        P("MOVZX/MOVSX of a word"),
        P("MOVSXD of a dword"),
        P("immediate stores of every width"),
        P("MOV to and from a 64-bit moffs"),
        P("a load with a 0x67 prefix"),
        P("a store through a virtual alias lands in the page"),
        P("single step over an MMIO load: #DB at the next instruction"),
        P("the port register at every width and offset"),
        P("byte and word writes merge")),
    "mmio-unsupported": expect(
        P("32-bit mode: MOV, MOVZX, an immediate and a 16-bit operand"),
        P("ADD to MMIO next"),
        end="crashed",
        # ADD to memory reads, then writes: QEMU's TCG faults on the read,
        # Bochs checks the read-modify-write access as a write.
        reason=r"crashed: (?:read|write) of MMIO at guest-physical 0xfeb00000 by an "
               r"instruction lucid does not emulate \(opcode 0x1: "),
    "realmode": expect(
        P("real mode: entered at CS:IP 1000:0000 with CR0.PE clear"),
        P("real-mode IVT: int3 reached its handler and came back"),
        P("real-mode hypercall: version reports the ABI version"),
        P("real-mode console write returns its length"),
        console=("realmode: console write from real mode",)),
    "exception-exits": Expect(results=tuple(
        (P("10 single steps: the guest's handler saw each #DB at the next instruction"),
         P("10 single-step #DBs were 10 exception exits"),
         P("a data breakpoint's #DB reached the guest after the write"),
         P("DR6.B0 set after the data breakpoint"),
         P("the data breakpoint's #DB was one exception exit"), *ac)
        for ac in ((P("3 alignment checks: the guest's handler saw each #AC(0) at the load"),
                    P("3 #ACs were 3 exception exits")),
                   (R("SKIP", "3 alignment checks: the CPU raises no #AC"),)))),
    "event-delivery-mmio": expect(
        P("IDT at the test device's MMIO page, then a load from an unmapped page"),
        end="crashed",
        reason=r"crashed: read of guest-physical 0xfeb000e[0-9a-f] \(a device's\) while "
               r"delivering vector 14: its IDT, GDT, TSS or stack is not RAM "
               r"\(vCPU 0, RIP 0x[0-9a-f]+\)"),
    "prefixed-exits": expect(
        *[P(f"prefixed {what}: #DB right after the whole instruction")
          for what in ("CPUID", "CPUID of 15 bytes", "RDMSR", "WRMSR", "hypercall")],
        P("prefixed HLT: the waking interrupt returns right after the whole instruction"),
        P("plain CPUID run twice from a buffer"),
        P("the CPUID rewritten in place with a prefix: RIP right after the whole instruction")),
    "cr4-bits": expect(
        P("setting CR4.PKE raises #GP(0), CR4 unchanged"),
        P("CR4 bits CPUID does not offer and reserved bits raise #GP(0), CR4 unchanged"),
        P("clearing CR4.PAE in long mode raises #GP(0)"),
        P("changing CR4.LA57 in long mode raises #GP(0)"),
        P("CR4 bits CPUID offers set, clear and read back"),
        P("a CR4.PGE toggle drops a global mapping from the TLB")),
    "ioapic": expect(
        P("version 0x11 with 24 entries"),
        P("ID 1, as the MADT says"),
        P("every entry masked at power-on"),
        P("edge input 4 gives vector 0x54"),
        P("a rise while masked is lost"),
        P("ISA line 0 arrives on input 2"),
        P("level input 9 gives 0x59 and sets remote IRR"),
        P("its EOI while the line is high sends it again"),
        P("lowered, its EOI clears remote IRR and nothing comes"),
        P("switched to edge, remote IRR clears without an EOI"),
        P("the PIT's counter 0 ticks through input 2")),
    "pic": expect(
        P("initialised as Linux does: masks read back, nothing pending"),
        P("master line 3 gives vector 0x33"),
        P("ISR shows line 3 until the EOI"),
        P("slave line 10 gives vector 0x3a"),
        P("ISR: master input 2 and slave input 2 until the EOIs"),
        P("masked line 4 waits in IRR"),
        P("unmasked, it is delivered"),
        P("line 5 in service holds back line 5 and line 6"),
        P("higher line 3 nests; its EOI leaves 5 in service"),
        P("after each EOI the next goes: 5, then 6"),
        P("lines 6 and 3 raised with IF=0: 3 first"),
        P("slave line 12 before master line 4: it ranks at input 2"),
        P("ELCR keeps lines 0-2 edge-triggered"),
        P("level line 5 comes again after the EOI while high"),
        P("and not after it is lowered"),
        P("poll reads 0x80 | 6 and puts line 6 in service"),
        P("the polled line is not delivered; a poll of nothing reads 0"),
        P("automatic EOI: nothing in service, line 3 again without an EOI"),
        P("a slave line lowered before it is taken: spurious 0x3f, master input 2 in service")),
}


def _match(alt, results):
    if len(alt) != len(results):
        return f"{len(results)} results, expected {len(alt)}"
    for i, (r, (status, msg)) in enumerate(zip(alt, results)):
        if status not in r.status.split("|") or not msg.startswith(r.prefix):
            return f"result {i + 1} is {status} {msg!r}, expected {r.status} {r.prefix!r}..."
    return None


def results(log, vm):
    """The results vm reported, in the order of lucid's log: the lines of
    its result hypercalls and those it wrote to its own console as a
    guest for plain QEMU does. [(status, message)]"""
    v = re.escape(vm)
    return re.findall(rf"^(?:test {v}: |{v}: test: )(PASS|FAIL|SKIP) (.*)$", log, re.M)


def check(name, results, end, log=""):
    """results: [(status, message)] in the order lucid printed them for the
    VM; end: "shutoff", "crashed" or "running"; log: lucid's serial output
    (for the crash reason and the console text). Returns a list of
    problems, empty if the VM did what it should."""
    e = EXPECT[name]
    problems = [f"{s} {m}" for s, m in results if s == "FAIL"]
    mismatches = [_match(alt, results) for alt in e.results]
    if all(mismatches):
        problems.append(mismatches[0])
    if end != e.end:
        problems.append(f"ended {end}, expected {e.end}")
    if e.reason and not re.search(e.reason, log):
        problems.append(f"no log line matches {e.reason!r}")
    for text in e.console:
        if text not in log:
            problems.append(f"console lacks {text!r}")
    return problems


def cfg_vms(text):
    """The VM names of a lucid.cfg text, in order, with the spacing lucid's
    parser allows around the parts of a [vm "name"] header."""
    return re.findall(r'^[ \t]*\[[ \t]*vm[ \t]*"([^"]*)"[ \t]*\]', text, re.M)


def coverage(vms):
    """{vm: problem} for each VM of the config (names in order) that EXPECT
    cannot check, each expectation without a VM and each VM named twice."""
    problems = {}
    for vm in vms:
        if vm not in EXPECT:
            problems[vm] = "runs unchecked: no expectation in tests/guests/expect.py"
        elif vms.count(vm) > 1:
            problems[vm] = f"named {vms.count(vm)} times in the config"
    for vm in EXPECT:
        if vm not in vms:
            problems[vm] = ("expected by tests/guests/expect.py, "
                            "but there is no such VM in the config")
    return problems


if __name__ == "__main__":
    vms = cfg_vms(Path(__file__).with_name("guests.cfg").read_text())
    problems = coverage(vms)
    for vm, why in problems.items():
        print(f"guests.cfg: {vm}: {why}")
    print(f"{len(vms)} VMs, {len(EXPECT)} expectations")
    sys.exit(1 if problems else 0)
