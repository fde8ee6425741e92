# Host memory: the boot memory map, the page allocator.
kobjs += $(addprefix hv/mm/, memmap.o page_alloc.o)
