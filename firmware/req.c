// SPDX-License-Identifier: MIT
#include "req.h"
#include "boot.h"
#include "io.h"

#define REQ_STATUS_UNSET 0xffffffffu

int host_req_raw(const struct minisev_req *in, struct minisev_req *out)
{
	uint64_t gpa = boot_req_page(this_cpu());
	volatile struct minisev_req *page = (volatile struct minisev_req *)gpa;

	if (!boot_shared_range(gpa, sizeof(*page)))
		fw_panic("request page 0x%lx is outside the shared window", gpa);
	page->magic = in->magic;
	page->version = in->version;
	page->op = in->op;
	page->status = REQ_STATUS_UNSET;
	page->arg0 = in->arg0;
	page->arg1 = in->arg1;
	page->arg2 = in->arg2;
	page->result = 0;
	page->result2 = 0;
	io_out32(MINISEV_PORT_REQ, (uint32_t)gpa);
	*out = (struct minisev_req){
		.magic = page->magic,
		.version = page->version,
		.op = page->op,
		.status = page->status,
		.arg0 = page->arg0,
		.arg1 = page->arg1,
		.arg2 = page->arg2,
		.result = page->result,
		.result2 = page->result2,
	};
	return out->status == REQ_STATUS_UNSET ? REQ_NO_ANSWER : (int)out->status;
}

int host_req(uint32_t op, uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t *result,
	     uint64_t *result2)
{
	struct minisev_req in = {
		.magic = MINISEV_REQ_MAGIC,
		.version = MINISEV_ABI_VERSION,
		.op = op,
		.arg0 = arg0,
		.arg1 = arg1,
		.arg2 = arg2,
	};
	struct minisev_req out;
	int status = host_req_raw(&in, &out);

	if (result)
		*result = out.result;
	if (result2)
		*result2 = out.result2;
	return status;
}
