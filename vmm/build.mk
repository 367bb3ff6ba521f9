# SPDX-License-Identifier: MIT
# Every vmm/*.c and vmm/sev/*.c is part of the VMM library; main.c holds
# main().  Tests are vmm/tests/test_*.c and vmm/sev/tests/test_*.c.
VMM_MAIN_SRCS += vmm/main.c
VMM_SRCS += $(filter-out vmm/main.c,$(wildcard vmm/*.c)) $(wildcard vmm/sev/*.c)
UNIT_TEST_SRCS += $(wildcard vmm/tests/test_*.c vmm/sev/tests/test_*.c)

# libFuzzer targets (vmm/fuzz/fuzz_*.c): `make fuzz` builds them with clang
# into build/fuzz; scripts/test's fuzz stage runs each for a short time.
FUZZ_SRCS := $(wildcard vmm/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(patsubst vmm/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

$(BUILD)/fuzz/%: $(BUILD)/host/vmm/fuzz/%.o $(BUILD)/libminisev.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(HOST_LDLIBS)

fuzz-targets: $(FUZZ_TARGETS)
.PHONY: fuzz-targets
