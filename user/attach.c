// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * attach.c: attach, detach and status.
 *
 * XDP goes through libxdp (a dispatcher), so that sctplb shares an interface
 * with other XDP programs; the attachment is pinned by libxdp and needs no
 * running process.  tc programs (--tc, --return) are direct-action filters at
 * clsact ingress with a fixed handle and priority, which is how detach and
 * status recognise them.  Every load binds the pinned maps first: an
 * upgraded program finds the associations of the old one.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "cmd.h"
#include "err.h"
#include "gc.h"
#include "sctplb.skel.h"

#define XDP_PROG_NAME "sctplb_xdp"

/* tc filters of sctplb: handle and priority at clsact ingress. */
#define TC_HANDLE_INGRESS 0x5c7b
#define TC_PRIO_INGRESS   0x5c7b
#define TC_HANDLE_RETURN  0x5c7c
#define TC_PRIO_RETURN    0x5c7c

enum hook { HOOK_XDP, HOOK_TC, HOOK_RETURN };

/* The two tc filters, as detach and status name them. */
static const struct tc_filter {
	__u32 handle, prio;
	const char *hook;       /* status */
	const char *role;       /* detach */
} tc_filters[] = {
	{ TC_HANDLE_INGRESS, TC_PRIO_INGRESS, "tc", "clients" },
	{ TC_HANDLE_RETURN, TC_PRIO_RETURN, "return", "return path" },
};

static const char *mode_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE: return "native";
	case XDP_MODE_SKB: return "generic";
	case XDP_MODE_HW: return "hw";
	default: return "auto";
	}
}

static int ifindex_of(const char *ifname)
{
	int idx = if_nametoindex(ifname);

	if (!idx)
		fprintf(stderr, "Error: no interface named '%s' in this network namespace; "
			"see 'ip link' (inside a namespace, run sctplb with nsenter --net=...)\n", ifname);
	return idx;
}

/* Root, then the interface's index: > 0, or -EPERM / -ENODEV (printed). */
static int root_ifindex(const char *ifname)
{
	int idx;

	if (need_root())
		return -EPERM;
	idx = ifindex_of(ifname);
	return idx ? idx : -ENODEV;
}

struct xdp_found {
	bool legacy;            /* a lone program, no libxdp dispatcher */
	char other[64];         /* a program that is not sctplb's, if any */
	__u32 other_id;
};

/*
 * Ids (up to max) of sctplb XDP programs on ifindex; *mode gets their mode,
 * f (if given) what else is there.
 */
static int find_xdp(int ifindex, __u32 *ids, int max, enum xdp_attach_mode *mode,
		       struct xdp_found *f)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int n = 0;

	log_expected_failures(true);    /* nothing attached is an answer too */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	log_expected_failures(false);

	if (f)
		memset(f, 0, sizeof(*f));
	if (!mp || libxdp_get_error(mp))
		return 0;
	*mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (f)
			f->legacy = true;
		if (p && !strcmp(xdp_program__name(p), XDP_PROG_NAME) && n < max)
			ids[n++] = xdp_program__id(p);
		else if (p && f) {
			snprintf(f->other, sizeof(f->other), "%s", xdp_program__name(p));
			f->other_id = xdp_program__id(p);
		}
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (!strcmp(xdp_program__name(p), XDP_PROG_NAME) && n < max)
				ids[n++] = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return n;
}

/* Detaches the sctplb XDP program with id from ifindex. */
static int detach_xdp_id(int ifindex, __u32 id)
{
	struct xdp_multiprog *mp;
	enum xdp_attach_mode mode;
	struct xdp_program *p;
	int err = -ENOENT;

	/* libxdp tries its dispatcher for what remains first (refused by some kernels) */
	log_expected_failures(true);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp)) {
		log_expected_failures(false);
		return -ENOENT;
	}
	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && xdp_program__id(p) == id)
			err = xdp_program__detach(p, ifindex, mode, 0);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == id) {
				err = xdp_program__detach(p, ifindex, mode, 0);
				break;
			}
	}
	xdp_multiprog__close(mp);
	log_expected_failures(false);
	return err;
}

/* The id of the sctplb tc program at (ifindex, handle, prio), or 0. */
static __u32 tc_query(int ifindex, __u32 handle, __u32 prio)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	/* No qdisc, no chain, no filter: the kernel says so, libbpf warns; it only means "none". */
	log_expected_failures(true);
	err = bpf_tc_query(&hook, &opts);
	log_expected_failures(false);
	if (err || !opts.prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || strncmp(info.name, "sctplb_tc", 9))
		opts.prog_id = 0;
	close(fd);
	return opts.prog_id;
}

static int tc_detach(int ifindex, __u32 handle, __u32 prio)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
	int err;

	log_expected_failures(true);      /* callers check with tc_query, or do not mind "none" */
	err = bpf_tc_detach(&hook, &opts);
	log_expected_failures(false);
	return err;
}

static struct sctplb *open_bound(struct lb_maps *m, const char *prog)
{
	struct sctplb *skel = lb_skel_open();
	struct bpf_program *p;

	if (!skel)
		return NULL;
	if (lb_maps_bind_obj(skel->obj, m->dir)) {
		sctplb__destroy(skel);
		return NULL;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	return skel;
}

/* open_bound, then loaded: *skel to destroy in any case (NULL if not opened). */
static int load_bound(struct lb_maps *m, const char *prog, struct sctplb **skel)
{
	int err;

	*skel = open_bound(m, prog);
	if (!*skel)
		return -EINVAL;
	err = sctplb__load(*skel);
	if (err)
		fprintf(stderr, "Error: loading %s failed: %s%s\n", prog, strerror(-err),
			g.quiet ? " (run without --quiet for the verifier's log)" : "");
	return err;
}

/*
 * The tracepoint programs that count XDP redirects refused after the
 * decision (bpf/lib/event.h, the redirect_errs map, `sctplb metrics`): one
 * attachment per host, pinned beside the maps as links (redirect_err_link,
 * devmap_xmit_link), so that no process needs to run; an attach that finds
 * them leaves them.  They never affect forwarding: a kernel that refuses
 * them gets a warning.
 */
static const char *const trace_progs[][2] = {
	{ "sctplb_redirect_err", "redirect_err_link" },
	{ "sctplb_devmap_xmit", "devmap_xmit_link" },
};

static void attach_redirect_trace(struct lb_maps *m)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(trace_progs) / sizeof(trace_progs[0]); i++) {
		struct bpf_link *link = NULL;
		struct sctplb *skel;
		int err;

		snprintf(path, sizeof(path), "%s/%s", m->dir, trace_progs[i][1]);
		if (access(path, F_OK) == 0)
			continue;
		err = load_bound(m, trace_progs[i][0], &skel);
		if (!err) {
			link = bpf_program__attach(bpf_object__find_program_by_name(skel->obj,
										   trace_progs[i][0]));
			err = link ? bpf_link__pin(link, path) : -errno;
		}
		if (err)
			fprintf(stderr, "Warning: cannot attach %s (%s): refused XDP redirects will "
				"not be counted (sctplb_xdp_redirect_errors_total)\n", trace_progs[i][0],
				strerror(-err));
		if (link)
			bpf_link__disconnect(link); /* the pin keeps it attached */
		bpf_link__destroy(link);
		sctplb__destroy(skel);
	}
}

/*
 * Upgrade of a lone sctplb program (libxdp fell back to one program per
 * interface, e.g. when the kernel refuses its dispatcher): the new program
 * replaces the old one in one step (XDP_FLAGS_REPLACE), no packet unserved.
 */
static int replace_legacy(struct lb_maps *m, const char *ifname, int ifindex, __u32 old_id,
			  enum xdp_attach_mode mode)
{
	DECLARE_LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct sctplb *skel;
	__u32 flags = XDP_FLAGS_REPLACE;
	int err, old_fd;

	err = load_bound(m, XDP_PROG_NAME, &skel);
	if (err)
		goto out;
	old_fd = bpf_prog_get_fd_by_id(old_id);
	if (old_fd < 0) {
		err = -errno;
		fprintf(stderr, "Error: the sctplb program %u on %s vanished: %s; attach again\n",
			old_id, ifname, strerror(-err));
		goto out;
	}
	opts.old_prog_fd = old_fd;
	flags |= mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.sctplb_xdp), flags, &opts);
	close(old_fd);
	if (err) {
		fprintf(stderr, "Error: cannot replace the sctplb program on %s: %s\n", ifname,
			strerror(-err));
		goto out;
	}
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.sctplb_xdp), &info, &len);
		printf("sctplb replaced on %s: xdp %s, program id %u (was %u), maps %s\n", ifname,
		       mode_name(mode), info.id, old_id, m->dir);
	}
out:
	sctplb__destroy(skel);
	return err;
}

static int attach_xdp(struct lb_maps *m, const char *ifname, int ifindex,
		      enum xdp_attach_mode mode)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .prog_name = XDP_PROG_NAME);
	enum xdp_attach_mode old_mode = XDP_MODE_UNSPEC, new_mode;
	struct xdp_found found;
	struct xdp_program *prog;
	struct sctplb *skel;
	__u32 old[8], id;
	int nold, i, err;
	char msg[128];

	nold = find_xdp(ifindex, old, 8, &old_mode, &found);
	if (nold && found.legacy && (mode == XDP_MODE_UNSPEC || mode == old_mode))
		return replace_legacy(m, ifname, ifindex, old[0], old_mode);
	if (!nold && found.legacy && found.other_id) {
		fprintf(stderr, "Error: %s already runs XDP program %s (id %u) without a libxdp "
			"dispatcher, so the two cannot share it (libxdp could not load its dispatcher "
			"here, or that program was loaded without libxdp): unload it (xdp-loader "
			"unload %s --all) or attach sctplb with --tc\n", ifname, found.other,
			found.other_id, ifname);
		return -EBUSY;
	}
	/* A mode change cannot overlap: libxdp keeps one mode per interface. */
	if (nold && mode != XDP_MODE_UNSPEC && mode != old_mode) {
		for (i = 0; i < nold; i++)
			detach_xdp_id(ifindex, old[i]);
		nold = 0;
	}
	skel = open_bound(m, XDP_PROG_NAME);
	if (!skel)
		return -EINVAL;
	xopts.obj = skel->obj;
	prog = xdp_program__create(&xopts);
	err = libxdp_get_error(prog);
	if (err) {
		libxdp_strerror(err, msg, sizeof(msg));
		fprintf(stderr, "Error: cannot prepare the XDP program: %s\n", msg);
		goto out;
	}
	if (nold && mode == XDP_MODE_UNSPEC)
		mode = old_mode;
	/* libxdp tries its dispatcher first, then one program per interface: the
	 * failures of the first try are expected (the error below says what to do) */
	log_expected_failures(true);
	err = xdp_program__attach(prog, ifindex, mode, 0);
	log_expected_failures(false);
	if (err) {
		libxdp_strerror(err, msg, sizeof(msg));
		if (mode == XDP_MODE_NATIVE && (err == -EOPNOTSUPP || err == -EINVAL))
			fprintf(stderr, "Error: native XDP not supported on %s (%s); "
				"try --xdp-mode generic, or --tc\n", ifname, msg);
		else if (err == -EEXIST || err == -EBUSY)
			fprintf(stderr, "Error: cannot attach to %s: %s; another XDP program is "
				"attached without libxdp or in another mode (see 'xdp-loader status %s')\n",
				ifname, msg, ifname);
		else
			fprintf(stderr, "Error: cannot attach XDP to %s: %s%s\n", ifname, msg,
				g.verbose ? "" : " (run with --verbose for the loader's log)");
		xdp_program__close(prog);
		goto out;
	}
	id = xdp_program__id(prog);
	/* The new program runs; now remove the one(s) it replaces. */
	for (i = 0; i < nold; i++) {
		int e = detach_xdp_id(ifindex, old[i]);

		if (e)
			fprintf(stderr, "Warning: the previous sctplb program (id %u) on %s could not "
				"be detached (%s); run 'sctplb detach %s' then attach again\n",
				old[i], ifname, strerror(-e), ifname);
	}
	new_mode = mode;
	find_xdp(ifindex, old, 1, &new_mode, NULL);
	printf("sctplb %s %s: xdp %s, program id %u, maps %s\n", nold ? "replaced on" : "attached to",
	       ifname, mode_name(new_mode), id, m->dir);
	xdp_program__close(prog);
out:
	sctplb__destroy(skel);
	return err;
}

/*
 * Attaches (or replaces) sctplb_tc_ingress (HOOK_TC) or sctplb_tc_return.
 * companion: the tc half of an XDP attachment, sctplb_tc_finish, which only
 * finishes what XDP handed over and lets everything else through untouched.
 * *created_hook: this call created the clsact qdisc (for a rollback).
 */
static int attach_tc(struct lb_maps *m, const char *ifname, int ifindex, enum hook h,
		     bool companion, bool *created_hook)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts);
	const char *pname = h == HOOK_RETURN ? "sctplb_tc_return" :
			    companion ? "sctplb_tc_finish" : "sctplb_tc_ingress";
	struct sctplb *skel;
	bool had;
	int err;

	opts.handle = h == HOOK_TC ? TC_HANDLE_INGRESS : TC_HANDLE_RETURN;
	opts.priority = h == HOOK_TC ? TC_PRIO_INGRESS : TC_PRIO_RETURN;
	had = tc_query(ifindex, opts.handle, opts.priority) != 0;
	err = load_bound(m, pname, &skel);
	if (err)
		goto out;
	log_expected_failures(true);      /* EEXIST (the qdisc is there) is the usual case */
	err = bpf_tc_hook_create(&hook);
	log_expected_failures(false);
	if (created_hook)
		*created_hook = !err;
	if (err && err != -EEXIST) {
		fprintf(stderr, "Error: cannot create the clsact qdisc on %s: %s\n", ifname,
			strerror(-err));
		goto out;
	}
	opts.prog_fd = bpf_program__fd(bpf_object__find_program_by_name(skel->obj, pname));
	opts.flags = BPF_TC_F_REPLACE; /* an upgrade swaps the program in one step */
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		fprintf(stderr, "Error: cannot attach %s at tc ingress of %s: %s\n", pname, ifname,
			strerror(-err));
		goto out;
	}
	printf("sctplb %s %s: tc ingress (%s), program id %u, maps %s\n",
	       had ? "replaced on" : "attached to", ifname,
	       h != HOOK_TC ? "return path" : companion ? "finishes XDP's packets with no neighbour entry" :
	       "clients", opts.prog_id, m->dir);
out:
	sctplb__destroy(skel);
	return err;
}

/* Rollback of attach_tc(companion) after XDP failed: the filter, and the qdisc if it made it. */
static void remove_companion(int ifindex, bool created_hook)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	tc_detach(ifindex, TC_HANDLE_INGRESS, TC_PRIO_INGRESS);
	if (created_hook)
		bpf_tc_hook_destroy(&hook);
	fprintf(stderr, "(the tc ingress program attached with it was removed again)\n");
}

int do_attach(const struct cmd_args *a)
{
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	const char *v, *ifname = a->pos[0];
	struct lb_maps m;
	int ifindex, err;
	enum hook h = HOOK_XDP;

	if (arg_opt(a, "tc") && arg_opt(a, "return")) {
		fprintf(stderr, "Error: --tc and --return are two attachments: run attach twice\n");
		return -EINVAL;
	}
	if (arg_opt(a, "tc"))
		h = HOOK_TC;
	if (arg_opt(a, "return"))
		h = HOOK_RETURN;
	if ((v = arg_opt(a, "xdp-mode"))) {
		if (h != HOOK_XDP) {
			fprintf(stderr, "Error: --xdp-mode applies to XDP, not to --tc or --return\n");
			return -EINVAL;
		}
		if (!strcmp(v, "native") || !strcmp(v, "drv"))
			mode = XDP_MODE_NATIVE;
		else if (!strcmp(v, "generic") || !strcmp(v, "skb"))
			mode = XDP_MODE_SKB;
		else if (!strcmp(v, "auto"))
			mode = XDP_MODE_UNSPEC;
		else {
			fprintf(stderr, "Error: --xdp-mode %s: use native, generic or auto\n", v);
			return -EINVAL;
		}
	}
	ifindex = root_ifindex(ifname);
	if (ifindex < 0)
		return ifindex;
	err = open_maps(&m, true);
	if (err)
		return err;
	/* The key filters (include/sctplb.h) hold the bit of every entry of
	 * their tables before these programs read them, and again after they
	 * are in: the programs they replace (an older sctplb's, before a
	 * filter existed) wrote entries without bits until then. */
	err = lb_filters_fill(&m);
	if (err) {
		lb_maps_close(&m);
		return err;
	}
	if (h == HOOK_XDP) {
		/*
		 * XDP passes a packet whose next hop has no neighbour entry with its
		 * decision in the metadata; sctplb_tc_finish at the same interface
		 * finishes it (bpf_redirect_neigh).  tc first: if XDP then fails, the
		 * tc program this attach added is removed again.
		 */
		bool had_tc = tc_query(ifindex, TC_HANDLE_INGRESS, TC_PRIO_INGRESS) != 0, created = false;

		err = attach_tc(&m, ifname, ifindex, HOOK_TC, true, &created);
		if (!err) {
			err = attach_xdp(&m, ifname, ifindex, mode);
			if (err && !had_tc)
				remove_companion(ifindex, created);
		}
	} else {
		err = attach_tc(&m, ifname, ifindex, h, false, NULL);
	}
	if (!err)
		attach_redirect_trace(&m);
	if (!err)
		err = lb_filters_fill(&m);
	lb_maps_close(&m);
	return err;
}

int do_detach(const struct cmd_args *a)
{
	const char *ifname = a->pos[0];
	enum xdp_attach_mode mode;
	int ifindex, n, i, done = 0, err = 0, e;
	__u32 ids[8];
	size_t t;

	ifindex = root_ifindex(ifname);
	if (ifindex < 0)
		return ifindex;
	n = find_xdp(ifindex, ids, 8, &mode, NULL);
	for (i = 0; i < n; i++) {
		e = detach_xdp_id(ifindex, ids[i]);
		if (e) {
			fprintf(stderr, "Error: cannot detach XDP program %u from %s: %s\n", ids[i],
				ifname, strerror(-e));
			err = e;
		} else {
			printf("sctplb detached from %s: xdp %s\n", ifname, mode_name(mode));
			done++;
		}
	}
	for (t = 0; t < sizeof(tc_filters) / sizeof(tc_filters[0]); t++) {
		const struct tc_filter *f = &tc_filters[t];

		if (!tc_query(ifindex, f->handle, f->prio))
			continue;
		e = tc_detach(ifindex, f->handle, f->prio);
		if (e) {
			fprintf(stderr, "Error: cannot detach the tc program (%s) from %s: %s\n", f->role,
				ifname, strerror(-e));
			err = e;
			continue;
		}
		printf("sctplb detached from %s: tc ingress (%s)\n", ifname, f->role);
		done++;
	}
	if (!done && !err) {
		fprintf(stderr, "Error: sctplb is not attached to %s; see 'sctplb status'\n", ifname);
		return -ENOENT;
	}
	return err;
}

static void status_row(struct json_object *arr, const char *ifname, const char *hook,
		       const char *mode, __u32 id)
{
	struct json_object *o;

	if (!g.json) {
		printf("%-16s %-10s %-8s %u\n", ifname, hook, mode, id);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ifname", json_object_new_string(ifname));
	json_object_object_add(o, "hook", json_object_new_string(hook));
	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "prog_id", json_object_new_int64(id));
	json_object_array_add(arr, o);
}

int do_status(const struct cmd_args *a)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	struct if_nameindex *ifs, *it;
	struct lb_maps m;
	int rows = 0;

	(void)a;
	if (need_root()) {
		json_object_put(root);
		json_object_put(arr);
		return -EINVAL;
	}
	ifs = if_nameindex();
	if (!g.json)
		printf("%-16s %-10s %-8s %s\n", "INTERFACE", "HOOK", "MODE", "PROG_ID");
	for (it = ifs; it && it->if_index; it++) {
		enum xdp_attach_mode mode;
		__u32 ids[8], id;
		int n = find_xdp(it->if_index, ids, 8, &mode, NULL), i;
		size_t t;

		for (i = 0; i < n; i++, rows++)
			status_row(arr, it->if_name, "xdp", mode_name(mode), ids[i]);
		for (t = 0; t < sizeof(tc_filters) / sizeof(tc_filters[0]); t++)
			if ((id = tc_query(it->if_index, tc_filters[t].handle, tc_filters[t].prio)))
				status_row(arr, it->if_name, tc_filters[t].hook, "ingress", id), rows++;
	}
	if (ifs)
		if_freenameindex(ifs);
	/* The maps: where, and whether they are usable by this version. */
	if (access(g.pin_path, F_OK) == 0 && lb_maps_open(&m, g.pin_path, 0, NULL) == 0) {
		struct sctplb_config c = {};

		lb_settings_read(&m, &c); /* a zero ABI version says it could not */
		if (g.json) {
			json_object_object_add(root, "pin_path", json_object_new_string(m.dir));
			json_object_object_add(root, "abi_version", json_object_new_int64(c.abi_version));
		} else {
			printf("maps: %s (ABI %u)\n", m.dir, c.abi_version);
		}
		lb_maps_close(&m);
	} else if (!g.json) {
		printf("maps: none under %s\n", g.pin_path);
	}
	lb_err_clear();         /* status shows what it can; no map is no error */
	if (g.json) {
		json_object_object_add(root, "attachments", json_object_get(arr));
		print_json(root);
	} else if (!rows) {
		printf("(sctplb is attached nowhere in this network namespace)\n");
	}
	json_object_put(arr);
	json_object_put(root);
	return 0;
}
