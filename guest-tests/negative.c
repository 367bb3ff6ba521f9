// SPDX-License-Identifier: MIT
/*
 * Negative tests, all explicit-only: each one misbehaves on purpose, and
 * the manifest says how the run must end (VMM exit status and the message
 * to find).  A test that gets past its misdeed reports "not ok", so a VMM
 * that lets the misbehaviour through ends with exit status 1, which the
 * host driver flags as a mismatch.
 */
#include "test.h"
#include "idt.h"
#include "io.h"
#include "probes.h"
#include "req.h"
#include "smp.h"
#include "virtio_console.h"

/* A TAP failure, to prove that "not ok" becomes VMM exit status 1. */
GUEST_TEST(fail_on_purpose, GT_EXPLICIT)
{
	check(0, "this test fails on purpose");
	return test_result();
}

static enum test_result tx_misuse(const char *what, const struct virtq_desc *d, unsigned int n,
				  uint16_t extra_avail)
{
	bool used;

	diag("%s", what);
	used = vcon_tx_raw(d, n, extra_avail);
	check(0, "the VMM went on after %s (buffer %s)", what, used ? "used" : "not used");
	return test_result();
}

/* A transmit descriptor pointing 1 MiB past the end of RAM. */
GUEST_TEST(bad_descriptor, GT_EXPLICIT)
{
	struct virtq_desc d = { .addr = fw_boot.ram_size + (1ULL << 20), .len = 64 };
	char what[96];

	snprintf(what, sizeof(what), "TX descriptor at 0x%lx, outside RAM", d.addr);
	return tx_misuse(what, &d, 1, 0);
}

/* Starts in RAM, ends past it: catches a check of the start address only. */
GUEST_TEST(desc_straddle, GT_EXPLICIT)
{
	struct virtq_desc d = { .addr = fw_boot.ram_size - 16, .len = 4096 };
	char what[96];

	snprintf(what, sizeof(what), "TX descriptor 0x%lx+0x%x, across the end of RAM", d.addr,
		 d.len);
	return tx_misuse(what, &d, 1, 0);
}

/* Two descriptors chained to each other: a device that follows `next` forever hangs. */
GUEST_TEST(desc_loop, GT_EXPLICIT)
{
	uint64_t buf = fw_boot.shared_gpa + MINISEV_SHARED_VIRTIO_OFF + 0x10000;
	struct virtq_desc d[2] = {
		{ .addr = buf, .len = 8, .flags = VIRTQ_DESC_F_NEXT, .next = 1 },
		{ .addr = buf, .len = 8, .flags = VIRTQ_DESC_F_NEXT, .next = 0 },
	};

	return tx_misuse("TX descriptor chain 0 -> 1 -> 0", d, 2, 0);
}

/* avail->idx claims more new buffers than the queue has entries (virtio 1.1, 2.6.6). */
GUEST_TEST(avail_overflow, GT_EXPLICIT)
{
	uint64_t buf = fw_boot.shared_gpa + MINISEV_SHARED_VIRTIO_OFF + 0x10000;
	struct virtq_desc d = { .addr = buf, .len = 8 };

	return tx_misuse("TX avail index 1000 entries ahead of the used index", &d, 1, 999);
}

/* A read in the MMIO window where no device is. */
GUEST_TEST(mmio_unmapped, GT_EXPLICIT)
{
	uint64_t addr = MINISEV_MMIO_GPA + 0x8000000;
	uint32_t v;

	diag("reading MMIO 0x%lx, where no device is", addr);
	v = mmio_read32(addr);
	check(0, "MMIO read of 0x%lx returned 0x%x; the VMM should have stopped", addr, v);
	return test_result();
}

/*
 * An empty IDT, then #UD: the #UD cannot be delivered (#GP), nor can the
 * #GP (#DF), nor the #DF: shutdown (APM vol. 2, 8.2.9 "Double-Fault
 * Exception").  KVM reports KVM_EXIT_SHUTDOWN.
 */
GUEST_TEST(triple_fault, GT_EXPLICIT)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	diag("loading an empty IDT and executing ud2");
	__asm__ __volatile__("lidt %0\n\tud2" : : "m"(empty) : "memory");
	idt_load();
	check(0, "survived a triple fault");
	return test_result();
}

/* A #PF nobody expects: the firmware must report it and end as a crash. */
/*
 * A guest that is stuck: interrupts off, spinning, never exiting.  The
 * VMM must notice that no exit comes (--stall) and stop it, not wait out
 * its overall timeout.
 */
GUEST_TEST(stuck, GT_EXPLICIT)
{
	diag("spinning with interrupts off, never exiting");
	__asm__ __volatile__("cli\n1:\tpause\n\tjmp 1b" : : : "memory");
	check(0, "left the spin loop");
	return test_result();
}

GUEST_TEST(unexpected_fault, GT_EXPLICIT)
{
	diag("reading 0x18 with no fault armed");
	probe_read(0x18);
	check(0, "reading 0x18 did not fault");
	return test_result();
}

static void ap_read_0x30(unsigned int cpu, void *arg)
{
	probe_read(0x30);
}

/* The same on an AP: the report names the CPU, and the whole run ends. */
GUEST_TEST(unexpected_fault_ap, GT_EXPLICIT)
{
	if (!smp_online())
		return test_skip("needs a second vCPU (-c 2)");
	diag("reading 0x30 on every AP with no fault armed");
	smp_call_aps(ap_read_0x30, NULL);
	check(0, "the APs survived an unexpected #PF");
	return test_result();
}

/* A request GPA outside the shared window (here: the private boot-info page). */
GUEST_TEST(bad_request, GT_EXPLICIT)
{
	diag("sending request GPA 0x%llx", MINISEV_BOOT_INFO_GPA);
	io_out32(MINISEV_PORT_REQ, (uint32_t)MINISEV_BOOT_INFO_GPA);
	check(0, "the VMM took a request outside the shared window");
	return test_result();
}

/* A request with the wrong magic: a guest of another ABI, not to be guessed at. */
GUEST_TEST(bad_request_magic, GT_EXPLICIT)
{
	struct minisev_req in = {
		.magic = MINISEV_REQ_MAGIC ^ 0xff,
		.version = MINISEV_ABI_VERSION,
		.op = MINISEV_REQ_NOP,
	};
	struct minisev_req out;
	int st;

	diag("sending a request with magic 0x%x", in.magic);
	st = host_req_raw(&in, &out);
	check(0, "the VMM answered a request with a bad magic (status %d)", st);
	return test_result();
}
