// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ctl.c: the control programs; see ctl.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctl.h"
#include "err.h"
#include "sctplb.skel.h"

static const char *const names[LB_CTL_N] = {
	[LB_CTL_EVENT_EMIT] = "sctplb_event_emit",
	[LB_CTL_TABLE_DELETE] = "sctplb_table_delete",
};

/* The maps whose identity a program's binding depends on. */
static const enum lb_map_id uses[LB_CTL_N][5] = {
	[LB_CTL_EVENT_EMIT] = { LB_SETTINGS, LB_EVENTS, LB_EVENT_TOKENS, LB_STATS, LB_MAP_N },
	[LB_CTL_TABLE_DELETE] = { LB_SETTINGS, LB_HANDSHAKES, LB_PENDING, LB_PENDING_CTAGS,
				  LB_MAP_N },
};

static struct {
	int fd[LB_CTL_N];       /* loaded, bound to the maps of ids[] */
	__u32 ids[LB_MAP_N];
	int use[LB_CTL_N];      /* lb_ctl_use_prog's */
} ctl = { { -1, -1 }, { 0 }, { -1, -1 } };

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

static bool same_maps(const struct lb_maps *m, enum lb_ctl_prog p)
{
	int i;

	for (i = 0; uses[p][i] != LB_MAP_N; i++)
		if (!ctl.ids[uses[p][i]] || map_id(m->fd[uses[p][i]]) != ctl.ids[uses[p][i]])
			return false;
	return true;
}

static int load(const struct lb_maps *m)
{
	struct bpf_program *prog;
	struct sctplb *skel;
	int err = 0, i, fd[LB_CTL_N];

	skel = lb_skel_open();
	if (!skel)
		return -errno;
	for (i = 0; i < LB_MAP_N && !err; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, lb_map_names[i]);

		err = map ? bpf_map__reuse_fd(map, m->fd[i]) : -ENOENT;
		if (err)
			lb_err(err, "cannot bind the control programs to %s/%s: %s", m->dir,
			       lb_map_names[i], strerror(-err));
	}
	bpf_object__for_each_program(prog, skel->obj) {
		bool ctl_prog = false;

		for (i = 0; i < LB_CTL_N; i++)
			ctl_prog |= !strcmp(bpf_program__name(prog), names[i]);
		bpf_program__set_autoload(prog, ctl_prog);
	}
	if (!err && (err = sctplb__load(skel)))
		lb_err(err, "cannot load the control programs: %s; they need root and "
		       "BPF_PROG_TYPE_SYSCALL (Linux 5.14 or later)", strerror(-err));
	for (i = 0; i < LB_CTL_N; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, names[i]);
		fd[i] = err || !prog ? -1 : dup(bpf_program__fd(prog));
		if (!err && fd[i] < 0)
			err = lb_err(-EIO, "the BPF object has no program %s: the build is broken",
				     names[i]);
	}
	sctplb__destroy(skel);
	for (i = 0; i < LB_CTL_N; i++) {
		if (err) {
			if (fd[i] >= 0)
				close(fd[i]);
			continue;
		}
		if (ctl.fd[i] >= 0)
			close(ctl.fd[i]);
		ctl.fd[i] = fd[i];
	}
	for (i = 0; i < LB_MAP_N && !err; i++)
		ctl.ids[i] = map_id(m->fd[i]);
	return err;
}

int lb_ctl_prog(const struct lb_maps *m, enum lb_ctl_prog p)
{
	int err;

	if (ctl.use[p] >= 0)
		return ctl.use[p];
	if (ctl.fd[p] >= 0 && same_maps(m, p))
		return ctl.fd[p];
	err = load(m);
	return err ? err : ctl.fd[p];
}

void lb_ctl_use_prog(enum lb_ctl_prog p, int prog_fd)
{
	ctl.use[p] = prog_fd;
}
