// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport driven through the MMIO bus as a guest would,
 * with a fake two-queue device behind it: registers, feature negotiation,
 * status rules, queue setup, notify, reset, and the protocol violations
 * that must end in DEVICE_NEEDS_RESET and a failed access.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"
#include "guestmem.h"
#include "virtio_mmio.h"
#include "virtq.h"

#define BASE 0xd0000000ULL
#define RAM_SIZE 0x100000ULL
#define SHARED_GPA 0x40000ULL
#define SHARED_SIZE 0x40000ULL
#define DESC_GPA 0x40000ULL
#define AVAIL_GPA 0x41000ULL
#define USED_GPA 0x42000ULL
#define FAKE_ID 42
#define FAKE_FEATURES 0x5ULL /* two device-specific bits */
#define NUM_MAX 16

#define ST_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define ST_DRV VIRTIO_STATUS_DRIVER
#define ST_FOK VIRTIO_STATUS_FEATURES_OK
#define ST_DOK VIRTIO_STATUS_DRIVER_OK
#define ST_NEEDS_RESET VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define ST_FAILED VIRTIO_STATUS_FAILED

static struct guest_mem gm;
static struct bus bus;
static struct virtio_mmio m;
static struct virtq queues[2];
static const uint8_t config[12] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
				    0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc };

static struct {
	unsigned int notifies;
	unsigned int last_queue;
	unsigned int resets;
	int ret;
} fake;

static int fake_notify(struct virtio_mmio *mm, unsigned int q)
{
	fake.notifies++;
	fake.last_queue = q;
	return fake.ret;
}

static void fake_reset(struct virtio_mmio *mm)
{
	fake.resets++;
}

static const struct virtio_mmio_ops fake_ops = { .notify = fake_notify, .reset = fake_reset };

static int setup(void **state)
{
	memset(&gm, 0, sizeof(gm));
	memset(&bus, 0, sizeof(bus));
	memset(&fake, 0, sizeof(fake));
	gm.hva = calloc(1, RAM_SIZE);
	if (!gm.hva)
		return -1;
	gm.size = RAM_SIZE;
	gm.shared_gpa = SHARED_GPA;
	gm.shared_size = SHARED_SIZE;
	gm.encrypted = true;
	bus.name = "mmio";
	virtq_init(&queues[0], &gm, "fake queue 0", NUM_MAX);
	virtq_init(&queues[1], &gm, "fake queue 1", NUM_MAX);
	if (vmmio_init(&m, "fake-virtio", BASE, FAKE_ID, FAKE_FEATURES, queues, 2, config,
		       sizeof(config), &fake_ops, NULL))
		return -1;
	return bus_register(&bus, vmmio_bus_dev(&m));
}

static int teardown(void **state)
{
	vmmio_destroy(&m);
	free(gm.hva);
	return 0;
}

static int rd_ret(uint64_t off, uint32_t *v)
{
	return bus_read(&bus, BASE + off, v, 4);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(rd_ret(off, &v), 0);
	return v;
}

static int wr_ret(uint64_t off, uint32_t v)
{
	return bus_write(&bus, BASE + off, &v, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	assert_int_equal(wr_ret(off, v), 0);
}

static void driver_features(uint64_t f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* 3.1.1 steps 1-6 with the given features; returns the status read back. */
static uint32_t negotiate(uint64_t f)
{
	wr(VIRTIO_MMIO_STATUS, ST_ACK);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV);
	driver_features(f);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK);
	return rd(VIRTIO_MMIO_STATUS);
}

static void queue_setup(unsigned int q, uint32_t num, uint64_t d, uint64_t a, uint64_t u)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
}

static void queue_ok(unsigned int q)
{
	queue_setup(q, 8, DESC_GPA + q * 0x4000, AVAIL_GPA + q * 0x4000, USED_GPA + q * 0x4000);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

/* A fully initialised device with both queues ready. */
static void bring_up(void)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES | FAKE_FEATURES),
			 ST_ACK | ST_DRV | ST_FOK);
	queue_ok(0);
	queue_ok(1);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), ST_ACK | ST_DRV | ST_FOK | ST_DOK);
}

static void assert_needs_reset(void)
{
	assert_true(rd(VIRTIO_MMIO_STATUS) & ST_NEEDS_RESET);
	assert_true(vmmio_needs_reset(&m));
	assert_false(vmmio_live(&m));
}

static void test_identity(void **state)
{
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
	assert_int_equal(rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_MINISEV_VENDOR);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
	assert_int_equal(vmmio_bus_dev(&m)->size, VIRTIO_MMIO_REGION_SIZE);
}

static void test_device_features(void **state)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), FAKE_FEATURES);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 3); /* VERSION_1, ACCESS_PLATFORM */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_negotiation_ok(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES), ST_ACK | ST_DRV | ST_FOK);
	assert_int_equal(m.driver_features, VMMIO_REQUIRED_FEATURES);
	/* A subset of the device bits is fine too. */
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES | 0x4), ST_ACK | ST_DRV | ST_FOK);
}

static void test_negotiation_no_version_1(void **state)
{
	assert_int_equal(negotiate(1ULL << VIRTIO_F_ACCESS_PLATFORM | FAKE_FEATURES),
			 ST_ACK | ST_DRV);
}

static void test_negotiation_no_access_platform(void **state)
{
	assert_int_equal(negotiate(1ULL << VIRTIO_F_VERSION_1 | FAKE_FEATURES), ST_ACK | ST_DRV);
}

static void test_negotiation_not_offered(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES | 0x2), ST_ACK | ST_DRV);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES | (1ULL << 40)), ST_ACK | ST_DRV);
}

static void test_negotiation_retry(void **state)
{
	/* Refused, then the driver fixes its features: FEATURES_OK sticks now. */
	assert_int_equal(negotiate(1ULL << VIRTIO_F_VERSION_1), ST_ACK | ST_DRV);
	driver_features(VMMIO_REQUIRED_FEATURES);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), ST_ACK | ST_DRV | ST_FOK);
}

static void test_driver_ok_without_features_ok(void **state)
{
	/* A driver that ignores the refusal and goes on to DRIVER_OK. */
	assert_int_equal(negotiate(1ULL << VIRTIO_F_VERSION_1), ST_ACK | ST_DRV);
	assert_int_equal(wr_ret(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK), -EINVAL);
	assert_needs_reset();
	assert_false(rd(VIRTIO_MMIO_STATUS) & ST_DOK);
}

static void test_features_frozen_after_features_ok(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES), ST_ACK | ST_DRV | ST_FOK);
	driver_features(VMMIO_REQUIRED_FEATURES | FAKE_FEATURES);
	assert_int_equal(m.driver_features, VMMIO_REQUIRED_FEATURES);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DRIVER_FEATURES), 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_DRIVER_FEATURES), 0);
}

static void test_status_rules(void **state)
{
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV);
	/* The driver cannot set DEVICE_NEEDS_RESET. */
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), ST_ACK | ST_DRV);
	/* Clearing a bit is not a thing a driver may do (only 0 resets). */
	assert_int_equal(wr_ret(VIRTIO_MMIO_STATUS, ST_ACK), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	/* Undefined bits. */
	assert_int_equal(wr_ret(VIRTIO_MMIO_STATUS, ST_ACK | 0x10), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(wr_ret(VIRTIO_MMIO_STATUS, 0x100), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	/* FAILED is always accepted: the driver gives up. */
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV);
	wr(VIRTIO_MMIO_STATUS, ST_FAILED);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), ST_FAILED);
	assert_false(vmmio_live(&m));
}

static void test_queue_registers(void **state)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), NUM_MAX);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	queue_setup(1, 4, 0x1234567800040000ULL, 0x41000, 0x42000);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_SEL), 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM), 4);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_DESC_LOW), 0x40000);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_DESC_HIGH), 0x12345678);
	assert_int_equal(queues[1].desc_gpa, 0x1234567800040000ULL);
	assert_int_equal(queues[1].avail_gpa, 0x41000);
	assert_int_equal(queues[1].used_gpa, 0x42000);
	assert_int_equal(queues[0].num, 0);
}

static void test_queue_absent(void **state)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_false(vmmio_needs_reset(&m));
}

static void test_queue_frozen_while_ready(void **state)
{
	bring_up();
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x48000);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 1);
	assert_int_equal(queues[0].num, 8);
	assert_int_equal(queues[0].size, 8);
	assert_int_equal(queues[0].desc_gpa, DESC_GPA);
	assert_int_equal(queues[0].avail_gpa, AVAIL_GPA);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	/* QueueReady 0 unfreezes it. */
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	assert_int_equal(queues[0].num, 4);
	assert_false(vmmio_needs_reset(&m));
}

static void test_queue_ready_bad_size(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES), ST_ACK | ST_DRV | ST_FOK);
	queue_setup(0, 6, DESC_GPA, AVAIL_GPA, USED_GPA);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 1), -EINVAL);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_needs_reset();
	/* Not DRIVER_OK yet: no configuration interrupt. */
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void test_queue_ready_too_big(void **state)
{
	queue_setup(0, NUM_MAX * 2, DESC_GPA, AVAIL_GPA, USED_GPA);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 1), -EINVAL);
	assert_needs_reset();
}

static void test_queue_ready_bad_rings(void **state)
{
	queue_setup(0, 8, DESC_GPA + 4, AVAIL_GPA, USED_GPA);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 1), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);

	queue_setup(0, 8, DESC_GPA, 0x1000, USED_GPA); /* private memory */
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 1), -EFAULT);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);

	queue_setup(0, 8, DESC_GPA, AVAIL_GPA, 0x200000000ULL); /* beyond RAM */
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 1), -EFAULT);
	assert_needs_reset();
}

static void test_queue_ready_bad_value(void **state)
{
	queue_setup(0, 8, DESC_GPA, AVAIL_GPA, USED_GPA);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_READY, 2), -EINVAL);
	assert_needs_reset();
}

static void test_notify(void **state)
{
	bring_up();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(fake.notifies, 1);
	assert_int_equal(fake.last_queue, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fake.notifies, 2);
	assert_int_equal(fake.last_queue, 0);
	assert_true(vmmio_live(&m));
}

static void test_notify_before_driver_ok(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES), ST_ACK | ST_DRV | ST_FOK);
	queue_ok(0);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 0), -EINVAL);
	assert_int_equal(fake.notifies, 0);
	assert_needs_reset();
}

static void test_notify_unready_queue(void **state)
{
	assert_int_equal(negotiate(VMMIO_REQUIRED_FEATURES), ST_ACK | ST_DRV | ST_FOK);
	queue_ok(0);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 1), -EINVAL);
	assert_int_equal(fake.notifies, 0);
	assert_needs_reset();
	/* DRIVER_OK was set: the driver hears of it through a configuration change. */
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VMMIO_INT_CONFIG);
}

static void test_notify_no_such_queue(void **state)
{
	bring_up();
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 2), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);
	bring_up();
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff), -EINVAL);
	assert_int_equal(fake.notifies, 0);
}

static void test_notify_device_error(void **state)
{
	bring_up();
	fake.ret = -EFAULT;
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 1), -EFAULT);
	assert_needs_reset();
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VMMIO_INT_CONFIG);
	/* Until reset, notifies are ignored: reported once, not every time. */
	fake.ret = 0;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(fake.notifies, 1);
	/* The driver keeps NEEDS_RESET when it rewrites the status. */
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	assert_needs_reset();
	/* Reset, and the device works again. */
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	bring_up();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(fake.notifies, 2);
}

static void test_reset_midway(void **state)
{
	bring_up();
	queues[0].last_avail = 5;
	queues[0].used_idx = 5;
	vmmio_used_notify(&m);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(fake.resets, 1);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_SEL), 0);
	assert_int_equal(m.driver_features, 0);
	for (unsigned int q = 0; q < 2; q++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
		assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM), 0);
		assert_int_equal(rd(VIRTIO_MMIO_QUEUE_DESC_LOW), 0);
		assert_int_equal(queues[q].last_avail, 0);
		assert_int_equal(queues[q].used_idx, 0);
	}
	/* Notify right after the reset: not DRIVER_OK any more. */
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, 0), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	bring_up();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fake.notifies, 1);
}

static void test_interrupt_ack(void **state)
{
	bring_up();
	vmmio_used_notify(&m);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VMMIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VMMIO_INT_CONFIG);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VMMIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VMMIO_INT_VRING);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void test_register_access_width(void **state)
{
	uint8_t b[8];

	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_MAGIC_VALUE, b, 2), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_MAGIC_VALUE, b, 1), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_MAGIC_VALUE, b, 8), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(bus_read(&bus, BASE + 2, b, 4), -EINVAL); /* misaligned */
	wr(VIRTIO_MMIO_STATUS, 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(bus_write(&bus, BASE + VIRTIO_MMIO_STATUS, b, 1), -EINVAL);
	assert_int_equal(bus_write(&bus, BASE + VIRTIO_MMIO_QUEUE_DESC_LOW, b, 8), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	/* The 32-bit register right before the configuration space is fine. */
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
}

static void test_config_space(void **state)
{
	uint8_t b[8];
	uint16_t w;
	uint32_t d;
	uint64_t q;

	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 3, b, 1), 0);
	assert_int_equal(b[0], 0x44);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 2, &w, 2), 0);
	assert_int_equal(w, 0x4433);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 8, &d, 4), 0);
	assert_int_equal(d, 0xccbbaa99);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 8, &q, 8), 0);
	assert_int_equal(q, 0xccbbaa99ULL); /* bytes past the config read as 0 */
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 0xfc, &d, 4), 0);
	assert_int_equal(d, 0);
	/* Writes are ignored: no writable field. */
	d = 0;
	assert_int_equal(bus_write(&bus, BASE + VIRTIO_MMIO_CONFIG, &d, 4), 0);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG, &d, 4), 0);
	assert_int_equal(d, 0x44332211);
	assert_false(vmmio_needs_reset(&m));
	/* Misaligned or odd-sized configuration accesses. */
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + 1, &w, 2), -EINVAL);
	assert_needs_reset();
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG, b, 3), -EINVAL);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(bus_write(&bus, BASE + VIRTIO_MMIO_CONFIG + 4, b, 8), -EINVAL);
}

static void test_unknown_offsets(void **state)
{
	static const uint64_t unknown[] = { 0x018, 0x01c, 0x028, 0x03c, 0x040, 0x048, 0x04c, 0x054,
					    0x068, 0x074, 0x0a8, 0x0ac, 0x0b0, 0x0c0, 0x0f8 };

	bring_up();
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
			assert_int_equal(rd(unknown[i]), 0);
			wr(unknown[i], 0xffffffff);
		}
	}
	/* Writes to read-only registers change nothing. */
	wr(VIRTIO_MMIO_MAGIC_VALUE, 0);
	wr(VIRTIO_MMIO_DEVICE_ID, 7);
	wr(VIRTIO_MMIO_QUEUE_NUM_MAX, 1);
	wr(VIRTIO_MMIO_INTERRUPT_STATUS, 3);
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), NUM_MAX);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Write-only registers read as 0. */
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NOTIFY), 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_ACK), 0);
	assert_true(vmmio_live(&m));
}

static void test_outside_region(void **state)
{
	uint32_t v;

	/* The bus device is VIRTIO_MMIO_REGION_SIZE long; past it there is nothing. */
	assert_int_equal(rd_ret(VIRTIO_MMIO_REGION_SIZE, &v), -ENODEV);
	assert_int_equal(rd_ret(VIRTIO_MMIO_REGION_SIZE - 2, &v), -ENODEV);
}

static void test_init_rejects(void **state)
{
	struct virtio_mmio x;

	assert_int_equal(vmmio_init(&x, "x", BASE, 1, 0, queues, VMMIO_MAX_QUEUES + 1, NULL, 0,
				    &fake_ops, NULL),
			 -EINVAL);
	assert_int_equal(vmmio_init(&x, "x", BASE, 1, 0, queues, 2, config, 0x101, &fake_ops, NULL),
			 -EINVAL);
	assert_int_equal(vmmio_init(&x, "x", BASE, 1, 0, NULL, 2, NULL, 0, &fake_ops, NULL),
			 -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_device_features),
		T(test_negotiation_ok),
		T(test_negotiation_no_version_1),
		T(test_negotiation_no_access_platform),
		T(test_negotiation_not_offered),
		T(test_negotiation_retry),
		T(test_driver_ok_without_features_ok),
		T(test_features_frozen_after_features_ok),
		T(test_status_rules),
		T(test_queue_registers),
		T(test_queue_absent),
		T(test_queue_frozen_while_ready),
		T(test_queue_ready_bad_size),
		T(test_queue_ready_too_big),
		T(test_queue_ready_bad_rings),
		T(test_queue_ready_bad_value),
		T(test_notify),
		T(test_notify_before_driver_ok),
		T(test_notify_unready_queue),
		T(test_notify_no_such_queue),
		T(test_notify_device_error),
		T(test_reset_midway),
		T(test_interrupt_ack),
		T(test_register_access_width),
		T(test_config_space),
		T(test_unknown_offsets),
		T(test_outside_region),
		T(test_init_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
