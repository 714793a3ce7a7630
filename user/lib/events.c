// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* events.c: events written by user space into the datapath's stream; see events.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctl.h"
#include "err.h"
#include "events.h"
#include "health.h"

static bool warned;

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
	fd = lb_ctl_prog(m, LB_CTL_EVENT_EMIT);
	if ((fd < 0 || bpf_prog_test_run_opts(fd, &o) || o.retval) && !warned) {
		warned = true;
		fprintf(stderr, "Warning: cannot write 'expired' events into %s/events (%s): "
			"sctplb monitor will not show them; attach sctplb again to create the "
			"event stream\n", m->dir, fd < 0 ? lb_err_msg() : strerror(errno));
	}
	if (fd < 0)
		lb_err_clear(); /* a missing event stream never fails a sweep */
}
