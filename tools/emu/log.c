// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: diagnostics to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void emu_err(const char *fmt, ...)
{
	char line[512] = "mvf-emu: ";
	size_t n = strlen(line);
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
	line[n++] = '\n';
	/* One write per line so lines of concurrent writers do not mix. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
