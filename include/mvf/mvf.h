/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* mvf device interface: everything. */
#ifndef _MVF_H
#define _MVF_H

#include "mvf_pci.h"
#include "mvf_desc.h"
#include "mvf_admin.h"
#include "mvf_image.h"
#include "mvf_stream.h"

#endif /* _MVF_H */
