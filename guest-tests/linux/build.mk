# SPDX-License-Identifier: MIT
#
# The Linux test initramfs: guest-tests/linux/init.c as a static PID 1,
# packed with busybox and the virtio modules by scripts/mkinitramfs.
#
#   make linux-initramfs       build/linux/initramfs.cpio      (minisev, microvm)
#                              build/linux/initramfs-pci.cpio  (+ virtio_pci: q35)
#   make linux-initramfs LINUX_KVER=6.1.0-57-amd64
#
# LINUX_KVER picks the kernel whose modules go in (default: the newest
# /lib/modules entry with a /boot/vmlinuz, as mkinitramfs chooses).  The
# initramfs must match the kernel booted with it, or finit_module refuses
# the modules.

LINUX_INIT := $(BUILD)/linux/init
LINUX_INITRAMFS := $(BUILD)/linux/initramfs.cpio
LINUX_INITRAMFS_PCI := $(BUILD)/linux/initramfs-pci.cpio
LINUX_KVER ?=

# Its own flags, not HOST_CFLAGS: a static glibc program for the guest,
# never built with the host tools' sanitizers (make fuzz) or -fPIC.
# Stripped: every byte of the initramfs is hashed and copied at boot.
LINUX_INIT_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -s

$(LINUX_INIT): guest-tests/linux/init.c include/minisev/abi.h guest-tests/linux/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC [linux] $@"
	$(Q)$(CC) $(LINUX_INIT_CFLAGS) -o $@ $<

# A new kernel package or busybox changes modules.dep or the binary, so
# they are prerequisites too (whichever of them exist here).
LINUX_INITRAMFS_DEPS := $(LINUX_INIT) scripts/mkinitramfs guest-tests/linux/build.mk \
	$(wildcard /bin/busybox /lib/modules/*/modules.dep)
LINUX_MKINITRAMFS := scripts/mkinitramfs --init $(LINUX_INIT) $(if $(LINUX_KVER),--kver $(LINUX_KVER))

$(LINUX_INITRAMFS): $(LINUX_INITRAMFS_DEPS)
	@echo "  CPIO    $@"
	$(Q)$(LINUX_MKINITRAMFS) -o $@

$(LINUX_INITRAMFS_PCI): $(LINUX_INITRAMFS_DEPS)
	@echo "  CPIO    $@"
	$(Q)$(LINUX_MKINITRAMFS) --with-pci -o $@

# make (and so make test) builds the one minisev boots; QEMU's q35 (make
# bench) needs the one with virtio_pci.
ALL_TARGETS += $(LINUX_INITRAMFS)

linux-initramfs: $(LINUX_INITRAMFS) $(LINUX_INITRAMFS_PCI)

.PHONY: linux-initramfs
