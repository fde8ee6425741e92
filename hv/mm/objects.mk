# Host memory: the boot memory map, the page allocator, guests' RAM.
kobjs += $(addprefix hv/mm/, guest_ram.o memmap.o page_alloc.o)
