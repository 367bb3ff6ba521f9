// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "testdev.h"
#include "virtio_console.h"

/* HOST_PEEK scans at most this much per request: bounded work per exit. */
#define PEEK_MAX (64ULL << 20)

int testdev_verdict_status(uint32_t verdict)
{
	switch (verdict) {
	case MINISEV_EXIT_PASS:
		return MINISEV_STATUS_PASS;
	case MINISEV_EXIT_FAIL:
		return MINISEV_STATUS_FAIL;
	case MINISEV_EXIT_SKIP:
		return MINISEV_STATUS_SKIP;
	case MINISEV_EXIT_CRASH:
	default:
		return MINISEV_STATUS_GUEST;
	}
}

static const char *verdict_name(uint32_t v)
{
	switch (v) {
	case MINISEV_EXIT_PASS:
		return "pass";
	case MINISEV_EXIT_FAIL:
		return "fail";
	case MINISEV_EXIT_SKIP:
		return "skip";
	case MINISEV_EXIT_CRASH:
		return "crash";
	default:
		return "unknown verdict";
	}
}

static int exit_write(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len)
{
	struct vm *vm = dev->priv;
	uint32_t v = 0;

	if (len != 4 || off) {
		pr_err("exit port: %u-byte write at offset %llu; the ABI wants a 32-bit OUT", len,
		       (unsigned long long)off);
		return -EINVAL;
	}
	memcpy(&v, data, 4);
	pr_debug("guest verdict %#x (%s)", v, verdict_name(v));
	if (v != MINISEV_EXIT_PASS && v != MINISEV_EXIT_SKIP)
		pr_err("guest reported %s (verdict %#x)", verdict_name(v), v);
	vm_end(vm, VM_END_VERDICT, testdev_verdict_status(v));
	return 0;
}

static int exit_read(struct bus_dev *dev, uint64_t off, void *data, uint32_t len)
{
	memset(data, 0xff, len);
	return 0;
}

int testdev_handle_req(struct vm *vm, uint64_t gpa)
{
	const uint64_t res_off = offsetof(struct minisev_req, status);
	struct minisev_req rq;
	uint64_t bytes = 0;
	uint32_t crc = 0;
	void *p;

	/* One copy out of shared memory, then validate the copy only. */
	if (gm_read(&vm->gm, &rq, gpa, sizeof(rq), GM_SHARED)) {
		pr_err("test request at %#llx is outside the shared window",
		       (unsigned long long)gpa);
		return -EFAULT;
	}
	if (rq.magic != MINISEV_REQ_MAGIC || rq.version != MINISEV_ABI_VERSION) {
		pr_err("test request at %#llx: bad magic %#x or version %u (want %u)",
		       (unsigned long long)gpa, rq.magic, rq.version, MINISEV_ABI_VERSION);
		return -EINVAL;
	}
	rq.status = MINISEV_REQ_OK;
	rq.result = rq.result2 = 0;
	switch (rq.op) {
	case MINISEV_REQ_NOP:
		break;
	case MINISEV_REQ_HOST_PEEK:
		/*
		 * The host's own view of RAM, on purpose (GM_ANY): under SEV
		 * this is ciphertext, and the test proves the value is absent.
		 */
		if (rq.arg1 == 0 || rq.arg1 > PEEK_MAX ||
		    !(p = gm_ptr(&vm->gm, rq.arg0, rq.arg1, GM_ANY))) {
			rq.status = MINISEV_REQ_EINVAL;
			break;
		}
		rq.result = memmem(p, rq.arg1, &rq.arg2, sizeof(rq.arg2)) != NULL;
		break;
	case MINISEV_REQ_CONSOLE_MARK:
		if (!vm->console || rq.arg0 > 1) {
			rq.status = MINISEV_REQ_EINVAL;
			break;
		}
		if (rq.arg0 == 0) {
			vcon_mark(vm->console);
		} else {
			vcon_since_mark(vm->console, &bytes, &crc);
			rq.result = bytes;
			rq.result2 = crc;
		}
		break;
	case MINISEV_REQ_VCPU_HELLO:
		if (rq.arg0 >= vm->nr_vcpus) {
			rq.status = MINISEV_REQ_EINVAL;
			break;
		}
		atomic_fetch_add(&vm->vcpu_hellos, 1);
		rq.result = vm->nr_vcpus;
		break;
	default:
		rq.status = MINISEV_REQ_ENOSYS;
		break;
	}
	/* Write back the host-owned fields only. */
	return gm_write(&vm->gm, gpa + res_off, (uint8_t *)&rq + res_off, sizeof(rq) - res_off,
			GM_SHARED);
}

static int req_write(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len)
{
	uint32_t gpa = 0;

	if (len != 4 || off) {
		pr_err("request port: %u-byte write at offset %llu; the ABI wants a 32-bit OUT",
		       len, (unsigned long long)off);
		return -EINVAL;
	}
	memcpy(&gpa, data, 4);
	return testdev_handle_req(dev->priv, gpa);
}

static const struct bus_ops exit_ops = { .read = exit_read, .write = exit_write };
static const struct bus_ops req_ops = { .read = exit_read, .write = req_write };

static struct bus_dev exit_dev = { .name = "exit-port",
				   .base = MINISEV_PORT_EXIT,
				   .size = 4,
				   .ops = &exit_ops };
static struct bus_dev req_dev = { .name = "request-port",
				  .base = MINISEV_PORT_REQ,
				  .size = 4,
				  .ops = &req_ops };

int testdev_init(struct vm *vm)
{
	int ret;

	exit_dev.priv = vm;
	req_dev.priv = vm;
	ret = bus_register(&vm->pio, &exit_dev);
	if (!ret)
		ret = bus_register(&vm->pio, &req_dev);
	return ret;
}
