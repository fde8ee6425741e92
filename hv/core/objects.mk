# VMs, vCPUs and the scheduler.
kobjs += $(addprefix hv/core/, sched.o vcpu.o vm.o)
