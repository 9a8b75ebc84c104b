/* SPDX-License-Identifier: GPL-2.0 */
/* Freestanding stand-in for <assert.h>: static_assert only. */
#ifndef _L3_SHIM_ASSERT_H
#define _L3_SHIM_ASSERT_H
#ifndef static_assert
#define static_assert _Static_assert
#endif
#endif
