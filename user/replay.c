// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * replay.c: sctplb replay CAPTURE.pcap
 *
 * Runs every packet of a capture through the programs with BPF_PROG_TEST_RUN
 * (repeat = 1, one call per packet, the packet as captured each time) in a
 * second, unpinned instance of the object loaded with sctplb_trace = 1.  The
 * configuration (services, backends, Maglev tables, settings, metadata) is
 * copied from the pinned maps into that instance; the live maps are only
 * read.  The state (handshakes, associations) starts empty and builds up
 * through the capture as it would on a forwarder that saw it all.
 *
 * A packet to a VIP runs through sctplb_xdp, one from a VIP through
 * sctplb_tc_return (a __sk_buff run); anything else through sctplb_xdp.
 * After each run the decision is read from the trace map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "capture.h"
#include "cmd.h"
#include "maglev.h"
#include "model.h"
#include "sctplb.skel.h"

#define TRACE_UNSET 0xffffffffu

/* The VIPs, and the NAT backends' own addresses: a packet from one of them
 * (and to none) is a reply, for the return path. */
struct vipset {
	struct sctplb_addr a[SCTPLB_MAX_VIP_KEYS + SCTPLB_MAX_BACKENDS * SCTPLB_MAX_PATHS];
	size_t n;
};

static bool vip_has(const struct vipset *v, const struct sctplb_addr *a)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (lb_addr_equal(&v->a[i], a))
			return true;
	return false;
}

/* Adds the address of key k to vips (once; as many as it holds). */
static void vip_note(struct vipset *vips, const struct sctplb_vip_key *k)
{
	struct sctplb_addr a = { .family = k->family };

	if (vips->n >= sizeof(vips->a) / sizeof(vips->a[0]))
		return;
	memcpy(a.addr, k->addr, sizeof(a.addr));
	if (!vip_has(vips, &a))
		vips->a[vips->n++] = a;
}

/* Copies every entry of an array map whose value is not all zero. */
static int copy_array(int from, int to, __u32 max, size_t vsize)
{
	unsigned char v[256], zero[256] = {};
	__u32 k;

	for (k = 0; k < max; k++) {
		if (bpf_map_lookup_elem(from, &k, v))
			return -errno;
		if (!memcmp(v, zero, vsize))
			continue;
		if (bpf_map_update_elem(to, &k, v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int copy_config(const struct lb_maps *m, struct sctplb *skel, struct vipset *vips)
{
	struct sctplb_vip_key k, next, *prev = NULL;
	struct sctplb_service sv;
	__u32 sid, *table;
	int err;

	while (bpf_map_get_next_key(m->fd[LB_SERVICES], prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(m->fd[LB_SERVICES], &k, &sv))
			continue;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.services), &k, &sv, BPF_ANY))
			return -errno;
		vip_note(vips, &k);
	}
	/* NAT: the backends' own addresses, where their replies come from. */
	prev = NULL;
	while (bpf_map_get_next_key(m->fd[LB_NAT_BACKENDS], prev, &next) == 0) {
		struct sctplb_nat_backend nb;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(m->fd[LB_NAT_BACKENDS], &k, &nb))
			continue;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.nat_backends), &k, &nb, BPF_ANY))
			return -errno;
		vip_note(vips, &k);
	}
	if ((err = copy_array(m->fd[LB_SVC_NAT], bpf_map__fd(skel->maps.svc_nat),
			      SCTPLB_MAX_SERVICES, sizeof(struct sctplb_svc_nat))) ||
	    (err = copy_array(m->fd[LB_BACKENDS], bpf_map__fd(skel->maps.backends),
			      SCTPLB_MAX_BACKENDS, sizeof(struct sctplb_backend))) ||
	    (err = copy_array(m->fd[LB_SVC_META], bpf_map__fd(skel->maps.svc_meta),
			      SCTPLB_MAX_SERVICES, sizeof(struct sctplb_service_meta))) ||
	    (err = copy_array(m->fd[LB_BE_META], bpf_map__fd(skel->maps.be_meta),
			      SCTPLB_MAX_BACKENDS, sizeof(struct sctplb_backend_meta))) ||
	    (err = copy_array(m->fd[LB_SETTINGS], bpf_map__fd(skel->maps.settings), 1,
			      sizeof(struct sctplb_config))))
		return err;
	table = calloc(SCTPLB_MAGLEV_SIZE, sizeof(*table));
	if (!table)
		return -ENOMEM;
	for (sid = 1; sid < SCTPLB_MAX_SERVICES && !err; sid++) {
		err = maglev_read(m->fd[LB_MAGLEV], sid, table, NULL);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (!err)
			err = maglev_install(bpf_map__fd(skel->maps.maglev), sid, table);
	}
	free(table);
	return err;
}

/* IP source and destination of an Ethernet frame (one VLAN tag skipped). */
static bool ip_addrs(const unsigned char *f, size_t len, struct sctplb_addr *src,
		     struct sctplb_addr *dst)
{
	size_t off = 12;
	__u16 proto;

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (len < 14)
		return false;
	memcpy(&proto, f + off, 2);
	off += 2;
	if (proto == htons(ETH_P_8021Q) || proto == htons(ETH_P_8021AD)) {
		if (len < off + 4)
			return false;
		memcpy(&proto, f + off + 2, 2);
		off += 4;
	}
	if (proto == htons(ETH_P_IP) && len >= off + 20) {
		src->family = dst->family = SCTPLB_AF_INET;
		memcpy(src->addr, f + off + 12, 4);
		memcpy(dst->addr, f + off + 16, 4);
		return true;
	}
	if (proto == htons(ETH_P_IPV6) && len >= off + 40) {
		src->family = dst->family = SCTPLB_AF_INET6;
		memcpy(src->addr, f + off + 8, 16);
		memcpy(dst->addr, f + off + 24, 16);
		return true;
	}
	return false;
}

static const char *xdp_verdict(__u32 v)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					 "XDP_REDIRECT" };

	return v < 5 ? n[v] : "XDP_?";
}

static const char *tc_verdict(int v)
{
	switch (v) {
	case TC_ACT_UNSPEC: return "TC_ACT_UNSPEC";
	case TC_ACT_OK: return "TC_ACT_OK";
	case TC_ACT_SHOT: return "TC_ACT_SHOT";
	case TC_ACT_STOLEN: return "TC_ACT_STOLEN";
	case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
	case TC_ACT_PIPE: return "TC_ACT_PIPE";
	}
	return "TC_ACT_?";
}

/* "ADDR:PORT>ADDR:PORT" of an Ethernet frame's SCTP packet (the inner ports
 * under UDP encapsulation), or "" when it is none. */
static void transport(const unsigned char *f, size_t len, char *buf, size_t blen)
{
	char sa[LB_ADDRSTRLEN], da[LB_ADDRSTRLEN];
	struct sctplb_addr src, dst;
	size_t off = 14;
	__u8 proto;
	__u16 proto_l2;

	buf[0] = 0;
	if (!ip_addrs(f, len, &src, &dst))
		return;
	memcpy(&proto_l2, f + 12, 2);
	if (proto_l2 == htons(ETH_P_8021Q) || proto_l2 == htons(ETH_P_8021AD))
		off += 4;
	if (src.family == SCTPLB_AF_INET) {
		proto = f[off + 9];
		off += (f[off] & 0xf) * 4;
	} else {
		proto = f[off + 6];
		off += 40;
	}
	if (proto == 17)
		off += 8;
	else if (proto != 132)
		return;
	if (off + 4 > len)
		return;
	snprintf(buf, blen, "%s%s%s:%u>%s%s%s:%u", src.family == SCTPLB_AF_INET6 ? "[" : "",
		 lb_addr_fmt(&src, sa, sizeof(sa)), src.family == SCTPLB_AF_INET6 ? "]" : "",
		 f[off] << 8 | f[off + 1], dst.family == SCTPLB_AF_INET6 ? "[" : "",
		 lb_addr_fmt(&dst, da, sizeof(da)), dst.family == SCTPLB_AF_INET6 ? "]" : "",
		 f[off + 2] << 8 | f[off + 3]);
}

/* One line (or JSON object) for packet n: the program's verdict and its decision;
 * leaves: the packet's transport addresses as it leaves, when NAT changed them. */
static void print_decision(unsigned long n, bool ret, const char *verdict,
			   struct sctplb_decision *d, const struct lb_model *md, const char *leaves)
{
	const struct lb_service_cfg *s;
	const struct lb_backend_cfg *b;
	const char *reason;

	if (d->reason == TRACE_UNSET) {
		reason = "untraced";
		memset(d, 0, sizeof(*d));       /* nothing of it is shown */
	} else {
		reason = d->reason < SCTPLB_STAT_MAX ? stat_names[d->reason] : "?";
	}
	s = d->service_id ? lb_model_service_by_id(md, d->service_id) : NULL;
	b = d->backend_id ? lb_model_backend_by_id(md, 0, d->backend_id) : NULL;
	if (g.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "n", json_object_new_int64(n));
		json_object_object_add(o, "dir", json_object_new_string(ret ? "return" : "in"));
		json_object_object_add(o, "verdict", json_object_new_string(verdict));
		json_object_object_add(o, "service", s ? json_object_new_string(s->name) : NULL);
		json_object_object_add(o, "backend", b ? json_object_new_string(b->name) : NULL);
		json_object_object_add(o, "path", d->service_id ? json_object_new_int(d->path) : NULL);
		json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_object_add(o, "service_id", json_object_new_int64(d->service_id));
		json_object_object_add(o, "backend_id", json_object_new_int64(d->backend_id));
		json_object_object_add(o, "vtag", json_object_new_uint64(d->vtag));
		if (leaves[0])
			json_object_object_add(o, "leaves", json_object_new_string(leaves));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		char path[8] = "-";

		if (d->service_id)
			snprintf(path, sizeof(path), "%u", d->path);
		printf("%-5lu %-6s %-15s service=%-12s backend=%-12s path=%-2s reason=%s%s%s\n", n,
		       ret ? "return" : "in", verdict, s ? s->name : "-", b ? b->name : "-", path, reason,
		       leaves[0] ? " leaves=" : "", leaves);
	}
}

int do_replay(const struct cmd_args *a)
{
	static unsigned char out[LB_CAPTURE_MAX_FRAME + 512];
	const char *file = a->pos[0];
	char errbuf[512];
	struct sctplb *skel = NULL;
	struct bpf_program *prog;
	const unsigned char *frame;
	size_t len;
	struct vipset *vips = NULL;
	struct lb_model md;
	struct lb_maps m;
	struct lb_capture *pc;
	unsigned long n = 0;
	int err, rc;

	pc = lb_capture_open(file, errbuf, sizeof(errbuf));
	if (!pc) {
		fprintf(stderr, "Error: %s\n", errbuf);
		return -EINVAL;
	}
	err = open_model(&m, false, &md);
	if (err)
		goto out_pcap;
	skel = lb_skel_open();
	if (!skel) {
		err = -errno;
		goto out_maps;
	}
	skel->rodata->sctplb_trace = 1;
	/* Only the two programs a packet runs through: each costs the verifier about a
	 * second, and the others would not run. */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.sctplb_xdp ||
						      prog == skel->progs.sctplb_tc_return);
	err = sctplb__load(skel);
	if (err) {
		fprintf(stderr, "Error: loading the programs for replay failed: %s%s\n", strerror(-err),
			g.quiet ? " (run without --quiet for the verifier's log)" : "");
		goto out_skel;
	}
	vips = calloc(1, sizeof(*vips));
	if (!vips) {
		err = -ENOMEM;
		goto out_skel;
	}
	err = copy_config(&m, skel, vips);
	if (err) {
		fprintf(stderr, "Error: copying the configuration from %s failed: %s\n", m.dir,
			strerror(-err));
		goto out_skel;
	}
	while ((rc = lb_capture_next(pc, &frame, &len, errbuf, sizeof(errbuf))) == 1) {
		struct sctplb_decision d = { .reason = TRACE_UNSET };
		char before[2 * LB_ADDRSTRLEN + 24], leaves[2 * LB_ADDRSTRLEN + 24];
		struct sctplb_addr src, dst;
		bool ret;
		int fd;
		__u32 zero = 0;
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, topts);

		n++;
		if (len == 0)
			continue;
		ip_addrs(frame, len, &src, &dst);
		ret = !vip_has(vips, &dst) && vip_has(vips, &src);
		fd = bpf_program__fd(ret ? skel->progs.sctplb_tc_return : skel->progs.sctplb_xdp);
		bpf_map_update_elem(bpf_map__fd(skel->maps.trace), &zero, &d, BPF_ANY);
		topts.data_in = (void *)frame;
		topts.data_size_in = len;
		topts.data_out = out;
		topts.data_size_out = sizeof(out);
		topts.repeat = 1;
		if (bpf_prog_test_run_opts(fd, &topts)) {
			err = -errno;
			fprintf(stderr, "Error: packet %lu: BPF_PROG_TEST_RUN failed: %s\n", n,
				strerror(-err));
			break;
		}
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.trace), &zero, &d);
		transport(frame, len, before, sizeof(before));
		transport(out, topts.data_size_out, leaves, sizeof(leaves));
		if (!strcmp(before, leaves))
			leaves[0] = 0;
		print_decision(n, ret, ret ? tc_verdict((int)topts.retval) : xdp_verdict(topts.retval),
			       &d, &md, leaves);
	}
	if (rc < 0) {
		fprintf(stderr, "Error: %s: %s\n", file, errbuf);
		err = -EIO;
	}
	fflush(stdout);
out_skel:
	free(vips);
	sctplb__destroy(skel);
out_maps:
	lb_model_free(&md);
	lb_maps_close(&m);
out_pcap:
	lb_capture_close(pc);
	return err;
}
