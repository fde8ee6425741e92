# hv_main and the version line; the rest of hv/ is in its subdirectories.
kobjs += $(addprefix hv/, main.o version.o)
