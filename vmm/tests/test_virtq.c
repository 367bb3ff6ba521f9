// SPDX-License-Identifier: MIT
/*
 * The split virtqueue alone, against a hostile guest: a calloc'd fake
 * guest RAM with encryption on and a shared window, rings written by hand
 * the way a driver (or an attacker) would write them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "guestmem.h"
#include "virtq.h"

#define RAM_SIZE 0x100000ULL
#define SHARED_GPA 0x40000ULL
#define SHARED_SIZE 0x40000ULL /* [0x40000, 0x80000) */
#define DESC_GPA 0x40000ULL
#define AVAIL_GPA 0x41000ULL
#define USED_GPA 0x42000ULL
#define BUF_GPA 0x50000ULL
#define PRIVATE_GPA 0x10000ULL

static struct guest_mem gm;
static struct virtq vq;
static struct virtq_chain ch;
static uint64_t mapped_size; /* gm.hva is an mmap of this size, not a calloc */

static struct virtq_desc *desc(unsigned int i)
{
	return (struct virtq_desc *)(gm.hva + DESC_GPA) + i;
}

static struct virtq_avail *avail(void)
{
	return (struct virtq_avail *)(gm.hva + AVAIL_GPA);
}

static struct virtq_used *used(void)
{
	return (struct virtq_used *)(gm.hva + USED_GPA);
}

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc(i)->addr = addr;
	desc(i)->len = len;
	desc(i)->flags = flags;
	desc(i)->next = next;
}

/* Make chain `head` available, as a driver does (ring entry, then idx). */
static void post(uint16_t head)
{
	avail()->ring[avail()->idx & (vq.size - 1)] = head;
	avail()->idx++;
}

static void queue_config(uint32_t num)
{
	vq.num = num;
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
}

static int setup_size(uint32_t num)
{
	memset(&gm, 0, sizeof(gm));
	gm.hva = calloc(1, RAM_SIZE);
	if (!gm.hva)
		return -1;
	gm.size = RAM_SIZE;
	gm.shared_gpa = SHARED_GPA;
	gm.shared_size = SHARED_SIZE;
	gm.encrypted = true;
	virtq_init(&vq, &gm, "test queue", 256);
	queue_config(num);
	return virtq_enable(&vq);
}

static int setup8(void **state)
{
	return setup_size(8);
}

static int setup4(void **state)
{
	return setup_size(4);
}

static int teardown(void **state)
{
	if (mapped_size)
		munmap(gm.hva, mapped_size);
	else
		free(gm.hva);
	mapped_size = 0;
	gm.hva = NULL;
	return 0;
}

/*
 * Enable a fresh queue with these rings: it must fail with `err`, stay not
 * ready, and be broken until reset.
 */
static void expect_enable_fails(uint32_t num, uint64_t d, uint64_t a, uint64_t u, int err)
{
	virtq_reset(&vq);
	vq.num = num;
	vq.desc_gpa = d;
	vq.avail_gpa = a;
	vq.used_gpa = u;
	assert_int_equal(virtq_enable(&vq), err);
	assert_false(vq.ready);
	assert_true(vq.broken);
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
	assert_int_equal(virtq_enable(&vq), -EIO);
}

static void test_enable_ok(void **state)
{
	assert_true(vq.ready);
	assert_false(vq.broken);
	assert_int_equal(vq.size, 8);
	assert_int_equal(used()->idx, 0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

static void test_enable_bad_size(void **state)
{
	static const uint32_t bad[] = { 0, 3, 6, 12, 100, 255, 512, 0x10000, 0xffffffff };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		virtq_reset(&vq);
		queue_config(bad[i]);
		assert_int_equal(virtq_enable(&vq), -EINVAL);
		assert_false(vq.ready);
	}
	/* Every power of two up to num_max is fine. */
	for (uint32_t n = 1; n <= 256; n *= 2) {
		virtq_reset(&vq);
		queue_config(n);
		assert_int_equal(virtq_enable(&vq), 0);
		assert_int_equal(vq.size, n);
	}
}

static void test_enable_misaligned(void **state)
{
	expect_enable_fails(8, DESC_GPA + 8, AVAIL_GPA, USED_GPA, -EINVAL); /* desc needs 16 */
	expect_enable_fails(8, DESC_GPA, AVAIL_GPA + 1, USED_GPA, -EINVAL); /* avail needs 2 */
	expect_enable_fails(8, DESC_GPA, AVAIL_GPA, USED_GPA + 2, -EINVAL); /* used needs 4 */

	/* The weakest alignment each ring allows is accepted. */
	virtq_reset(&vq);
	queue_config(8);
	vq.desc_gpa = DESC_GPA + 16;
	vq.avail_gpa = AVAIL_GPA + 2;
	vq.used_gpa = USED_GPA + 4;
	assert_int_equal(virtq_enable(&vq), 0);
}

static void test_enable_outside_memory(void **state)
{
	/* Outside RAM altogether. */
	expect_enable_fails(8, RAM_SIZE, AVAIL_GPA, USED_GPA, -EFAULT);
	/* In private memory (encrypted: the device cannot read it). */
	expect_enable_fails(8, DESC_GPA, PRIVATE_GPA, USED_GPA, -EFAULT);
	/* The used ring (70 bytes) straddles the end of the shared window by 2. */
	expect_enable_fails(8, DESC_GPA, AVAIL_GPA, SHARED_GPA + SHARED_SIZE - 68, -EFAULT);
	/* The whole ring must fit: a table of 256 whose start is in the window. */
	expect_enable_fails(256, SHARED_GPA + SHARED_SIZE - 16 * 255, AVAIL_GPA, USED_GPA, -EFAULT);
	/* The avail ring's trailing used_event counts too (2.6.6). */
	expect_enable_fails(8, DESC_GPA, SHARED_GPA + SHARED_SIZE - 4 - 2 * 8, USED_GPA, -EFAULT);
	/* An address whose end wraps around 2^64. */
	expect_enable_fails(8, 0xfffffffffffffff0ULL, AVAIL_GPA, USED_GPA, -EFAULT);

	/* Exactly at the end of the window is fine. */
	virtq_reset(&vq);
	queue_config(8);
	vq.desc_gpa = SHARED_GPA + SHARED_SIZE - virtq_desc_bytes(8);
	vq.avail_gpa = SHARED_GPA + SHARED_SIZE - virtq_avail_bytes(8);
	assert_int_equal(virtq_enable(&vq), 0);
}

static void test_pop_not_ready(void **state)
{
	virtq_disable(&vq);
	set_desc(0, BUF_GPA, 16, 0, 0);
	post(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

static void test_pop_single(void **state)
{
	set_desc(3, BUF_GPA, 100, 0, 0);
	post(3);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(ch.head, 3);
	assert_int_equal(ch.nr_out, 1);
	assert_int_equal(ch.nr_in, 0);
	assert_int_equal(ch.out_len, 100);
	assert_ptr_equal(ch.iov[0].base, gm.hva + BUF_GPA);
	assert_int_equal(ch.iov[0].len, 100);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

static void test_pop_mixed_chain(void **state)
{
	set_desc(5, BUF_GPA, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF_GPA + 0x100, 20, VIRTQ_DESC_F_NEXT, 7);
	set_desc(7, BUF_GPA + 0x200, 30, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	set_desc(0, BUF_GPA + 0x300, 40, VIRTQ_DESC_F_WRITE, 6); /* next ignored: no NEXT */
	post(5);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(ch.head, 5);
	assert_int_equal(ch.nr_out, 2);
	assert_int_equal(ch.nr_in, 2);
	assert_int_equal(ch.out_len, 30);
	assert_int_equal(ch.in_len, 70);
	assert_ptr_equal(ch.iov[0].base, gm.hva + BUF_GPA);
	assert_ptr_equal(ch.iov[1].base, gm.hva + BUF_GPA + 0x100);
	assert_ptr_equal(ch.iov[2].base, gm.hva + BUF_GPA + 0x200);
	assert_ptr_equal(ch.iov[3].base, gm.hva + BUF_GPA + 0x300);
	assert_int_equal(ch.iov[3].len, 40);
}

static void test_zero_length_descriptor(void **state)
{
	/* A zero-length descriptor touches no memory: any address is fine, it is not listed. */
	set_desc(0, 0xdeadbeef00000000ULL, 0, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF_GPA, 8, 0, 0);
	post(0);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(ch.nr_out, 1);
	assert_int_equal(ch.out_len, 8);
}

static void test_chain_of_queue_size(void **state)
{
	/* All 8 descriptors in one chain is the longest legal chain. */
	for (unsigned int i = 0; i < 8; i++)
		set_desc(i, BUF_GPA + i * 16, 16, i < 7 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	post(0);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(ch.nr_out, 8);
	assert_int_equal(ch.out_len, 128);
}

static void expect_pop_fails(int err)
{
	uint16_t last = vq.last_avail;

	assert_int_equal(virtq_pop(&vq, &ch), err);
	assert_true(vq.broken);
	assert_int_equal(vq.last_avail, last);
	/* Broken until reset: no second walk of the same bad chain. */
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
}

static void test_self_loop(void **state)
{
	set_desc(2, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	post(2);
	expect_pop_fails(-EINVAL);
}

static void test_cycle(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_chain_longer_than_queue(void **state)
{
	/* 0 -> 1 -> ... -> 7 -> 3: nine hops on a queue of eight. */
	for (unsigned int i = 0; i < 8; i++)
		set_desc(i, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, i < 7 ? i + 1 : 3);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_cycle_of_zero_length(void **state)
{
	/* Loops without buffers must be caught too. */
	set_desc(4, 0, 0, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, 0, 0, VIRTQ_DESC_F_NEXT, 4);
	post(4);
	expect_pop_fails(-EINVAL);
}

static void test_next_out_of_range(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 8);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_next_far_out_of_range(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0xffff);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_head_out_of_range(void **state)
{
	post(8);
	expect_pop_fails(-EINVAL);
}

static void test_buffer_outside_ram(void **state)
{
	set_desc(0, RAM_SIZE, 1, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_buffer_straddles_ram_end(void **state)
{
	gm.shared_size = RAM_SIZE - SHARED_GPA; /* so that only the RAM bound applies */
	set_desc(0, RAM_SIZE - 4, 8, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_buffer_private(void **state)
{
	/* In RAM but outside the shared window: refused under SEV... */
	set_desc(0, PRIVATE_GPA, 64, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);

	/* ...and without it, so that such a firmware bug shows on any machine. */
	virtq_reset(&vq);
	gm.encrypted = false;
	queue_config(8);
	assert_int_equal(virtq_enable(&vq), 0);
	avail()->idx = 0;
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_buffer_straddles_window(void **state)
{
	set_desc(0, SHARED_GPA + SHARED_SIZE - 8, 16, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_buffer_starts_below_window(void **state)
{
	set_desc(0, SHARED_GPA - 8, 16, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_length_overflow(void **state)
{
	/* addr + len wraps to a small number inside the window. */
	set_desc(0, 0xffffffffffff0000ULL, 0x50000 + 0x10000, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_length_overflow_second(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, UINT64_MAX, 2, 0, 0);
	post(0);
	expect_pop_fails(-EFAULT);
}

static void test_avail_idx_jump(void **state)
{
	set_desc(0, BUF_GPA, 16, 0, 0);
	avail()->ring[0] = 0;
	avail()->idx = 9; /* 9 new entries on a queue of 8 */
	expect_pop_fails(-EINVAL);
}

static void test_avail_idx_full_is_fine(void **state)
{
	for (unsigned int i = 0; i < 8; i++) {
		set_desc(i, BUF_GPA, 16, 0, 0);
		post(i);
	}
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(virtq_pop(&vq, &ch), 1);
		assert_int_equal(ch.head, i);
	}
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

static void test_avail_idx_backwards(void **state)
{
	set_desc(0, BUF_GPA, 16, 0, 0);
	post(0);
	post(0);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	avail()->idx = 1; /* takes back an entry we consumed: 65535 "new" ones */
	expect_pop_fails(-EINVAL);
}

static void test_writable_before_readable(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, BUF_GPA + 16, 16, 0, 0);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_indirect(void **state)
{
	set_desc(0, BUF_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_indirect_in_chain(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_chain_over_4g(void **state)
{
	/* Needs more than 4 GiB of "RAM": reserve it, never touch it. */
	const uint64_t size = 5ULL << 30;
	uint8_t *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (big == MAP_FAILED)
		skip();
	free(gm.hva);
	gm.hva = big;
	mapped_size = size;
	gm.size = size;
	gm.shared_gpa = 0;
	gm.shared_size = size;
	virtq_reset(&vq);
	queue_config(8);
	assert_int_equal(virtq_enable(&vq), 0);
	/* Each buffer is in RAM; together they exceed what used->len can say. */
	set_desc(0, 0x100000, 0xffffffff, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, 0x100000, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_pop_fails(-EINVAL);
}

static void test_push(void **state)
{
	set_desc(6, BUF_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	post(6);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
	assert_int_equal(virtq_push(&vq, ch.head, 12), 0);
	assert_int_equal(used()->idx, 1);
	assert_int_equal(used()->ring[0].id, 6);
	assert_int_equal(used()->ring[0].len, 12);
}

static void test_push_bad(void **state)
{
	assert_int_equal(virtq_push(&vq, 8, 0), -EINVAL);
	assert_int_equal(used()->idx, 0);
	virtq_disable(&vq);
	assert_int_equal(virtq_push(&vq, 0, 0), -EINVAL);
}

/*
 * Round trips through index wrap-around: a driver that keeps its own
 * free-running counters checks each used element as it would.
 */
static void round_trips(unsigned int rounds)
{
	uint16_t drv_used = used()->idx;
	uint32_t seed = 1;

	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int n;

		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 16) % vq.size; /* 1..size chains this round */
		for (unsigned int i = 0; i < n; i++) {
			set_desc(i, BUF_GPA + i * 64, 64, VIRTQ_DESC_F_WRITE, 0);
			post(i);
		}
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(virtq_pop(&vq, &ch), 1);
			assert_int_equal(ch.head, i);
			assert_int_equal(virtq_push(&vq, ch.head, r & 0xffff), 0);
		}
		assert_int_equal(virtq_pop(&vq, &ch), 0);
		assert_int_equal((uint16_t)(used()->idx - drv_used), n);
		for (unsigned int i = 0; i < n; i++, drv_used++) {
			struct virtq_used_elem *e = &used()->ring[drv_used & (vq.size - 1)];

			assert_int_equal(e->id, i);
			assert_int_equal(e->len, r & 0xffff);
		}
	}
	assert_int_equal(used()->idx, vq.used_idx);
	assert_int_equal(avail()->idx, vq.last_avail);
}

static void test_wrap_many(void **state)
{
	/* About 2.5 rounds of 65536 entries with queue size 4. */
	round_trips(70000);
	assert_false(vq.broken);
}

static void test_wrap_from_near_max(void **state)
{
	/* A driver whose rings start at 65533 (as after long uptime). */
	avail()->idx = 65533;
	used()->idx = 65533;
	vq.last_avail = 65533;
	vq.used_idx = 65533;
	round_trips(10);
	/* Entries pending right across the wrap. */
	avail()->idx = 65534;
	vq.last_avail = 65534;
	for (unsigned int i = 0; i < 4; i++) {
		set_desc(i, BUF_GPA, 8, 0, 0);
		post(i);
	}
	assert_int_equal(avail()->idx, 2);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(virtq_pop(&vq, &ch), 1);
		assert_int_equal(ch.head, i);
	}
	assert_int_equal(vq.last_avail, 2);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	/* And too many across the wrap is still too many. */
	avail()->idx = (uint16_t)(vq.last_avail + 5);
	expect_pop_fails(-EINVAL);
}

static void test_reset_clears_broken(void **state)
{
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	post(0);
	expect_pop_fails(-EINVAL);
	virtq_reset(&vq);
	assert_false(vq.broken);
	assert_false(vq.ready);
	queue_config(4);
	assert_int_equal(virtq_enable(&vq), 0);
	memset(avail(), 0, virtq_avail_bytes(4));
	set_desc(0, BUF_GPA, 16, 0, 0);
	post(0);
	assert_int_equal(virtq_pop(&vq, &ch), 1);
}

static void test_iov_copy(void **state)
{
	uint8_t a[3], b[5], c[2], out[16];
	struct virtq_iov iov[3] = { { a, 3 }, { b, 5 }, { c, 2 } };
	const uint8_t src[10] = "0123456789";

	assert_int_equal(virtq_buf_to_iov(iov, 3, 0, src, 10), 10);
	assert_memory_equal(a, "012", 3);
	assert_memory_equal(b, "34567", 5);
	assert_memory_equal(c, "89", 2);
	assert_int_equal(virtq_iov_to_buf(iov, 3, 2, out, 5), 5);
	assert_memory_equal(out, "23456", 5);
	assert_int_equal(virtq_iov_to_buf(iov, 3, 7, out, 16), 3);
	assert_memory_equal(out, "789", 3);
	assert_int_equal(virtq_iov_to_buf(iov, 3, 10, out, 16), 0);
	assert_int_equal(virtq_buf_to_iov(iov, 3, 4, "xyz", 3), 3);
	assert_memory_equal(b, "3xyz7", 5);
	assert_int_equal(virtq_buf_to_iov(iov, 3, 9, "PQ", 2), 1);
	assert_memory_equal(c, "8P", 2);
}

#define T8(f) cmocka_unit_test_setup_teardown(f, setup8, teardown)
#define T4(f) cmocka_unit_test_setup_teardown(f, setup4, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T8(test_enable_ok),
		T8(test_enable_bad_size),
		T8(test_enable_misaligned),
		T8(test_enable_outside_memory),
		T8(test_pop_not_ready),
		T8(test_pop_single),
		T8(test_pop_mixed_chain),
		T8(test_zero_length_descriptor),
		T8(test_chain_of_queue_size),
		T8(test_self_loop),
		T8(test_cycle),
		T8(test_chain_longer_than_queue),
		T8(test_cycle_of_zero_length),
		T8(test_next_out_of_range),
		T8(test_next_far_out_of_range),
		T8(test_head_out_of_range),
		T8(test_buffer_outside_ram),
		T8(test_buffer_straddles_ram_end),
		T8(test_buffer_private),
		T8(test_buffer_straddles_window),
		T8(test_buffer_starts_below_window),
		T8(test_length_overflow),
		T8(test_length_overflow_second),
		T8(test_avail_idx_jump),
		T8(test_avail_idx_full_is_fine),
		T8(test_avail_idx_backwards),
		T8(test_writable_before_readable),
		T8(test_indirect),
		T8(test_indirect_in_chain),
		T8(test_chain_over_4g),
		T8(test_push),
		T8(test_push_bad),
		T4(test_wrap_many),
		T4(test_wrap_from_near_max),
		T8(test_reset_clears_broken),
		T8(test_iov_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
