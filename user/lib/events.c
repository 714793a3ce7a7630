// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* events.c: events written by user space into the datapath's stream; see events.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "err.h"
#include "events.h"
#include "health.h"
#include "sctplb.skel.h"

#define EMIT_PROG "sctplb_event_emit"

static int emit_fd = -1;
static char emit_dir[LB_PIN_PATH_MAX];
static bool warned;

void lb_events_use_prog(int prog_fd)
{
	emit_fd = prog_fd;
	emit_dir[0] = 0;
}

/* sctplb_event_emit bound to the maps under dir, loaded once; -1 if it cannot be. */
static int emit_prog(const char *dir)
{
	struct bpf_program *p;
	struct sctplb *skel;
	int fd = -1;

	if (emit_fd >= 0 && (!emit_dir[0] || !strcmp(emit_dir, dir)))
		return emit_fd;
	if (dir[0] != '/')
		return -1;      /* maps not pinned (a test's own): nothing to bind to */
	skel = sctplb__open();
	if (!skel)
		return -1;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), EMIT_PROG));
	if (lb_maps_bind_obj(skel->obj, dir) == 0 && sctplb__load(skel) == 0)
		fd = dup(bpf_program__fd(skel->progs.sctplb_event_emit));
	sctplb__destroy(skel);
	lb_err_clear();         /* a missing event stream never fails a sweep */
	if (fd >= 0) {
		if (emit_fd >= 0 && emit_dir[0])
			close(emit_fd);
		emit_fd = fd;
		snprintf(emit_dir, sizeof(emit_dir), "%s", dir);
	}
	return fd;
}

void lb_event_expired(const struct lb_maps *m, const struct sctplb_assoc_key *k,
		      const struct sctplb_assoc *a, __u8 why)
{
	struct sctplb_event e = {
		.kind = SCTPLB_EV_EXPIRED,
		.service_id = k->service_id,
		.backend_id = a->backend_id,
		.vtag = k->vtag,
		.ctag = a->ctag,
		.cport = k->cport,
		.sport = k->sport,
		.path = SCTPLB_EV_NO_PATH,
		.from_path = SCTPLB_EV_NO_PATH,
		.detail = why,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &e, .ctx_size_in = sizeof(e));
	__u32 last = 0;
	int i, fd;

	/* As the datapath names an association: its path seen last. */
	for (i = 0; i < SCTPLB_MAX_PATHS; i++) {
		if (!a->path[i].family || a->path[i].seen < last)
			continue;
		last = a->path[i].seen;
		e.path = i;
		e.client = lb_assoc_client(a, i);
	}
	fd = emit_prog(m->dir);
	if (fd < 0 && m->dir[0] != '/')
		return;         /* a test's unpinned maps */
	if ((fd < 0 || bpf_prog_test_run_opts(fd, &o) || o.retval) && !warned) {
		warned = true;
		fprintf(stderr, "Warning: cannot write 'expired' events into %s/events (%s): "
			"sctplb monitor will not show them; attach sctplb again to create the "
			"event stream\n", m->dir, fd < 0 ? "no event program" : strerror(errno));
	}
}
