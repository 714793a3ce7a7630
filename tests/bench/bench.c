/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb-bench: the figures of docs/bench.md.  A benchmark, never a test: it
 * fails only when something cannot be measured, never for being slow.
 *
 *   sctplb-bench micro --json FILE   sections 1-4 (BPF_PROG_TEST_RUN in a
 *                                    private network namespace)
 *   sctplb-bench e2e ...             section 5, one mode for a bounded time
 *                                    (tests/bench/run.sh drives it)
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "micro"))
		return micro_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "e2e"))
		return e2e_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: sctplb-bench micro [--json FILE] [--quick]\n"
			"       sctplb-bench e2e --mode kernel|lb ... (see tests/bench/run.sh)\n");
	return 2;
}
