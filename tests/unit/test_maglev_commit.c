// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_maglev_commit: a configuration change that switches a service's
 * Maglev table and then fails (the commit's injected failure,
 * SCTPLB_FAIL_AFTER) leaves the table the datapath had: the rollback
 * switches back.  On maps pinned under a bpffs directory unique to the run,
 * removed on exit (needs root and BPF).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "maglev.h"
#include "model.h"
#include "pinned.h"
#include "pins.h"
#include "report.h"

#define M SCTPLB_MAGLEV_SIZE

/* One service, its backends named in names (comma-separated). */
static int model_of(const char *names, struct lb_model *md)
{
	char text[2048], err[256], list[64], *tok, *save = NULL;
	size_t n = 0;
	int i = 0;

	snprintf(list, sizeof(list), "%s", names);
	n += snprintf(text + n, sizeof(text) - n, "{\"services\": [{\"name\": \"s\", \"vips\": "
		      "[\"192.0.2.10\"], \"port\": 3868, \"backends\": [");
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++)
		n += snprintf(text + n, sizeof(text) - n, "%s{\"name\": \"%s\", \"addrs\": "
			      "[\"198.51.100.%d\"]}", i ? ", " : "", tok, 10 + i);
	snprintf(text + n, sizeof(text) - n, "]}]}");
	if (lb_config_parse(text, md, err, sizeof(err))) {
		fprintf(stderr, "test_maglev_commit: %s\n", err);
		return -1;
	}
	return 0;
}

/* Commits want over what the maps hold; the commit's return. */
static int commit(struct lb_maps *m, const char *names)
{
	struct lb_commit_stats st;
	struct lb_model cur, want;
	int err;

	if (lb_model_read(m, &cur))
		return -EIO;
	if (model_of(names, &want)) {
		lb_model_free(&cur);
		return -EINVAL;
	}
	err = lb_commit(m, &cur, &want, &st);
	lb_model_free(&cur);
	lb_model_free(&want);
	return err;
}

static __u32 t1[M], now_t[M];

int main(void)
{
	struct lb_maps m;
	__u32 sid = 1, g1 = 0, g;
	int n, err, rolled = 0, switched_back = 0, bad = 0, done = -1;

	pins_dir_make("mc");
	if (lb_maps_open(&m, pins_dir, LB_OPEN_CREATE | LB_OPEN_LOCK,
			 &(struct lb_sizes){ .assocs = 1024 })) {
		tr_report(0, "commit_setup", "maps under %s: %s", pins_dir, lb_err_msg());
		return 1;
	}
	/* be1..be3; then be3 removed and be4 added: the table switches
	 * (step 5) and writes follow it (step 6: be3's entries). */
	err = commit(&m, "be1,be2,be3");
	if (!err)
		err = maglev_read(m.fd[LB_MAGLEV], sid, t1, &g1);
	if (err) {
		tr_report(0, "commit_setup", "first commit or read: %d %s", err, lb_err_msg());
		return 1;
	}
	/* Fail at every write in turn until the change goes through. */
	for (n = 0; n < 64 && done < 0; n++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", n);
		setenv("SCTPLB_FAIL_AFTER", v, 1);
		err = commit(&m, "be1,be2,be4");
		unsetenv("SCTPLB_FAIL_AFTER");
		if (!err) {
			done = n;
			break;
		}
		rolled++;
		if (maglev_read(m.fd[LB_MAGLEV], sid, now_t, &g) || memcmp(now_t, t1, sizeof(t1)))
			bad++;
		else if (g != g1)
			switched_back++;        /* installed, then undone */
		g1 = g;
	}
	tr_report(done > 0 && !bad && switched_back > 0, "commit_rollback_keeps_table",
		  "%d failed commits rolled back (%d after the switch), %d left another table; "
		  "the change went through with SCTPLB_FAIL_AFTER=%d (it makes fewer writes)", rolled,
		  switched_back, bad, done);
	err = maglev_read(m.fd[LB_MAGLEV], sid, now_t, &g);
	tr_report(!err && memcmp(now_t, t1, sizeof(t1)) != 0 && g == g1 + 1, "commit_switches_table",
		  "the committed change: err %d, table %s, generation %u -> %u", err,
		  memcmp(now_t, t1, sizeof(t1)) ? "switched" : "unchanged", g1, g);
	lb_maps_close(&m);
	return tr_failures ? 1 : 0;
}
