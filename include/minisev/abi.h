/* SPDX-License-Identifier: MIT */
/*
 * The one guest-host ABI of minisev: memory map, boot-info page, ports and
 * the test request protocol.  Shared by the VMM (vmm/), the firmware
 * (firmware/) and the guest tests (guest-tests/).  Any layout change bumps
 * MINISEV_ABI_VERSION; the firmware refuses a boot-info page of another
 * version, the VMM refuses a request of another version.
 *
 * Everything here is plain fixed-width data: guest addresses are u64 "gpa"
 * values, never pointers, so the host cannot dereference one by accident.
 */
#ifndef MINISEV_ABI_H
#define MINISEV_ABI_H

#include <stdint.h> /* freestanding-safe: the firmware uses it too */

#define MINISEV_ABI_VERSION 1

/*
 * Guest physical memory map.
 *
 *   0x0000_0000  page 0: never mapped by the page tables (catches NULL)
 *   0x0000_1000  boot-info page                         (private, measured)
 *   0x0000_2000  page tables: PML4, PDPT, 4 PDs, PT0     (private, measured)
 *   0x0000_9000  LAUNCH_SECRET area, one page           (private, injected)
 *   0x0000_a000  kernel-hashes table, Linux under SEV   (private, measured last)
 *   0x0010_0000  firmware ELF (link address)            (private, measured)
 *   0x0040_0000  shared window, 2 MiB, C-bit clear      (shared, not measured)
 *   0x0060_0000  free RAM up to ram_size                (private, not measured)
 *   0xd000_0000  virtio-mmio devices, MINISEV_MMIO_STRIDE apart (not RAM)
 *
 * The page tables identity-map RAM with the C-bit set (when SEV is
 * active), the shared window and the MMIO window without it, the MMIO
 * window uncached; everything else in the first 4 GiB is not present.
 * Page 0 is left not-present so that a NULL dereference in the firmware
 * is a #PF, not a silent read.
 */
#define MINISEV_BOOT_INFO_GPA 0x1000ULL
#define MINISEV_PGTABLE_GPA 0x2000ULL
#define MINISEV_PGTABLE_PAGES 7 /* PML4, PDPT, 4 x PD, PT for the first 2 MiB */
#define MINISEV_SECRET_GPA 0x9000ULL
#define MINISEV_SECRET_SIZE 0x1000ULL /* one page: KVM wants it contiguous */
/*
 * The kernel-hashes table of a measured Linux boot, in QEMU's layout
 * (vmm/sev/measure.h): SHA-256 of the command line, initrd and kernel,
 * 176 bytes, the last thing LAUNCH_UPDATE_DATA measures.
 */
#define MINISEV_HASHES_GPA 0xa000ULL
#define MINISEV_HASHES_SIZE 176
#define MINISEV_FW_BASE 0x100000ULL
#define MINISEV_FW_LIMIT 0x400000ULL /* the firmware must end below this */
#define MINISEV_SHARED_GPA 0x400000ULL
#define MINISEV_SHARED_SIZE 0x200000ULL
#define MINISEV_FREE_GPA 0x600000ULL

#define MINISEV_RAM_MIN (8ULL << 20)
#define MINISEV_RAM_MAX (3ULL << 30) /* RAM ends below the MMIO window */
#define MINISEV_RAM_DEFAULT (256ULL << 20)
#define MINISEV_MAX_VCPUS 16

#define MINISEV_MMIO_GPA 0xd0000000ULL
#define MINISEV_MMIO_STRIDE 0x1000ULL
#define MINISEV_MMIO_WINDOW 0x10000000ULL /* 0xd000_0000 .. 0xe000_0000 */

/*
 * Shared window layout (offsets from MINISEV_SHARED_GPA).  The firmware
 * owns the layout of the virtio area; the VMM only reads what descriptors
 * point at, and every such address is checked against guest RAM.
 */
#define MINISEV_SHARED_REQ_OFF 0x0000 /* test request pages, 1 per vCPU */
#define MINISEV_SHARED_GHCB_OFF 0x10000 /* GHCB pages, 1 per vCPU (SEV-ES) */
#define MINISEV_SHARED_VIRTIO_OFF 0x20000 /* rings and bounce buffers */
#define MINISEV_SHARED_LINUX_OFF 0x40000 /* struct minisev_linux_desc (Linux boot) */

/*
 * I/O ports.  The exit port takes the guest's verdict as a 32-bit OUT
 * (MINISEV_EXIT_*); the request port takes the GPA of a struct
 * minisev_req in the shared window (32-bit OUT of the low half; the window
 * is below 4 GiB).  Both work unchanged under SEV-ES, where the OUT travels
 * through the GHCB and reaches the VMM as the same KVM_EXIT_IO.
 */
#define MINISEV_PORT_EXIT 0x0500
#define MINISEV_PORT_REQ 0x0504

/* Verdicts written to MINISEV_PORT_EXIT; the VMM maps them to its exit status. */
#define MINISEV_EXIT_PASS 0x00
#define MINISEV_EXIT_FAIL 0x01 /* at least one test said "not ok" */
#define MINISEV_EXIT_CRASH 0x02 /* unexpected exception in the firmware */
#define MINISEV_EXIT_SKIP 0x4d /* 77: nothing could run here */

/* Exit status of the minisev process (documented in README). */
#define MINISEV_STATUS_PASS 0
#define MINISEV_STATUS_FAIL 1 /* guest reported a test failure */
#define MINISEV_STATUS_USAGE 2 /* bad command line or input file */
#define MINISEV_STATUS_VMM 3 /* VMM or KVM error, bad image */
#define MINISEV_STATUS_GUEST 4 /* guest crashed or misbehaved */
#define MINISEV_STATUS_SKIP 77 /* no /dev/kvm (or /dev/sev when needed) */

/* Boot-info page, at MINISEV_BOOT_INFO_GPA, written by the VMM. */
#define MINISEV_BOOT_MAGIC 0x5645534e494d /* "MINSEV" little-endian */

#define MINISEV_BOOT_F_SEV (1u << 0)
#define MINISEV_BOOT_F_SEV_ES (1u << 1)
/*
 * The VMM's probe found that this KVM cannot deliver a #BP to the guest
 * (PVM: int3 ends in an emulation failure): tests that need one skip.
 */
#define MINISEV_BOOT_F_NO_BP (1u << 2)
/*
 * Verify and boot Linux instead of running the tests: the firmware copies
 * kernel, initrd and command line from the staging area the descriptor
 * names into private memory, checks their SHA-256 against the measured
 * table at MINISEV_HASHES_GPA, builds the zero page and enters the kernel.
 */
#define MINISEV_BOOT_F_LINUX (1u << 3)

#define MINISEV_DEV_VIRTIO_MMIO 1

struct minisev_dev {
	uint32_t type; /* MINISEV_DEV_* */
	uint32_t virtio_id; /* VIRTIO_ID_*, e.g. 3 for the console */
	uint64_t gpa;
	uint64_t size;
};

#define MINISEV_MAX_DEVS 8
#define MINISEV_TESTSEL_LEN 1024

struct minisev_boot_info {
	uint64_t magic;
	uint32_t version; /* MINISEV_ABI_VERSION */
	uint32_t flags; /* MINISEV_BOOT_F_* as the VMM launched the guest */
	uint64_t ram_size; /* bytes of RAM from GPA 0 */
	uint32_t cbit; /* C-bit position, 0 without SEV */
	uint32_t nr_vcpus;
	uint64_t shared_gpa;
	uint64_t shared_size;
	uint64_t pgtable_gpa;
	uint64_t fw_start, fw_end; /* what the ELF occupies */
	uint32_t nr_devs;
	uint32_t reserved0;
	struct minisev_dev devs[MINISEV_MAX_DEVS];
	/*
	 * Test selection: comma-separated test names, NUL-terminated, empty
	 * for "the default set" (every test not marked explicit-only).
	 */
	char tests[MINISEV_TESTSEL_LEN];
	/*
	 * The LAUNCH_SECRET area under SEV (0 without SEV).  Whether a secret
	 * was injected is known only after the launch was measured, so the
	 * guest looks for a secret table's GUID header there.
	 */
	uint64_t secret_gpa;
	uint64_t secret_size;
};

/*
 * GHCB termination requests from the firmware (SEV-ES), reason set
 * MINISEV_TERM_SET: the codes the VMM names (firmware/layout.h has all).
 */
#define MINISEV_TERM_SET 1
#define MINISEV_TERM_LINUX_KERNEL 0x47 /* the verifier: kernel differs from its hash */
#define MINISEV_TERM_LINUX_INITRD 0x48
#define MINISEV_TERM_LINUX_CMDLINE 0x49

/*
 * The Linux boot descriptor, in the shared window at
 * MINISEV_SHARED_LINUX_OFF: written by the VMM, not measured, so the
 * firmware takes none of it on trust.  Each blob is copied from `src`
 * (inside the staging area, which the firmware maps shared while it
 * copies) to `dst` (private), which must stay clear of the firmware, its
 * tables, the shared window, the staging area and every other blob.
 * Kernel, initrd and command line are then hashed; the zero page is the
 * VMM's template with the verified kernel's setup header and the
 * firmware's own addresses written over it; the ACPI tables are taken
 * as given, as OVMF takes QEMU's.
 */
#define MINISEV_LINUX_MAGIC 0x78756e696c53534dULL /* "MSSlinux" little-endian */

struct minisev_blob {
	uint64_t src, size, dst;
};

struct minisev_linux_desc {
	uint64_t magic;
	uint32_t version; /* MINISEV_ABI_VERSION */
	uint32_t reserved;
	uint64_t staging_gpa, staging_size; /* 2 MiB aligned */
	struct minisev_blob kernel; /* the whole bzImage file, as hashed */
	struct minisev_blob initrd; /* size 0: none (hashes as SHA-256 of nothing) */
	struct minisev_blob cmdline; /* NUL included, hashed with it */
	struct minisev_blob zero_page; /* 4096 bytes */
	struct minisev_blob acpi; /* RSDP first */
};

/*
 * Test requests: the guest fills a struct minisev_req in its request page
 * in the shared window and OUTs its GPA to MINISEV_PORT_REQ.  The VMM
 * copies the request out of guest memory before it validates anything,
 * acts, and writes back only `status` and `result`.
 */
#define MINISEV_REQ_MAGIC 0x51455251 /* "QREQ" */

enum minisev_req_op {
	MINISEV_REQ_NOP = 0,
	/*
	 * Does the host's view of guest RAM at [arg0, arg0 + arg1) contain
	 * the 8-byte value arg2 anywhere?  result = 1 yes, 0 no.  Used to
	 * prove that private memory is unreadable to the host.
	 */
	MINISEV_REQ_HOST_PEEK = 1,
	/*
	 * Start (arg0 = 0) or check (arg0 = 1) a console checkpoint: on check
	 * the host returns in result the number of console bytes it received
	 * since the start, and in result2 their CRC-32 (IEEE, as zlib's
	 * crc32()).  The guest compares both with what it sent.
	 */
	MINISEV_REQ_CONSOLE_MARK = 2,
	/* vCPU arg0 checks in; result = number of vCPUs the VMM created. */
	MINISEV_REQ_VCPU_HELLO = 3,
};

#define MINISEV_REQ_OK 0
#define MINISEV_REQ_EINVAL 1
#define MINISEV_REQ_ENOSYS 2

struct minisev_req {
	uint32_t magic; /* MINISEV_REQ_MAGIC */
	uint32_t version; /* MINISEV_ABI_VERSION */
	uint32_t op; /* enum minisev_req_op */
	uint32_t status; /* MINISEV_REQ_*, written by the host */
	uint64_t arg0, arg1, arg2;
	uint64_t result, result2; /* written by the host */
};

#endif /* MINISEV_ABI_H */
