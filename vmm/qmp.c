// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "minisev/sev.h"
#include "qmp.h"
#include "sev/b64.h"

#define QMP_MSG_MAX 65536 /* a secret packet is at most a page, in base64 */

static int reply_error(char *out, size_t cap, const char *desc)
{
	char q[512];

	json_quote(q, sizeof(q), desc);
	snprintf(out, cap, "{\"error\": {\"class\": \"GenericError\", \"desc\": %s}}\r\n", q);
	return 0;
}

static const char *gstate_qmp(uint32_t state)
{
	/* QEMU's SevState names (qapi/misc-target.json). */
	switch (state) {
	case SEV_GUEST_UNINIT:
		return "uninit";
	case SEV_GUEST_LUPDATE:
		return "launch-update";
	case SEV_GUEST_LSECRET:
		return "launch-secret";
	case SEV_GUEST_RUNNING:
		return "running";
	default:
		return "unknown";
	}
}

static int cmd_query_sev(struct vm *vm, struct launch *l, char *out, size_t cap)
{
	uint32_t state = 0;

	if (launch_guest_status(vm, l, &state))
		return reply_error(out, cap, "GUEST_STATUS failed");
	snprintf(out, cap,
		 "{\"return\": {\"enabled\": true, \"api-major\": %u, \"api-minor\": %u, "
		 "\"build-id\": %u, \"policy\": %u, \"state\": \"%s\", \"handle\": %u, "
		 "\"sev-type\": \"%s\"}}\r\n",
		 l->api_major, l->api_minor, l->build, l->policy, gstate_qmp(state), l->handle,
		 l->es ? "sev-es" : "sev");
	return 0;
}

static int cmd_measure(struct launch *l, char *out, size_t cap)
{
	char b64[72];

	sev_b64_encode(l->measurement, SEV_MEASURE_LEN, b64);
	snprintf(out, cap, "{\"return\": {\"data\": \"%s\"}}\r\n", b64);
	return 0;
}

static int cmd_inject(struct vm *vm, struct launch *l, const struct json_doc *d, int args,
		      char *out, size_t cap)
{
	const struct json_node *hdr = json_get(d, args, "packet-header");
	const struct json_node *sec = json_get(d, args, "secret");
	const struct json_node *gpa = json_get(d, args, "gpa");
	struct sev_why why = { "" };
	uint8_t h[sizeof(struct sev_secret_header)], *payload = NULL;
	size_t hlen, plen;
	uint64_t where = MINISEV_SECRET_GPA;
	int ret;

	if (!hdr || hdr->type != JSON_STRING || !sec || sec->type != JSON_STRING)
		return reply_error(out, cap,
				   "sev-inject-launch-secret needs 'packet-header' "
				   "and 'secret' (base64 strings)");
	if (gpa) {
		if (gpa->type != JSON_NUMBER || !gpa->is_int || gpa->ival < 0)
			return reply_error(out, cap, "'gpa' must be a non-negative integer");
		where = gpa->ival;
	}
	if (sev_b64_decode(hdr->str, hdr->str_len, h, sizeof(h), &hlen, &why) || hlen != sizeof(h))
		return reply_error(out, cap, "packet-header: not base64 of a 52-byte header");
	payload = malloc(MINISEV_SECRET_SIZE);
	if (!payload)
		return reply_error(out, cap, "out of memory");
	if (sev_b64_decode(sec->str, sec->str_len, payload, MINISEV_SECRET_SIZE, &plen, &why) ||
	    !plen) {
		free(payload);
		return reply_error(out, cap, "secret: not base64 of 1 to 4096 bytes");
	}
	ret = launch_secret(vm, l, h, hlen, payload, plen, where);
	free(payload);
	if (ret)
		return reply_error(out, cap, "LAUNCH_SECRET failed (see the VMM's messages)");
	snprintf(out, cap, "{\"return\": {}}\r\n");
	return 0;
}

int qmp_handle(struct vm *vm, struct launch *l, const char *msg, size_t len, char *out, size_t cap)
{
	static char strbuf[QMP_MSG_MAX];
	struct json_doc *d = malloc(sizeof(*d));
	const struct json_node *exec, *args;
	char err[128];
	int root, ret = 0, argi = -1;

	if (!d)
		return reply_error(out, cap, "out of memory");
	root = json_parse(d, msg, len, strbuf, sizeof(strbuf), err, sizeof(err));
	if (root < 0) {
		char desc[192];

		snprintf(desc, sizeof(desc), "JSON parse error: %s", err);
		reply_error(out, cap, desc);
		goto out;
	}
	exec = json_get(d, root, "execute");
	args = json_get(d, root, "arguments");
	if (args && args->type != JSON_OBJECT) {
		reply_error(out, cap, "'arguments' must be an object");
		goto out;
	}
	argi = json_index(d, args);
	if (!exec || exec->type != JSON_STRING) {
		reply_error(out, cap, "QMP input must be an object with 'execute'");
		goto out;
	}
	pr_info("qmp: %s", exec->str);
	if (!strcmp(exec->str, "qmp_capabilities")) {
		snprintf(out, cap, "{\"return\": {}}\r\n");
	} else if (!strcmp(exec->str, "query-sev")) {
		cmd_query_sev(vm, l, out, cap);
	} else if (!strcmp(exec->str, "query-sev-launch-measure")) {
		cmd_measure(l, out, cap);
	} else if (!strcmp(exec->str, "sev-inject-launch-secret")) {
		cmd_inject(vm, l, d, argi, out, cap);
	} else if (!strcmp(exec->str, "cont")) {
		snprintf(out, cap, "{\"return\": {}}\r\n");
		ret = 1;
	} else if (!strcmp(exec->str, "quit")) {
		snprintf(out, cap, "{\"return\": {}}\r\n");
		ret = -ECANCELED;
	} else {
		char desc[160];

		snprintf(desc, sizeof(desc), "The command %.64s has not been found", exec->str);
		reply_error(out, cap, desc);
	}
out:
	free(d);
	return ret;
}

static int send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t r = send(fd, s, len, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -errno;
		s += r;
		len -= r;
	}
	return 0;
}

/* Length of one complete JSON object at the start of buf, or 0. */
static size_t message_len(const char *buf, size_t len)
{
	int depth = 0;
	bool str = false, esc = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
	}
	return 0;
}

static int wait_fd(int fd, uint64_t deadline_ns)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ms = -1, r;

	if (deadline_ns) {
		uint64_t now = now_ns();

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		ms = (deadline_ns - now) / 1000000 + 1;
	}
	r = poll(&p, 1, ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r == 0 ? -ETIMEDOUT : 1;
}

/* One client: greeting, then messages until it leaves, conts or quits. */
static int serve_client(struct vm *vm, struct launch *l, int c, uint64_t deadline_ns)
{
	char *buf = malloc(QMP_MSG_MAX), reply[1024];
	size_t have = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	send_all(c, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 0, "
		    "\"major\": 0}, \"package\": \"minisev\"}, \"capabilities\": []}}\r\n");
	for (;;) {
		size_t n;
		ssize_t r;

		while ((n = message_len(buf, have))) {
			ret = qmp_handle(vm, l, buf, n, reply, sizeof(reply));
			send_all(c, reply);
			memmove(buf, buf + n, have - n);
			have -= n;
			if (ret)
				goto out;
		}
		if (have == QMP_MSG_MAX) {
			send_all(c, "{\"error\": {\"class\": \"GenericError\", "
				    "\"desc\": \"message too long\"}}\r\n");
			break; /* drop the client, keep serving */
		}
		ret = wait_fd(c, deadline_ns);
		if (ret < 0)
			goto out;
		if (ret == 0)
			continue;
		r = recv(c, buf + have, QMP_MSG_MAX - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* client gone */
		have += r;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

int qmp_serve(struct vm *vm, struct launch *l, const char *path, uint64_t deadline_ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("qmp: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	unlink(path); /* a stale socket from an earlier run */
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
		ret = -errno;
		pr_err("qmp: cannot listen on %s: %s", path, strerror(-ret));
		close(s);
		return ret;
	}
	pr_info("qmp: launch paused after LAUNCH_MEASURE; waiting on %s", path);
	for (;;) {
		int c;

		ret = wait_fd(s, deadline_ns);
		if (ret < 0)
			break;
		if (ret == 0)
			continue;
		c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		ret = serve_client(vm, l, c, deadline_ns);
		close(c);
		if (ret == 1) {
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
	}
	if (ret == -ETIMEDOUT)
		pr_err("qmp: nobody said 'cont' before the timeout");
	close(s);
	unlink(path);
	return ret;
}
