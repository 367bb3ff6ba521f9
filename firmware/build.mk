# SPDX-License-Identifier: MIT
#
# The guest firmware: firmware/*.c, firmware/*.S and guest-tests/*.c linked
# into one freestanding ELF at MINISEV_FW_BASE with firmware/linker.ld.
# Objects go under $(BUILD)/fw/ so they never meet the host rules.

FW_SRCS := $(sort $(wildcard firmware/*.c firmware/*.S guest-tests/*.c))
FW_OBJS := $(patsubst %,$(BUILD)/fw/%.o,$(basename $(FW_SRCS)))
FW_LDS := $(BUILD)/fw/linker.ld

FW_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fcf-protection=none -fno-tree-loop-distribute-patterns \
	-fno-omit-frame-pointer -fno-common -fno-toplevel-reorder -nostdlib -static -O2 -g \
	-Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Ifirmware
FW_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

$(BUILD)/fw/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [fw] $@"
	$(Q)$(CC) $(FW_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fw/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS [fw] $@"
	$(Q)$(CC) $(FW_CFLAGS) -MMD -MP -c -o $@ $<

# A change of flags rebuilds everything.
$(FW_OBJS): firmware/build.mk

$(FW_LDS): firmware/linker.ld firmware/layout.h firmware/build.mk
	@mkdir -p $(dir $@)
	@echo "  CPP     $@"
	$(Q)$(CC) -E -P -x c -undef -Ifirmware -o $@ $<

# After the link, check the promise the linker script makes: every PT_LOAD
# has p_filesz == p_memsz (nothing but file bytes is measured) and the
# whole image, .bss and stacks included, ends below MINISEV_FW_LIMIT.
$(BUILD)/firmware.elf: $(FW_OBJS) $(FW_LDS) firmware/check-elf
	@echo "  LD      $@"
	$(Q)$(CC) $(FW_CFLAGS) $(FW_LDFLAGS) -T $(FW_LDS) -o $@.tmp $(FW_OBJS)
	$(Q)firmware/check-elf $@.tmp
	$(Q)mv $@.tmp $@

ALL_TARGETS += $(BUILD)/firmware.elf

firmware: $(BUILD)/firmware.elf
.PHONY: firmware

# Host-side tests of the firmware's GHCB encoding and #VC decoder: the
# firmware sources that have no inline assembly under HOST_TEST, built for
# the host (no -ffreestanding) with HOST_CFLAGS, linked with a GHCB
# responder written from the specification, as build/tests/test_fw_*.
# FW_TEST_DEPS_<test> lists the firmware objects a test needs.
FW_TEST_SRCS := $(wildcard firmware/tests/test_fw_*.c)
FW_TESTS := $(patsubst firmware/tests/%.c,$(BUILD)/tests/%,$(FW_TEST_SRCS))
FW_HOST_CFLAGS = $(HOST_CFLAGS) -DHOST_TEST -Ifirmware -Ifirmware/tests
FW_TEST_COMMON := $(BUILD)/fwtest/firmware/ghcb.o $(BUILD)/fwtest/firmware/tests/ghcb_responder.o
FW_TEST_DEPS_test_fw_vc := $(BUILD)/fwtest/firmware/vc.o
FW_TEST_DEPS_test_fw_verifier := $(BUILD)/fwtest/firmware/verifier.o $(BUILD)/fwtest/firmware/sha256.o
FW_TEST_LDLIBS_test_fw_verifier := -lcrypto

$(BUILD)/fwtest/%.o: %.c firmware/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC [fw-host] $@"
	$(Q)$(CC) $(FW_HOST_CFLAGS) -MMD -MP -c -o $@ $<

define fw_test_rule
$(BUILD)/tests/$(1): $(BUILD)/fwtest/firmware/tests/$(1).o $(FW_TEST_COMMON) $$(FW_TEST_DEPS_$(1))
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$$(CC) $$(FW_HOST_CFLAGS) -o $$@ $$^ -lcmocka $$(FW_TEST_LDLIBS_$(1))
endef
$(foreach t,$(FW_TEST_SRCS),$(eval $(call fw_test_rule,$(basename $(notdir $(t))))))

ALL_TARGETS += $(FW_TESTS)
fw-tests: $(FW_TESTS)
.PHONY: fw-tests
