/* SPDX-License-Identifier: MIT */
/*
 * What every firmware file needs: types, compiler helpers, the tiny libc,
 * printf, per-CPU identity and the ways a run ends.
 */
#ifndef FW_H
#define FW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "minisev/abi.h"

#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __aligned(n) __attribute__((aligned(n)))
#define __used __attribute__((used))
#define __unused __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define PAGE_SIZE 4096ULL

/* Compiler-only barrier: x86 keeps stores in order and loads in order. */
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* lib.c: what GCC may call even in freestanding code, and a few more. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* CRC-32 (IEEE 802.3, as zlib's crc32()), continued from `crc` (0 to start). */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

/* printf.c: %d %i %u %x %X %p %s %c %%, l/ll/z, width, '0' and '-' flags. */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* main.c / boot.c */
extern struct minisev_boot_info fw_boot; /* validated private copy */
extern unsigned int fw_nr_cpus; /* vCPUs per boot info, 1..FW_MAX_CPUS */
bool fw_sev_active(void);
bool fw_sev_es_active(void);

/* Linker-script symbols. */
extern char __fw_start[], __fw_load_end[], __fw_end[];
extern char __bss_start[], __bss_end[];
extern char __stacks_start[], __stacks_end[];

/* Index of the CPU that runs this code: which per-CPU stack we are on. */
static inline unsigned int this_cpu(void)
{
	uint64_t rsp;

	__asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
	return (unsigned int)((rsp - (uint64_t)__stacks_start) >> FW_STACK_SHIFT);
}

/* Stack bounds of `cpu`, for backtraces and the smp test. */
static inline uint64_t cpu_stack_base(unsigned int cpu)
{
	return (uint64_t)__stacks_start + (uint64_t)cpu * FW_STACK_SIZE;
}

/*
 * Write the verdict (MINISEV_EXIT_*) to the exit port.  The VMM stops the
 * whole VM on it; should it not, this CPU parks.
 */
void __noreturn fw_exit(uint32_t verdict);
/* Print "Bail out! <msg>" when the console works, then exit as a crash. */
void __noreturn fw_panic(const char *fmt, ...) __printf(1, 2);
/*
 * End the run as a crash.  Under SEV-ES that is a GHCB termination
 * request in reason set FW_TERM_SET with `reason` (layout.h), else the
 * crash verdict on the exit port.
 */
void __noreturn fw_crash(unsigned int reason);

/* Time stamp counter, for bounded waits (no exit to the VMM). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Control registers: reads do not exit, not even under SEV-ES. */
#define DEFINE_READ_CR(n)                                             \
	static inline uint64_t read_cr##n(void)                       \
	{                                                             \
		uint64_t v;                                           \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                             \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_MP (1ULL << 1)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_NE (1ULL << 5)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_NW (1ULL << 29)
#define X86_CR0_CD (1ULL << 30)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_CR4_OSFXSR (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)

/*
 * Budget for "bounded" waits, in TSC ticks.  The TSC rate is unknown, so
 * this is generous: about 8 s at 1 GHz, still finite under nested
 * emulation where a guest second is many host seconds.
 */
#define FW_WAIT_TSC (8ULL << 30)

#endif /* FW_H */
