/* SPDX-License-Identifier: MIT */
/*
 * A 16550A-compatible UART at COM1 (0x3f8), output only: what Linux's
 * 8250 driver needs to find the port and write its console to it
 * (console=ttyS0, earlyprintk=serial), so that a kernel that fails
 * before its virtio console is up still says why.  No interrupt line:
 * the kernel console polls the transmitter, and nothing is ever received.
 */
#ifndef MINISEV_SERIAL_H
#define MINISEV_SERIAL_H

#include <pthread.h>
#include <stdint.h>

#include "bus.h"

#define SERIAL_COM1 0x3f8
#define SERIAL_NR_REGS 8

struct serial {
	struct bus_dev bus; /* bus.priv is this */
	pthread_mutex_t lock; /* every vCPU may touch the port */
	int out_fd;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	/* A line at a time to out_fd: one write(2) per character would cost more than the exit. */
	char line[256];
	unsigned int len;
	uint64_t bytes;
};

void serial_init(struct serial *s, uint16_t base, int out_fd);
/* Write out what is buffered (at the end of the run). */
void serial_flush(struct serial *s);

#endif /* MINISEV_SERIAL_H */
