// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gc.c: sctplb gc, the expiry sweep (user/lib/gc.h has the rules): once, or
 * every S seconds until SIGTERM/SIGINT, to run as a service.  The timeouts
 * are read from settings before every sweep, so 'sctplb config
 * idle-timeout ...' applies to a running gc.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "err.h"
#include "gc.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "gc: removed ..." (or one JSON object); cfg gives the timeouts shown. */
static void print_gc_result(const struct gc_result *r, const struct sctplb_config *cfg)
{
	if (g.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "assocs_scanned", json_object_new_int64(r->assocs_scanned));
		json_object_object_add(o, "assocs_closed", json_object_new_int64(r->assocs_closed));
		json_object_object_add(o, "assocs_idle", json_object_new_int64(r->assocs_idle));
		json_object_object_add(o, "assocs_orphan", json_object_new_int64(r->assocs_owned));
		json_object_object_add(o, "assoc_ctags", json_object_new_int64(r->ctags));
		json_object_object_add(o, "client_index", json_object_new_int64(r->clients));
		json_object_object_add(o, "handshakes", json_object_new_int64(r->handshakes));
		json_object_object_add(o, "snat_flows", json_object_new_int64(r->snat_flows));
		json_object_object_add(o, "handshakes_scanned", json_object_new_int64(r->handshakes_scanned));
		json_object_object_add(o, "idle_timeout_s", json_object_new_int64(gc_idle_ns(cfg) / 1000000000ull));
		json_object_object_add(o, "closing_grace_s", json_object_new_int64(gc_grace_ns(cfg) / 1000000000ull));
		json_object_object_add(o, "handshake_timeout_s",
				       json_object_new_int64(gc_handshake_ns(cfg) / 1000000000ull));
		print_json(o);
		json_object_put(o);
		return;
	}
	printf("gc: removed %u association%s (%u ended past the %llu s grace, %u idle over %llu s, "
	       "%u of deleted backends), %u assoc_ctags, %u client_index, %u snat_flows, %u handshake%s "
	       "(older than %llu s); %u associations and %u handshakes scanned\n",
	       r->assocs_closed + r->assocs_idle + r->assocs_owned,
	       r->assocs_closed + r->assocs_idle + r->assocs_owned == 1 ? "" : "s", r->assocs_closed,
	       (unsigned long long)(gc_grace_ns(cfg) / 1000000000ull), r->assocs_idle,
	       (unsigned long long)(gc_idle_ns(cfg) / 1000000000ull), r->assocs_owned, r->ctags,
	       r->clients, r->snat_flows, r->handshakes, r->handshakes == 1 ? "" : "s",
	       (unsigned long long)(gc_handshake_ns(cfg) / 1000000000ull), r->assocs_scanned,
	       r->handshakes_scanned);
	fflush(stdout);
}

static int sweep_once(bool quiet_if_nothing)
{
	struct sctplb_config cfg;
	struct gc_result r;
	struct lb_maps m;
	int err;

	/* Locked: the sweep rebuilds a generation of each key filter, which
	 * no other rebuild or attach's fill may overlap (include/sctplb.h).
	 * A filter whose pin is missing (removed by hand) is made, as attach
	 * makes it, so that the sweeps go on (gc_loop takes -ENOENT for
	 * "nothing configured yet"); pins of an older ABI are refused with
	 * "attach upgrades them". */
	err = need_root() ? -EPERM :
			    lb_maps_open(&m, g.pin_path, LB_OPEN_LOCK | LB_OPEN_COMPLETE, &g.sizes);
	if (err)
		return err;
	err = lb_settings_read(&m, &cfg);
	if (!err)
		err = gc_sweep(&m, now_monotonic_ns(), &cfg, &r);
	lb_maps_close(&m);
	if (!err && !(quiet_if_nothing && gc_total(&r) == 0))
		print_gc_result(&r, &cfg);
	return err;
}

int gc_loop(const struct cmd_args *a, int (*once)(bool quiet_if_nothing), const char *what)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double interval = 0;
	const char *v;
	char *end;
	int err;

	if ((v = arg_opt(a, "interval"))) {
		interval = strtod(v, &end);
		if (!*v || *end || interval < 0.1 || interval > 86400) {
			fprintf(stderr, "Error: --interval %s: give the time between sweeps in seconds, "
				"0.1 to 86400\n", v);
			return -EINVAL;
		}
	}
	if (need_root())
		return -EPERM;
	if (!interval)
		return once(false);
	/* No SA_RESTART: the signal ends the sleep at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!g.json)
		printf("gc: sweeping %s every %g s until SIGTERM or SIGINT\n", what, interval);
	fflush(stdout);
	while (!stop) {
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - (time_t)interval) * 1e9) };

		err = once(!g.verbose);
		if (err && err != -ENOENT)
			fprintf(stderr, "Warning: sweep failed (%s); trying again in %g s\n",
				lb_err_msg() ? lb_err_msg() : strerror(-err), interval);
		lb_err_clear();         /* reported, or no maps yet (-ENOENT): not an error here */
		while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (!g.json)
		printf("gc: stopped\n");
	return 0;
}

int do_gc(const struct cmd_args *a)
{
	return gc_loop(a, sweep_once, g.pin_path);
}
