# Configuration: lucid.cfg, the VMs made from it, the kernel command line.
kobjs += $(addprefix hv/config/, cmdline.o config.o vm_config.o)
