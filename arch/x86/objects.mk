# The CPU lucid runs on: tables, paging, APIC, traps, guest register switching.
kobjs += $(addprefix arch/x86/, cpu_features.o fpu.o smp.o gdt.o guest_regs.o isr.o lapic.o pagetable.o paging.o reset.o slat.o symbols.o trap.o virt.o)
