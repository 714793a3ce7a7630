// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* err.c: the library's error message; see err.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "err.h"

static __thread char msg[LB_ERR_LEN];
static __thread bool set;

int lb_err(int code, const char *fmt, ...)
{
	char buf[LB_ERR_LEN];  /* fmt's arguments may be the current message */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s", buf);
	set = true;
	return code;
}

const char *lb_err_msg(void)
{
	return set ? msg : NULL;
}

void lb_err_clear(void)
{
	set = false;
	msg[0] = 0;
}
