# SPDX-License-Identifier: MIT
#
# minisev top-level Makefile.  `make` builds the VMM, the firmware (with the
# guest tests linked in) and the host unit tests; `make run` and `make test`
# are the two commands of the README.  Each folder adds its own rules
# through a build.mk fragment.

BUILD ?= build
CC ?= cc
V ?= 0

ifeq ($(V),0)
Q := @
else
Q :=
endif

# Host code: the VMM, its tools and its tests.  Warnings are errors.
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-Wformat=2 -Wvla -fno-strict-aliasing -D_GNU_SOURCE \
	-fPIC -Iinclude -Ivmm $(EXTRA_CFLAGS)
HOST_LDLIBS := -lelf -lcrypto -lpthread

all:

# Fragments append to these.
VMM_SRCS :=		# linked into build/minisev and into every unit test
VMM_MAIN_SRCS :=	# linked into build/minisev only (main())
UNIT_TEST_SRCS :=	# one cmocka program per file
ALL_TARGETS :=

include vmm/build.mk
include firmware/build.mk
include guest-tests/linux/build.mk

# A second firmware image, 128 KiB of read-only padding larger, so that the
# SEV tests measure two firmware sizes with the same guest code.
$(BUILD)/fw/pad.o:
	@mkdir -p $(dir $@)
	$(Q)printf 'const unsigned char minisev_fw_pad[131072] = { 1 };\n' | \
		$(CC) $(FW_CFLAGS) -x c -c -o $@ -

$(BUILD)/firmware-pad.elf: $(FW_OBJS) $(BUILD)/fw/pad.o $(FW_LDS) firmware/check-elf
	@echo "  LD      $@"
	$(Q)$(CC) $(FW_CFLAGS) $(FW_LDFLAGS) -T $(FW_LDS) -o $@.tmp $(FW_OBJS) $(BUILD)/fw/pad.o
	$(Q)firmware/check-elf $@.tmp
	$(Q)mv $@.tmp $@

ALL_TARGETS += $(BUILD)/firmware-pad.elf

VMM_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(VMM_SRCS))
VMM_MAIN_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(VMM_MAIN_SRCS))

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libminisev.a: $(VMM_OBJS)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/minisev: $(VMM_MAIN_OBJS) $(BUILD)/libminisev.a
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LDLIBS)

# The SEV model (scripts/sevsim): a preload library around the unchanged
# VMM.  Only the interposed libc functions are exported, and its own calls
# bind inside it, so it never captures the VMM's symbols or the reverse.
SEVSIM_SRCS := $(wildcard vmm/sevsim/*.c)
SEVSIM_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(SEVSIM_SRCS))
# The firmware half alone, for its unit tests (no interposition there).
PSP_OBJS := $(filter-out %/kvmsim.o,$(SEVSIM_OBJS))
UNIT_TEST_SRCS += $(wildcard vmm/sevsim/tests/test_*.c)
TEST_DEPS_test_psp := $(PSP_OBJS)

$(BUILD)/libsevsim.so: $(SEVSIM_OBJS) $(BUILD)/libminisev.a vmm/sevsim/exports.map
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,--version-script=vmm/sevsim/exports.map -Wl,-Bsymbolic -Wl,--no-undefined \
		-o $@ $(SEVSIM_OBJS) $(BUILD)/libminisev.a -lcrypto -ldl -lpthread

# The model's KVM interface checked against real KVM's (run under scripts/sevsim).
$(BUILD)/sevsim-check: $(BUILD)/host/vmm/sevsim/tests/kvmsim_check.o
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^

# CPUID of a traced command answered as the model's SEV host (scripts/sevsim --cpuid).
$(BUILD)/sevsim-cpuid: $(BUILD)/host/vmm/sevsim/tools/cpuid_trace.o
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^

ifneq ($(wildcard vmm/sevsim/psp.c),)
ALL_TARGETS += $(BUILD)/libsevsim.so $(BUILD)/sevsim-check $(BUILD)/sevsim-cpuid
endif

# Unit tests: test_foo.c anywhere in UNIT_TEST_SRCS becomes build/tests/test_foo,
# linked with $(TEST_DEPS_test_foo) and the VMM library.
define unit_test_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(patsubst %.c,$(BUILD)/host/%.o,$(1)) $$(TEST_DEPS_$(basename $(notdir $(1)))) $(BUILD)/libminisev.a
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $$@ $$^ $(HOST_LDLIBS) -lcmocka $$(LDFLAGS_$(basename $(notdir $(1))))
endef
UNIT_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_TEST_SRCS)))
$(foreach t,$(UNIT_TEST_SRCS),$(eval $(call unit_test_rule,$(t))))

ALL_TARGETS += $(BUILD)/minisev $(UNIT_TESTS)

all: $(ALL_TARGETS)

# The two commands of the README.  Both install what is missing first.
run:
	$(Q)scripts/setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/kvm-run $(BUILD)/minisev run $(RUN_ARGS)

test:
	$(Q)scripts/setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/test

# Pieces of `make test`, runnable alone.
unit: $(UNIT_TESTS)
	$(Q)scripts/test --unit

style:
	$(Q)scripts/check-style

bench:
	$(Q)scripts/setup
	$(Q)$(MAKE) --no-print-directory all linux-initramfs
	$(Q)scripts/bench

# The host-side programs alone (no firmware, no model): what the
# sanitizer stage of `make test` rebuilds with ASan and UBSan.
host-tools: $(BUILD)/minisev $(UNIT_TESTS) $(FW_TESTS)

# The libFuzzer targets, with clang, ASan and UBSan (vmm/fuzz, README).
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-Wno-gnu-variable-sized-type-not-at-end \
	-fno-omit-frame-pointer
fuzz:
	$(Q)$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz EXTRA_CFLAGS="$(FUZZ_FLAGS)" \
		fuzz-targets

clean:
	rm -rf $(BUILD)

.PHONY: all run test unit style bench clean host-tools fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
