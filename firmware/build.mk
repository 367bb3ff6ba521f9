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
