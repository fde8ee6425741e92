# The console's libFuzzer target (tests/fuzz/fuzz_console.c), built with
# Debian's clang. `make fuzz` runs it for FUZZ_SECONDS; `make test` runs it
# for a shorter while (tests/run.py). Its corpus grows in build/fuzz/.
FUZZ_SRCS := hv/console/line.c hv/console/reply.c lib/fmt.c lib/nearest.c lib/string.c
FUZZ_SECONDS ?= 120

$(B)/fuzz/fuzz_console: tests/fuzz/fuzz_console.c $(FUZZ_SRCS) $(wildcard hv/console/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -DLUCID_HOST_TEST -fno-builtin \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(FUZZ_SRCS)

.PHONY: fuzz-bin fuzz
fuzz-bin: $(B)/fuzz/fuzz_console
fuzz: deps fuzz-bin
	@mkdir -p $(B)/fuzz/corpus
	$(B)/fuzz/fuzz_console -max_total_time=$(FUZZ_SECONDS) $(B)/fuzz/corpus tests/fuzz/seeds
