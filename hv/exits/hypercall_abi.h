/* lucid's hypercall ABI, shared by lucid and the guests that call it (the
 * test guests include this file; it uses nothing but integer constants).
 * Described for guest authors in docs/hypercalls.md.
 *
 * A guest calls lucid with VMMCALL (AMD) or VMCALL (Intel), in any mode
 * (real, protected or long) and at CPL 0 only:
 *   RAX = call number; RBX, RCX, RDX, RSI = arguments (zero-extended from
 *   32 bits outside long mode); the result comes back in RAX, other
 *   registers are preserved. A result below zero is an error, -LUCID_E*.
 * Guest addresses are guest-physical. */
#ifndef HV_HYPERCALL_ABI_H
#define HV_HYPERCALL_ABI_H

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX =
 * the signature "LucidHVisor!". Leaf 0x40000001: EAX = ABI version, EBX =
 * how often the VM has been reset since it was created (0 on its first
 * boot), since nothing in the guest's own RAM survives a reset. */
#define LUCID_CPUID_BASE      0x40000000u
#define LUCID_CPUID_ABI       0x40000001u
#define LUCID_CPUID_SIG_EBX   0x6963754cu /* "Luci" */
#define LUCID_CPUID_SIG_ECX   0x69564864u /* "dHVi" */
#define LUCID_CPUID_SIG_EDX   0x21726f73u /* "sor!" */
#define LUCID_ABI_VERSION     1u

/* Returns LUCID_ABI_VERSION in bits 15:0 and lucid's version as
 * major << 48 | minor << 40 | patch << 32. */
#define LUCID_HC_VERSION      0u
/* RBX = buffer, RCX = length (at most LUCID_CONSOLE_MAX): writes the bytes
 * to the VM's console. Returns the length. */
#define LUCID_HC_CONSOLE_WRITE 1u
/* RBX = LUCID_SHUTDOWN_POWEROFF or LUCID_SHUTDOWN_REBOOT: ends or restarts
 * the calling VM. Does not return (returns -LUCID_EINVAL on a bad RBX). */
#define LUCID_HC_SHUTDOWN     2u
/* RBX = LUCID_TEST_PASS / FAIL / SKIP, RCX = message buffer, RDX = length
 * (at most LUCID_CONSOLE_MAX; may be 0): one test result, printed by lucid
 * as "test <vm>: PASS <message>". Returns 0. */
#define LUCID_HC_TEST_RESULT  3u

/* RBX = vector (32..255): a test hook, only for a VM with the test device
 * (`testdev = yes`; else -LUCID_ENODEV). lucid injects that external
 * interrupt into the calling vCPU as soon as the guest can take it (IF set,
 * no interrupt shadow), waking it from HLT. Returns 0. */
#define LUCID_HC_TEST_IRQ     4u
/* Calls are numbered 0..LUCID_HC_COUNT-1; any other gives -LUCID_ENOSYS. */
#define LUCID_HC_COUNT        5u

#define LUCID_SHUTDOWN_POWEROFF 0u
#define LUCID_SHUTDOWN_REBOOT   1u

#define LUCID_TEST_PASS 0u
#define LUCID_TEST_FAIL 1u
#define LUCID_TEST_SKIP 2u

#define LUCID_CONSOLE_MAX 256u

/* Error results, negated (Linux errno values, for familiarity). */
#define LUCID_EFAULT 14 /* a buffer is not the VM's RAM */
#define LUCID_EINVAL 22 /* a bad argument */
#define LUCID_ENOSYS 38 /* no such call */
#define LUCID_ENODEV 19 /* the call needs a device this VM does not have */
#define LUCID_EPERM  1  /* called from CPL > 0 */

#endif
