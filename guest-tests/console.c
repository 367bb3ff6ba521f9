// SPDX-License-Identifier: MIT
/*
 * console_large: 256 KiB of a deterministic pattern through the console,
 * in pieces of awkward sizes, proven intact twice: by the host's count and
 * CRC-32 of what it received (MINISEV_REQ_CONSOLE_MARK), and by the host
 * test driver, which recomputes every line of it from stdout.
 *
 * Line i (0 <= i < 4096) is exactly 64 bytes:
 *	"# cl %04x " then 53 characters, then '\n'
 * where character j is CL_ALPHABET[(i * 31 + j * 7) % 62].  guest-tests/run
 * has the same formula; change both or neither.
 *
 * console_echo (explicit, needs input): reads one line and prints
 * "echo: <line>".
 */
#include "test.h"
#include "req.h"
#include "virtio_console.h"

#define CL_LINES 4096
#define CL_LINE_LEN 64
#define CL_TOTAL (CL_LINES * CL_LINE_LEN)
#define CL_ALPHABET "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

static void cl_line(char *dst, unsigned int i)
{
	unsigned int j;

	snprintf(dst, 11, "# cl %04x ", i);
	for (j = 0; j < CL_LINE_LEN - 11; j++)
		dst[10 + j] = CL_ALPHABET[(i * 31 + j * 7) % 62];
	dst[CL_LINE_LEN - 1] = '\n';
}

GUEST_TEST(console_large, 0)
{
	/* One big write across several notifies, then sizes around the page. */
	static const uint32_t pieces[] = { 128 << 10, 1, 7, 4095, 4096, 4097, 65535, 1 };
	char *buf = test_alloc(CL_TOTAL);
	uint64_t count = 0, host_crc = 0;
	uint32_t crc, off = 0;
	unsigned int i;
	bool marked;
	int st;

	if (!check(buf, "no scratch memory"))
		return test_result();
	for (i = 0; i < CL_LINES; i++)
		cl_line(buf + i * CL_LINE_LEN, i);
	crc = crc32_ieee(0, buf, CL_TOTAL);

	/*
	 * Without a mark the host-side driver can still check the lines, so
	 * write them anyway.  Nothing else may print until the check below.
	 */
	st = host_req(MINISEV_REQ_CONSOLE_MARK, 0, 0, 0, NULL, NULL);
	marked = st == MINISEV_REQ_OK;
	for (i = 0; i < ARRAY_SIZE(pieces) && off < CL_TOTAL; i++) {
		uint32_t n = MIN(pieces[i], CL_TOTAL - off);

		con_write(buf + off, n);
		off += n;
	}
	if (off < CL_TOTAL)
		con_write(buf + off, CL_TOTAL - off);
	if (!check(marked, "CONSOLE_MARK start: status %d", st)) {
		diag("sent %u bytes, CRC-32 0x%08x; no host count", CL_TOTAL, crc);
		return test_result();
	}
	st = host_req(MINISEV_REQ_CONSOLE_MARK, 1, 0, 0, &count, &host_crc);

	diag("sent %u bytes, CRC-32 0x%08x; host counted %lu bytes, CRC-32 0x%08lx", CL_TOTAL, crc,
	     count, host_crc);
	check(st == MINISEV_REQ_OK, "CONSOLE_MARK check: status %d", st);
	check(count == CL_TOTAL, "host counted %lu bytes, sent %u", count, CL_TOTAL);
	check(host_crc == crc, "host CRC-32 0x%08lx, sent 0x%08x", host_crc, crc);
	return test_result();
}

#define ECHO_MAX 200

GUEST_TEST(console_echo, GT_EXPLICIT)
{
	char line[ECHO_MAX + 1];
	unsigned int n = 0;
	int c;

	diag("waiting for a line on the console");
	for (;;) {
		c = con_getc(FW_WAIT_TSC * 2);
		if (c < 0 || c == '\n')
			break;
		if (c == '\r')
			continue;
		if (n < ECHO_MAX)
			line[n++] = (char)c;
	}
	line[n] = '\0';
	if (!check(c >= 0 || n, "no input arrived"))
		return test_result();
	check(c == '\n', "input ended without a newline");
	printf("echo: %s\n", line);
	return test_result();
}
