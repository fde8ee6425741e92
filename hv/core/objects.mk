# VMs, their RAM, vCPUs and the scheduler.
kobjs += $(addprefix hv/core/, events.o guest_ram.o sched.o timer.o vcpu.o vcpu_state.o vm.o)
