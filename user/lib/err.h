/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * err.h: the one way the library reports an error.  A function that fails
 * returns a negative errno and, through lb_err(), leaves one message: what
 * failed and what to do next.  Nothing in user/lib writes to stderr; the
 * command prints the message once (main.c), or takes it into its own when
 * it adds context, or drops it when the failure is expected.
 *
 * The message is per thread, like errno; lb_err() replaces an earlier one,
 * so a caller that adds context reads it first (lb_err_msg) and sets its
 * own.  A message of a failure that was handled must be cleared
 * (lb_err_clear), so that it is never printed for a later one.
 */
#ifndef SCTPLB_ERR_H
#define SCTPLB_ERR_H

#define LB_ERR_LEN 1024

/* Sets the message (printf format) and returns code (a negative errno). */
int lb_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of the last lb_err() not cleared, or NULL. */
const char *lb_err_msg(void);
void lb_err_clear(void);

#endif
