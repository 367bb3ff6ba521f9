// SPDX-License-Identifier: MIT
/*
 * Exit dispatch fed synthetic exits: no KVM involved.  Each test builds a
 * kvm_run by hand, as KVM would fill it, and checks the action, the device
 * traffic and how the run ended.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exit.h"
#include "testdev.h"
#include "vm.h"

#define RUN_SIZE 8192

static struct vm vm;
static struct vcpu *vcpu;
static uint8_t run_buf[RUN_SIZE] __attribute__((aligned(4096)));

struct fake {
	uint64_t last_off;
	uint32_t last_len;
	uint8_t last_data[8];
	unsigned int writes, reads;
	int ret;
};

static struct fake fpio, fmmio;

static int fake_read(struct bus_dev *d, uint64_t off, void *data, uint32_t len)
{
	struct fake *f = d->priv;

	f->reads++;
	f->last_off = off;
	f->last_len = len;
	memset(data, 0xab, len);
	return f->ret;
}

static int fake_write(struct bus_dev *d, uint64_t off, const void *data, uint32_t len)
{
	struct fake *f = d->priv;

	f->writes++;
	f->last_off = off;
	f->last_len = len;
	memcpy(f->last_data, data, len > 8 ? 8 : len);
	return f->ret;
}

static const struct bus_ops fake_ops = { .read = fake_read, .write = fake_write };
static struct bus_dev pio_dev = { .name = "fake-pio",
				  .base = 0x3f8,
				  .size = 8,
				  .ops = &fake_ops,
				  .priv = &fpio };
static struct bus_dev mmio_dev = { .name = "fake-mmio",
				   .base = 0xd0000000,
				   .size = 0x200,
				   .ops = &fake_ops,
				   .priv = &fmmio };

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(run_buf, 0, sizeof(run_buf));
	memset(&fpio, 0, sizeof(fpio));
	memset(&fmmio, 0, sizeof(fmmio));
	vm.kvm_fd = vm.vm_fd = vm.end_efd = -1;
	vm.run_size = RUN_SIZE;
	vm.nr_vcpus = 1;
	vm.pio.name = "pio";
	vm.mmio.name = "mmio";
	pthread_mutex_init(&vm.end_lock, NULL);
	vcpu = &vm.vcpus[0];
	vcpu->vm = &vm;
	vcpu->fd = -1;
	vcpu->run = (struct kvm_run *)run_buf;
	assert_int_equal(bus_register(&vm.pio, &pio_dev), 0);
	assert_int_equal(bus_register(&vm.mmio, &mmio_dev), 0);
	assert_int_equal(testdev_init(&vm), 0);
	return 0;
}

static void io_exit(uint8_t dir, uint16_t port, uint8_t size, uint32_t count, const void *data)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = dir;
	run->io.port = port;
	run->io.size = size;
	run->io.count = count;
	run->io.data_offset = 4096;
	if (data)
		memcpy(run_buf + 4096, data, size * count);
}

static void test_io_out(void **state)
{
	uint8_t c = 'A';

	io_exit(KVM_EXIT_IO_OUT, 0x3f9, 1, 1, &c);
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	assert_int_equal(fpio.writes, 1);
	assert_int_equal(fpio.last_off, 1);
	assert_int_equal(fpio.last_data[0], 'A');
	assert_false(vm_ended(&vm));
}

static void test_io_in(void **state)
{
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 2, 1, NULL);
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	assert_int_equal(fpio.reads, 1);
	assert_int_equal(run_buf[4096], 0xab);
	assert_int_equal(run_buf[4097], 0xab);
}

static void test_io_string(void **state)
{
	uint8_t s[5] = "hello";

	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 5, s);
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	assert_int_equal(fpio.writes, 5);
	assert_int_equal(fpio.last_data[0], 'o');
}

static void test_io_unknown_port(void **state)
{
	uint32_t v = 1;

	io_exit(KVM_EXIT_IO_OUT, 0x80, 4, 1, &v);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_GUEST_ERROR);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
}

static void test_io_straddles_device(void **state)
{
	uint32_t v = 0;

	/* 0x3fe..0x401 starts inside the device but leaves it. */
	io_exit(KVM_EXIT_IO_OUT, 0x3fe, 4, 1, &v);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(fpio.writes, 0);
}

static void test_io_bad_geometry(void **state)
{
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 3, 1, NULL);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	setup(state);
	/* count * size running past the kvm_run mapping */
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 4, 2000, NULL);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(fpio.writes, 0);
	setup(state);
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, NULL);
	vcpu->run->io.data_offset = RUN_SIZE + 10;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
}

static void test_device_error(void **state)
{
	uint8_t c = 0;

	fpio.ret = -EINVAL;
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, &c);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
}

static void verdict(uint32_t v, int status)
{
	setup(NULL);
	io_exit(KVM_EXIT_IO_OUT, MINISEV_PORT_EXIT, 4, 1, &v);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_VERDICT);
	assert_int_equal(vm.status, status);
}

static void test_exit_port(void **state)
{
	verdict(MINISEV_EXIT_PASS, MINISEV_STATUS_PASS);
	verdict(MINISEV_EXIT_FAIL, MINISEV_STATUS_FAIL);
	verdict(MINISEV_EXIT_CRASH, MINISEV_STATUS_GUEST);
	verdict(MINISEV_EXIT_SKIP, MINISEV_STATUS_SKIP);
	verdict(0x1234, MINISEV_STATUS_GUEST);
}

static void test_exit_port_byte_write(void **state)
{
	uint8_t v = 0;

	/* A 1-byte OUT to the exit port is not the ABI: loud failure. */
	io_exit(KVM_EXIT_IO_OUT, MINISEV_PORT_EXIT, 1, 1, &v);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_GUEST_ERROR);
}

static void test_first_verdict_wins(void **state)
{
	uint32_t v = MINISEV_EXIT_FAIL;

	io_exit(KVM_EXIT_IO_OUT, MINISEV_PORT_EXIT, 4, 1, &v);
	exit_dispatch(vcpu);
	v = MINISEV_EXIT_PASS;
	io_exit(KVM_EXIT_IO_OUT, MINISEV_PORT_EXIT, 4, 1, &v);
	exit_dispatch(vcpu);
	assert_int_equal(vm.status, MINISEV_STATUS_FAIL);
}

static void mmio_exit(uint64_t addr, uint32_t len, bool write, uint32_t v)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memcpy(run->mmio.data, &v, 4);
}

static void test_mmio(void **state)
{
	mmio_exit(0xd0000070, 4, true, 0x7);
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	assert_int_equal(fmmio.writes, 1);
	assert_int_equal(fmmio.last_off, 0x70);
	assert_int_equal(fmmio.last_data[0], 7);
	mmio_exit(0xd0000000, 4, false, 0);
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	assert_int_equal(vcpu->run->mmio.data[0], 0xab);
}

static void test_mmio_unmapped(void **state)
{
	mmio_exit(0xd0005000, 4, false, 0);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
	assert_int_equal(fmmio.reads, 0);
}

static void test_mmio_bad_len(void **state)
{
	mmio_exit(0xd0000000, 0, false, 0);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	setup(state);
	mmio_exit(0xd0000000, 9, false, 0);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
}

static void test_shutdown(void **state)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_GUEST_ERROR);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
}

static void test_fail_entry(void **state)
{
	vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = 0x21;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_VMM_ERROR);
	assert_int_equal(vm.status, MINISEV_STATUS_VMM);
}

static void test_internal_error(void **state)
{
	vcpu->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	vcpu->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	vcpu->run->internal.ndata = 1000; /* must be clamped, not trusted */
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
}

static void test_unknown_exit(void **state)
{
	vcpu->run->exit_reason = 999;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
	setup(state);
	vcpu->run->exit_reason = KVM_EXIT_DEBUG;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
}

static void sev_term(uint64_t data0, int status)
{
	setup(NULL);
	vcpu->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	vcpu->run->system_event.type = KVM_SYSTEM_EVENT_SEV_TERM;
	vcpu->run->system_event.ndata = 1;
	vcpu->run->system_event.data[0] = data0;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(atomic_load(&vm.end), VM_END_VERDICT);
	assert_int_equal(vm.status, status);
}

static void test_sev_term(void **state)
{
	sev_term(0x100, MINISEV_STATUS_PASS); /* set 0, code 0 */
	sev_term(0x100 | (1 << 12) | (3 << 16), MINISEV_STATUS_GUEST);
	sev_term(0x410000, MINISEV_STATUS_GUEST); /* GHCB GPA form */
}

static void test_system_event_reset(void **state)
{
	vcpu->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	vcpu->run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
	assert_int_equal(vm.status, MINISEV_STATUS_GUEST);
}

static void test_intr(void **state)
{
	vcpu->run->exit_reason = KVM_EXIT_INTR;
	assert_int_equal(exit_dispatch(vcpu), EXIT_CONTINUE);
	vm_end(&vm, VM_END_SIGNAL, 130);
	assert_int_equal(exit_dispatch(vcpu), EXIT_STOP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_io_out, setup),
		cmocka_unit_test_setup(test_io_in, setup),
		cmocka_unit_test_setup(test_io_string, setup),
		cmocka_unit_test_setup(test_io_unknown_port, setup),
		cmocka_unit_test_setup(test_io_straddles_device, setup),
		cmocka_unit_test_setup(test_io_bad_geometry, setup),
		cmocka_unit_test_setup(test_device_error, setup),
		cmocka_unit_test_setup(test_exit_port, setup),
		cmocka_unit_test_setup(test_exit_port_byte_write, setup),
		cmocka_unit_test_setup(test_first_verdict_wins, setup),
		cmocka_unit_test_setup(test_mmio, setup),
		cmocka_unit_test_setup(test_mmio_unmapped, setup),
		cmocka_unit_test_setup(test_mmio_bad_len, setup),
		cmocka_unit_test_setup(test_shutdown, setup),
		cmocka_unit_test_setup(test_fail_entry, setup),
		cmocka_unit_test_setup(test_internal_error, setup),
		cmocka_unit_test_setup(test_unknown_exit, setup),
		cmocka_unit_test_setup(test_sev_term, setup),
		cmocka_unit_test_setup(test_system_event_reset, setup),
		cmocka_unit_test_setup(test_intr, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
