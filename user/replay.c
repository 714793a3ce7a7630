// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include "cmd.h"

int cmd_replay(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "Error: not yet\n");
	return -ENOSYS;
}
