/* SPDX-License-Identifier: MIT */
/*
 * The x86 Linux boot protocol as the VMM (vmm/linux.c) and the firmware's
 * measured-boot verifier (firmware/verifier.c) both need it: offsets in the
 * zero page (struct boot_params) and its setup header, and the flags they
 * check.  Sources: Documentation/arch/x86/boot.rst and
 * arch/x86/include/uapi/asm/bootparam.h (see
 * ../shared/reference/linux-direct-boot.md sections 1.2-1.5).
 */
#ifndef MINISEV_BOOTPARAM_H
#define MINISEV_BOOTPARAM_H

#include <stdint.h> /* freestanding-safe: the firmware uses it too */

/* Boot protocol selectors (boot.rst: __BOOT_CS 0x10, __BOOT_DS 0x18). */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* Offsets in the zero page (struct boot_params) and its setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_HDR 0x1f1 /* setup_sects */
#define BP_SYSSIZE 0x1f4
#define BP_VID_MODE 0x1fa
#define BP_BOOT_FLAG 0x1fe
#define BP_JUMP 0x200
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_ADDR_MAX 0x22c
#define BP_KERNEL_ALIGNMENT 0x230
#define BP_RELOCATABLE 0x234
#define BP_XLOADFLAGS 0x236
#define BP_CMDLINE_SIZE 0x238
#define BP_PREF_ADDRESS 0x258
#define BP_INIT_SIZE 0x260
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

#define LINUX_HDRS_MAGIC 0x53726448 /* "HdrS" */
#define LINUX_LOADED_HIGH 0x01
#define LINUX_XLF_KERNEL_64 0x01
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G 0x02
/* 2.12 introduced xloadflags, and with it the declared 64-bit entry. */
#define LINUX_MIN_VERSION 0x020c
#define LINUX_ENTRY_64_OFF 0x200 /* startup_64 of the compressed kernel */

#define E820_RAM 1
#define E820_RESERVED 2

/*
 * Room the VMM gives the command line (its NUL included) and the ACPI
 * tables (the BIOS area, 0xe0000 up to 1 MiB); the verifier refuses more.
 */
#define LINUX_CMDLINE_MAX 0x1000ULL
#define LINUX_ACPI_SIZE 0x20000ULL

/* Little-endian fields of the header and the zero page, at any alignment. */
static inline uint16_t bp_rd16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static inline uint32_t bp_rd32(const uint8_t *p)
{
	return bp_rd16(p) | (uint32_t)bp_rd16(p + 2) << 16;
}

static inline uint64_t bp_rd64(const uint8_t *p)
{
	return bp_rd32(p) | (uint64_t)bp_rd32(p + 4) << 32;
}

static inline void bp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void bp_wr32(uint8_t *p, uint32_t v)
{
	bp_wr16(p, v);
	bp_wr16(p + 2, v >> 16);
}

static inline void bp_wr64(uint8_t *p, uint64_t v)
{
	bp_wr32(p, v);
	bp_wr32(p + 4, v >> 32);
}

/* The flat GDT both enter Linux with: null, null, __BOOT_CS (64-bit), __BOOT_DS. */
#define LINUX_GDT_CODE64 0x00af9b000000ffffULL
#define LINUX_GDT_DATA 0x00cf93000000ffffULL

#endif /* MINISEV_BOOTPARAM_H */
