// SPDX-License-Identifier: MIT
#include <string.h>
#include <unistd.h>

#include "serial.h"

/* Register offsets and bits (PC16550D data sheet; Linux's serial_reg.h). */
#define UART_RX_TX 0 /* RBR/THR, or DLL with LCR.DLAB */
#define UART_IER 1 /* or DLM with LCR.DLAB */
#define UART_IIR 2 /* reads IIR, writes FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define IIR_NO_INT 0x01
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

static void flush_locked(struct serial *s)
{
	const char *p = s->line;
	unsigned int left = s->len;

	while (left) {
		ssize_t n = write(s->out_fd, p, left);

		if (n <= 0)
			break; /* the console's reader went away: drop, the guest runs on */
		p += n;
		left -= n;
	}
	s->len = 0;
}

void serial_flush(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	flush_locked(s);
	pthread_mutex_unlock(&s->lock);
}

static void put_char(struct serial *s, char c)
{
	s->line[s->len++] = c;
	s->bytes++;
	if (c == '\n' || s->len == sizeof(s->line))
		flush_locked(s);
}

/*
 * Modem status: in loopback the outputs come back as inputs (DTR->DSR,
 * RTS->CTS, OUT1->RI, OUT2->DCD), which the 8250 driver's probe checks;
 * otherwise a connected modem: CTS, DSR and DCD.
 */
static uint8_t msr(const struct serial *s)
{
	if (s->mcr & MCR_LOOP)
		return ((s->mcr & 0x1) << 5) | ((s->mcr & 0x2) << 3) | ((s->mcr & 0x4) << 4) |
		       ((s->mcr & 0x8) << 4);
	return 0xb0;
}

static int serial_read(struct bus_dev *dev, uint64_t off, void *data, uint32_t len)
{
	struct serial *s = dev->priv;
	uint8_t v = 0;

	pthread_mutex_lock(&s->lock);
	switch (off) {
	case UART_RX_TX:
		v = s->lcr & LCR_DLAB ? s->dll : 0; /* nothing is ever received */
		break;
	case UART_IER:
		v = s->lcr & LCR_DLAB ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = IIR_NO_INT; /* no FIFO: the driver then treats it as a 16450 */
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT; /* transmits instantly */
		break;
	case UART_MSR:
		v = msr(s);
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	memset(data, v, len);
	return 0;
}

static int serial_write(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len)
{
	struct serial *s = dev->priv;
	uint8_t v = *(const uint8_t *)data;

	pthread_mutex_lock(&s->lock);
	switch (off) {
	case UART_RX_TX:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else if (!(s->mcr & MCR_LOOP))
			put_char(s, v);
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB)
			s->dlm = v;
		else
			s->ier = v & 0x0f;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break; /* FCR, and the read-only LSR/MSR */
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static const struct bus_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

void serial_init(struct serial *s, uint16_t base, int out_fd)
{
	memset(s, 0, sizeof(*s));
	s->bus.name = "serial";
	s->bus.base = base;
	s->bus.size = SERIAL_NR_REGS;
	s->bus.ops = &serial_ops;
	s->bus.priv = s;
	s->out_fd = out_fd;
	pthread_mutex_init(&s->lock, NULL);
}
