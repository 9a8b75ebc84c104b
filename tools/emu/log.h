/* SPDX-License-Identifier: GPL-2.0 */
/* mvf-emu: diagnostics to stderr. */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stdbool.h>

/* Print "mvf-emu: <message>\n" to stderr. */
void emu_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Same, only if @verbose. */
#define emu_dbg(verbose, ...)			\
	do {					\
		if (verbose)			\
			emu_err(__VA_ARGS__);	\
	} while (0)

#endif
