# VMs, vCPUs and the scheduler.
kobjs += $(addprefix hv/core/, events.o sched.o vcpu.o vcpu_state.o vm.o)
