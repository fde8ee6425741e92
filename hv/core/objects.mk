# VMs, vCPUs and the scheduler.
kobjs += $(addprefix hv/core/, sched.o vcpu.o vcpu_state.o vm.o)
