/* SPDX-License-Identifier: MIT */
/* Messages, fatal errors and small helpers shared by the whole VMM. */
#ifndef MINISEV_UTIL_H
#define MINISEV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define __must_check __attribute__((warn_unused_result))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

/* Verbosity: 0 quiet, 1 normal (default), 2 every step (-v). */
extern int log_level;
/* No message at all, errors included: the fuzz targets, whose guests err by the million. */
#define LOG_SILENT (-1)

/* All messages go to stderr so that stdout carries only guest output. */
void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(const char *fmt, ...) __printf(1, 2);
void pr_debug(const char *fmt, ...) __printf(1, 2);
/* Print "minisev: <msg>" and exit with `status` (MINISEV_STATUS_*). */
void __noreturn die_status(int status, const char *fmt, ...) __printf(2, 3);
#define die(...) die_status(MINISEV_STATUS_VMM, __VA_ARGS__)

/* Monotonic clock in nanoseconds, for the timings report. */
uint64_t now_ns(void);

/*
 * Parse a size such as "256M", "1G", "4096" or "64k".  Returns 0 and
 * stores bytes, or -EINVAL on garbage, overflow or an empty string.
 */
int __must_check parse_size(const char *s, uint64_t *out);
/* Parse an unsigned integer (decimal or 0x hex) within [min, max]. */
int __must_check parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Read a whole file; *len gets its size.  NULL and errno on failure. */
void *read_file(const char *path, size_t max, size_t *len);

/*
 * The option getopt() just refused, for a message: "-x" for a short one
 * (also inside a cluster such as "-qx", where argv[optind - 1] is not it),
 * else the long one as written.  `buf` holds the short form.
 */
const char *getopt_bad_option(char buf[3], char *const argv[]);
/*
 * Write a file atomically (temporary file in the same directory, fsync,
 * rename), so that an interrupted run never leaves a half-written file.
 */
int __must_check write_file_atomic(const char *path, const void *buf, size_t len,
				   unsigned int mode);

/* The value of a hexadecimal digit, or -1. */
int hex_digit(int c);

/* CRC-32 (IEEE 802.3, as zlib's crc32()), continued from `crc`. */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif /* MINISEV_UTIL_H */
