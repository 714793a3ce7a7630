/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Stands in for libbpf's bpf_helpers.h in the fuzzers: see ../fake_bpf.h. */
#include "../fake_bpf.h"
