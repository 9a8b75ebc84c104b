/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: one function's interrupt eventfds, as assigned by vfio-user
 * DEVICE_SET_IRQS.  Raising vector N of an index writes 1 to its eventfd;
 * MSI-X masking and the MSI-X table are emulated by QEMU.
 */
#ifndef EMU_IRQ_H
#define EMU_IRQ_H

#include <stdint.h>

/* vfio-pci IRQ indices (VFIO_PCI_*_IRQ_INDEX). */
enum irq_index {
	IRQ_INTX,
	IRQ_MSI,
	IRQ_MSIX,
	IRQ_ERR,
	IRQ_REQ,
	IRQ_NR_INDEX,
};

#define IRQ_MAX_VEC	32

struct irq_table {
	unsigned int count[IRQ_NR_INDEX];	/* vectors per index */
	int fd[IRQ_NR_INDEX][IRQ_MAX_VEC];	/* eventfd or -1 */
	uint64_t raised;	/* interrupts delivered (for tests, logs) */
	uint64_t lost;		/* raised with no eventfd assigned */
};

/* INTx 1 vector, MSI none, MSI-X @msix_count, ERR 1, REQ none. */
void irq_init(struct irq_table *t, unsigned int msix_count);

/* Close all eventfds. */
void irq_clear(struct irq_table *t);

/* Give vector @vec of @index the eventfd @fd (< 0: none); closes the old. */
void irq_set_fd(struct irq_table *t, unsigned int index, unsigned int vec,
		int fd);

/* Signal vector @vec of @index.  0, or -ENODEV if it has no eventfd. */
int irq_raise(struct irq_table *t, unsigned int index, unsigned int vec);

#endif
