/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bpffs pin directory private to one test run: pins_dir_make names it
 * (/sys/fs/bpf/sctplb-test-TAG-PID-N) and arranges that it and every pin in
 * it are removed at exit and on SIGINT/SIGTERM, pass or fail.
 */
#ifndef SCTPLB_TEST_PINS_H
#define SCTPLB_TEST_PINS_H

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char pins_dir[128];

static void pins_remove(void)
{
	struct dirent *e;
	char p[512];
	DIR *d;

	if (!pins_dir[0] || !(d = opendir(pins_dir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", pins_dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(pins_dir);
}

static void pins_on_signal(int sig)
{
	pins_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Names the run's directory (not created) and returns it. */
static inline const char *pins_dir_make(const char *tag)
{
	snprintf(pins_dir, sizeof(pins_dir), "/sys/fs/bpf/sctplb-test-%s-%d-%d", tag, getpid(),
		 rand() % 100000);
	atexit(pins_remove);
	signal(SIGINT, pins_on_signal);
	signal(SIGTERM, pins_on_signal);
	return pins_dir;
}

#endif
