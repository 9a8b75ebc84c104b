// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: interrupt eventfds (see irq.h). */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "irq.h"

void irq_init(struct irq_table *t, unsigned int msix_count)
{
	unsigned int i, v;

	for (i = 0; i < IRQ_NR_INDEX; i++)
		for (v = 0; v < IRQ_MAX_VEC; v++)
			t->fd[i][v] = -1;
	for (i = 0; i < IRQ_NR_INDEX; i++)
		t->count[i] = 0;
	t->count[IRQ_INTX] = 1;
	/*
	 * One ERR vector, as the kernel's vfio-pci offers for PCIe functions:
	 * with 0 QEMU warns "Could not enable error recovery".  Never raised.
	 */
	t->count[IRQ_ERR] = 1;
	t->count[IRQ_MSIX] = msix_count < IRQ_MAX_VEC ? msix_count : IRQ_MAX_VEC;
	t->raised = 0;
	t->lost = 0;
}

void irq_clear(struct irq_table *t)
{
	unsigned int i, v;

	for (i = 0; i < IRQ_NR_INDEX; i++)
		for (v = 0; v < IRQ_MAX_VEC; v++)
			irq_set_fd(t, i, v, -1);
}

void irq_set_fd(struct irq_table *t, unsigned int index, unsigned int vec,
		int fd)
{
	if (index >= IRQ_NR_INDEX || vec >= IRQ_MAX_VEC) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (t->fd[index][vec] >= 0)
		close(t->fd[index][vec]);
	t->fd[index][vec] = fd;
}

int irq_raise(struct irq_table *t, unsigned int index, unsigned int vec)
{
	uint64_t one = 1;

	if (index >= IRQ_NR_INDEX || vec >= t->count[index] ||
	    t->fd[index][vec] < 0) {
		t->lost++;
		return -ENODEV;
	}
	/* An eventfd write only fails if the counter would overflow. */
	if (write(t->fd[index][vec], &one, sizeof(one)) != sizeof(one)) {
		t->lost++;
		return -errno;
	}
	t->raised++;
	return 0;
}
