/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The datapath tests' private network and loaded program: see fixture.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sctplb.skel.h"
#include "maglev.h"
#include "fixture.h"
#include "gc.h"
#include "pinned.h"
#include "settable.h"

static const uint8_t MAC_IN[6] = { 0x02, 0, 0, 0, 0x00, 0x10 };
static const uint8_t MAC_OUT[6] = { 0x02, 0, 0, 0, 0x00, 0x20 };

/*
 * The topology, as `ip -batch` lines.  Neighbours: NN = the address's last
 * byte, 0b/6b on FX_IF_IN, 0c/6c on FX_IF_OUT, fe = the gateways.
 */
static const char TOPOLOGY[] =
	"link set lo up\n"
	"link add " FX_IF_IN " address 02:00:00:00:00:10 type veth peer name slb-in-peer\n"
	"link add " FX_IF_OUT " address 02:00:00:00:00:20 type veth peer name slb-out-peer\n"
	"link set " FX_IF_IN " up\n"
	"link set slb-in-peer up\n"
	"link set " FX_IF_OUT " up\n"
	"link set slb-out-peer up\n"
	"addr add 192.0.2.1/25 dev " FX_IF_IN "\n"
	"addr add 2001:db8::1/64 dev " FX_IF_IN " nodad\n"
	"addr add 198.51.100.1/24 dev " FX_IF_OUT "\n"
	"addr add 2001:db8:1::1/64 dev " FX_IF_OUT " nodad\n"
	"neigh add 198.51.100.254 lladdr 02:00:00:00:0c:fe dev " FX_IF_OUT " nud permanent\n"
	"neigh add 2001:db8:1::fe lladdr 02:00:00:00:6c:fe dev " FX_IF_OUT " nud permanent\n"
	"route add 192.0.2.128/25 via 198.51.100.254 dev " FX_IF_OUT "\n"
	"route add 2001:db8:2::/64 via 2001:db8:1::fe dev " FX_IF_OUT "\n"
	"route add unreachable 2001:db8:e::/48\n";

static int ip_batch(const char *lines)
{
	FILE *f = popen("ip -batch -", "w");

	if (!f)
		return -1;
	fputs(lines, f);
	return pclose(f) == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -1;
	err = fputs(text, f) < 0;
	return fclose(f) || err ? -1 : 0;
}

int fx_netns_setup(struct fx *fx)
{
	struct stat before, after;
	char lines[8192], *p = lines;
	int i;

	memset(fx, 0, sizeof(*fx));
	if (stat("/proc/self/ns/net", &before) || unshare(CLONE_NEWNET) ||
	    stat("/proc/self/ns/net", &after) || before.st_ino == after.st_ino) {
		fprintf(stderr, "fixture: cannot enter a new network namespace: %s\n",
			strerror(errno));
		return -1;
	}
	/* From here on, everything happens in the private namespace. */
	p += snprintf(p, sizeof(lines), "%s", TOPOLOGY);
	for (i = 11; i <= 19; i++) {   /* .11-.19 and ::11-::19 (hex) */
		p += sprintf(p, "neigh add 192.0.2.%d lladdr 02:00:00:00:0b:%02x dev %s nud permanent\n",
			     i, i, FX_IF_IN);
		p += sprintf(p, "neigh add 198.51.100.%d lladdr 02:00:00:00:0c:%02x dev %s nud permanent\n",
			     i, i, FX_IF_OUT);
		p += sprintf(p, "neigh add 2001:db8::%x lladdr 02:00:00:00:6b:%02x dev %s nud permanent\n",
			     i + 6, i + 6, FX_IF_IN);
		p += sprintf(p, "neigh add 2001:db8:1::%x lladdr 02:00:00:00:6c:%02x dev %s nud permanent\n",
			     i + 6, i + 6, FX_IF_OUT);
	}
	if (ip_batch(lines) ||
	    write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1")) {
		fprintf(stderr, "fixture: cannot set up the test network\n");
		return -1;
	}
	fx->if_in = if_nametoindex(FX_IF_IN);
	fx->if_out = if_nametoindex(FX_IF_OUT);
	memcpy(fx->mac_in, MAC_IN, 6);
	memcpy(fx->mac_out, MAC_OUT, 6);
	fx->ncpus = libbpf_num_possible_cpus();
	if (!fx->if_in || !fx->if_out || fx->ncpus <= 0) {
		fprintf(stderr, "fixture: interfaces missing\n");
		return -1;
	}
	return 0;
}

int fx_one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		fprintf(stderr, "fixture: cannot stay on CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

bool fx_nexthop(const char *text, struct fx_nexthop *nh)
{
	struct sctplb_addr a = pkt_addr(text);
	const uint8_t *b = (const uint8_t *)a.addr;
	uint8_t last = a.family == SCTPLB_AF_INET ? b[3] : b[15];
	uint8_t kind;
	bool host = (last >= 11 && last <= 19 && a.family == SCTPLB_AF_INET) ||
		    (last >= 0x11 && last <= 0x19 && a.family == SCTPLB_AF_INET6);

	memset(nh, 0, sizeof(*nh));
	nh->addr = text;
	if (a.family == SCTPLB_AF_INET) {
		if (b[0] == 192 && b[1] == 0 && b[2] == 2 && b[3] >= 128) {
			kind = 0x0c, last = 0xfe, nh->out = true;
		} else if (b[0] == 192 && b[1] == 0 && b[2] == 2 && host) {
			kind = 0x0b;
		} else if (b[0] == 198 && b[1] == 51 && b[2] == 100 && host) {
			kind = 0x0c, nh->out = true;
		} else {
			return false;
		}
	} else {
		static const uint8_t net0[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 };
		static const uint8_t net1[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };
		static const uint8_t net2[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0 };

		if (!memcmp(b, net2, 8)) {
			kind = 0x6c, last = 0xfe, nh->out = true;
		} else if (!memcmp(b, net0, 8) && host) {
			kind = 0x6b;
		} else if (!memcmp(b, net1, 8) && host) {
			kind = 0x6c, nh->out = true;
		} else {
			return false;
		}
	}
	nh->mac[0] = 0x02;
	nh->mac[4] = kind;
	nh->mac[5] = last;
	return true;
}

/* A set-associative table of the loaded maps, with the key the fixture made. */
static int fx_settable(struct fx *fx, int fd, struct lb_settable_layout l, struct lb_settable *t)
{
	struct sctplb_config cfg = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fx->settings, &zero, &cfg))
		return -1;
	return lb_settable_init(t, fd, l, cfg.settable_key) ? -1 : 0;
}

int fx_pending(struct fx *fx, struct lb_settable *t)
{
	return fx_settable(fx, fx->pending, LB_SETTABLE_LAYOUT(struct sctplb_pending_set), t);
}

int fx_pending_ctags(struct fx *fx, struct lb_settable *t)
{
	return fx_settable(fx, fx->pending_ctags,
			   LB_SETTABLE_LAYOUT(struct sctplb_pending_ctag_set), t);
}

long fx_pending_count(struct fx *fx)
{
	struct lb_settable t;

	return fx_pending(fx, &t) ? -1 : lb_settable_count(&t);
}

long fx_pending_ctag_count(struct fx *fx)
{
	struct lb_settable t;

	return fx_pending_ctags(fx, &t) ? -1 : lb_settable_count(&t);
}

int fx_clients(struct fx *fx, struct lb_settable *t)
{
	struct lb_settable_layout l;

	/* the table's own layout: two candidate sets a key */
	return lb_settable_layout(LB_CLIENT_INDEX, &l) ?: fx_settable(fx, fx->client_index, l, t);
}

int fx_client_lookup(struct fx *fx, const struct sctplb_client_key *k, struct sctplb_client *v)
{
	struct lb_settable t;

	return fx_clients(fx, &t) || lb_settable_lookup(&t, k, v, NULL) ? -1 : 0;
}

int fx_client_put(struct fx *fx, const struct sctplb_client_key *k, const struct sctplb_client *v)
{
	struct lb_settable t;

	return fx_clients(fx, &t) || lb_settable_put(&t, k, v, sctplb_stamp(fx_now())) ?
		       -1 : 0;
}

long fx_client_count(struct fx *fx)
{
	struct lb_settable t;

	return fx_clients(fx, &t) ? -1 : lb_settable_count(&t);
}

int fx_assoc_lookup(struct fx *fx, const struct sctplb_assoc_key *k, struct sctplb_assoc *a,
		    bool *pending)
{
	bool p = bpf_map_lookup_elem(fx->assocs, k, a) != 0;
	struct lb_settable t;

	if (p && (fx_pending(fx, &t) || lb_settable_lookup(&t, k, a, NULL)))
		return -1;
	if (pending)
		*pending = p;
	return 0;
}

int fx_filter_add(struct fx *fx, int which, const void *key)
{
	struct lb_maps m;

	return fx_lb_maps(fx, &m) || lb_filter_add(&m, which, key) ? -1 : 0;
}

int fx_assoc_put(struct fx *fx, const struct sctplb_assoc_key *k, const struct sctplb_assoc *a,
		 __u64 flags)
{
	return bpf_map_update_elem(fx->assocs, k, a, flags) ||
	       fx_filter_add(fx, LB_FILTER_ASSOC, k) ? -1 : 0;
}

int fx_handshakes(struct fx *fx, struct lb_settable *t)
{
	return fx_settable(fx, fx->handshakes, LB_SETTABLE_LAYOUT(struct sctplb_handshake_set), t);
}

int fx_handshake_lookup(struct fx *fx, const struct sctplb_client_key *k,
			struct sctplb_handshake *h)
{
	struct lb_settable t;

	return fx_handshakes(fx, &t) || lb_settable_lookup(&t, k, h, NULL) ? -1 : 0;
}

long fx_handshake_count(struct fx *fx)
{
	struct lb_settable t;

	return fx_handshakes(fx, &t) ? -1 : lb_settable_count(&t);
}

/*
 * The unconfirmed associations found by Tc through a handshake
 * (lb_pending_by_handshake: the datapath's pending_by_ctag) and not through
 * pending_ctags: with want (service, Tc, ports), the first such association
 * of that Tc (its Ts in *stag); without, all of them counted.
 */
struct by_hs {
	struct lb_settable hs, pctag;
	const struct sctplb_assoc_key *want;
	uint32_t stag;
	long n;
};

static int by_hs_one(const void *key, const void *val, uint32_t stamp, void *arg)
{
	const struct sctplb_assoc_key *k = key;
	const struct sctplb_assoc *a = val;
	struct sctplb_assoc_key ck = *k;
	struct sctplb_ctag_value cv;
	struct by_hs *w = arg;

	(void)stamp;
	ck.vtag = a->ctag;
	if (w->want && (ck.service_id != w->want->service_id || ck.vtag != w->want->vtag ||
			ck.cport != w->want->cport || ck.sport != w->want->sport))
		return 0;
	if (!lb_pending_by_handshake(&w->hs, k, a, NULL, NULL))
		return 0;
	if (!lb_settable_lookup(&w->pctag, &ck, &cv, NULL) && cv.stag == k->vtag)
		return 0; /* pending_ctags has it */
	w->stag = k->vtag;
	w->n++;
	return w->want ? 1 : 0;
}

static long fx_by_handshake(struct fx *fx, const struct sctplb_assoc_key *want, uint32_t *stag)
{
	struct by_hs w = { .want = want };
	struct lb_settable t;

	if (fx_pending(fx, &t) || fx_handshakes(fx, &w.hs) || fx_pending_ctags(fx, &w.pctag) ||
	    lb_settable_walk(&t, by_hs_one, &w) < 0)
		return -1;
	if (stag)
		*stag = w.stag;
	return w.n;
}

long fx_ctag_count(struct fx *fx)
{
	long n = fx_by_handshake(fx, NULL, NULL);

	return n < 0 ? n : fx_count(fx->assoc_ctags) + fx_pending_ctag_count(fx) + n;
}

/* A Tc's association: assoc_ctags, else pending_ctags, else the handshake of
 * one of its client addresses (as the datapath finds it). */
int fx_ctag_lookup(struct fx *fx, const struct sctplb_assoc_key *k, struct sctplb_ctag_value *v,
		   bool *pending)
{
	bool p = bpf_map_lookup_elem(fx->assoc_ctags, k, v) != 0;
	struct lb_settable t;

	if (p && (fx_pending_ctags(fx, &t) || lb_settable_lookup(&t, k, v, NULL)) &&
	    fx_by_handshake(fx, k, &v->stag) != 1)
		return -1;
	if (pending)
		*pending = p;
	return 0;
}

int fx_lb_maps(struct fx *fx, struct lb_maps *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->lock_fd = -1;
	for (i = 0; i < LB_MAP_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(fx->skel->obj, lb_map_names[i]);

		m->fd[i] = map ? bpf_map__fd(map) : -1;
		if (m->fd[i] < 0)
			return -1;
	}
	return 0;
}

void fx_set_clock(struct fx *fx, uint64_t ns)
{
	fx->skel->bss->sctplb_clock_ns = ns;
}

bool fx_tc_ingress;

int fx_load_opts(struct fx *fx, const struct fx_load_opts *o)
{
	struct sctplb *s = sctplb__open();
	struct sctplb_config cfg = { .abi_version = SCTPLB_ABI_VERSION };
	__u32 zero = 0;

	if (!s) {
		fprintf(stderr, "fixture: sctplb__open failed\n");
		return -1;
	}
	s->rodata->sctplb_trace = !o->no_trace;
	s->rodata->sctplb_test_clock = o->test_clock;
	if ((o->assocs_max && (bpf_map__set_max_entries(s->maps.assocs, o->assocs_max) ||
			       bpf_map__set_max_entries(s->maps.assoc_ctags, o->assocs_max) ||
			       bpf_map__set_max_entries(s->maps.assocs_pending,
							lb_assoc_map_entries(LB_PENDING,
									     o->assocs_max)) ||
			       bpf_map__set_max_entries(s->maps.pending_ctags,
							lb_assoc_map_entries(LB_PENDING_CTAGS,
									     o->assocs_max)))) ||
	    (o->client_index_max &&
	     bpf_map__set_max_entries(s->maps.client_index,
				      lb_assoc_map_entries(LB_CLIENT_INDEX, o->client_index_max)))) {
		fprintf(stderr, "fixture: cannot resize the association maps\n");
		sctplb__destroy(s);
		return -1;
	}
	bpf_program__set_autoload(s->progs.sctplb_tc_ingress, fx_tc_ingress);
	bpf_program__set_autoload(s->progs.sctplb_tc_finish, fx_tc_ingress);
	if (sctplb__load(s)) {
		fprintf(stderr, "fixture: sctplb__load failed (verifier log above)\n");
		sctplb__destroy(s);
		return -1;
	}
	fx->skel = s;
	fx->prog = bpf_program__fd(s->progs.sctplb_xdp);
	fx->services = bpf_map__fd(s->maps.services);
	fx->backends = bpf_map__fd(s->maps.backends);
	fx->maglev = bpf_map__fd(s->maps.maglev);
	fx->handshakes = bpf_map__fd(s->maps.handshakes);
	fx->client_index = bpf_map__fd(s->maps.client_index);
	fx->assocs = bpf_map__fd(s->maps.assocs);
	fx->assoc_ctags = bpf_map__fd(s->maps.assoc_ctags);
	fx->pending = bpf_map__fd(s->maps.assocs_pending);
	fx->pending_ctags = bpf_map__fd(s->maps.pending_ctags);
	fx->svc_rtag = bpf_map__fd(s->maps.svc_rtag);
	fx->server_ids = bpf_map__fd(s->maps.server_ids);
	fx->path_stats = bpf_map__fd(s->maps.path_stats);
	fx->settings = bpf_map__fd(s->maps.settings);
	fx->stats = bpf_map__fd(s->maps.stats);
	fx->trace = bpf_map__fd(s->maps.trace);
	fx->prog_tc_ingress = fx_tc_ingress ? bpf_program__fd(s->progs.sctplb_tc_ingress) : -1;
	fx->prog_tc_return = bpf_program__fd(s->progs.sctplb_tc_return);
	if (fx->ncpus <= 0)
		fx->ncpus = libbpf_num_possible_cpus();
	/* A random key, as sctplb makes one with its maps: no test depends on
	 * which set an entry lands in. */
	if (lb_settable_key_new(cfg.settable_key))
		return -1;
	return bpf_map_update_elem(fx->settings, &zero, &cfg, BPF_ANY) ? -1 : 0;
}

int fx_load(struct fx *fx)
{
	static const struct fx_load_opts defaults = { 0 };

	return fx_load_opts(fx, &defaults);
}

int fx_table_alternating(struct fx *fx, uint32_t svc, uint32_t even, uint32_t odd)
{
	static uint32_t t[SCTPLB_MAGLEV_SIZE];
	int i;

	for (i = 0; i < SCTPLB_MAGLEV_SIZE; i++)
		t[i] = i & 1 ? odd : even;
	return fx_table(fx, svc, t);
}

void fx_unload(struct fx *fx)
{
	if (fx->skel)
		sctplb__destroy(fx->skel);
	fx->skel = NULL;
}

int fx_service(struct fx *fx, uint32_t id, uint16_t port, const char *const *vips,
	       int nvips, uint16_t encap_port)
{
	int i, err = 0;

	for (i = 0; i < nvips; i++) {
		struct sctplb_addr a = pkt_addr(vips[i]);
		struct sctplb_vip_key k = { .port = htons(port), .proto = 132,
					    .family = a.family };
		struct sctplb_service v = { .id = id, .sctp_port = htons(port),
					    .path = i };

		memcpy(k.addr, a.addr, sizeof(k.addr));
		err |= bpf_map_update_elem(fx->services, &k, &v, BPF_ANY);
		if (encap_port) {
			k.port = htons(encap_port);
			k.proto = 17;
			v.flags = SCTPLB_SVC_F_UDP_ENCAP;
			err |= bpf_map_update_elem(fx->services, &k, &v, BPF_ANY);
		}
	}
	/* The control plane's record of the service's port, as `service add`
	 * writes it: gc keys a client's handshake and association by it. */
	if (fx->skel) {
		int mfd = bpf_map__fd(fx->skel->maps.svc_meta);
		struct sctplb_service_meta sm = {};

		bpf_map_lookup_elem(mfd, &id, &sm);
		sm.sctp_port = port;
		err |= bpf_map_update_elem(mfd, &id, &sm, BPF_ANY);
	}
	return err ? -1 : 0;
}

int fx_backend(struct fx *fx, uint32_t id, uint32_t svc, uint32_t flags,
	       const char *const addrs[SCTPLB_MAX_PATHS])
{
	struct sctplb_backend b = { .service_id = svc, .flags = flags };
	int p;

	for (p = 0; p < SCTPLB_MAX_PATHS; p++)
		if (addrs[p])
			b.addr[p] = pkt_addr(addrs[p]);
	return bpf_map_update_elem(fx->backends, &id, &b, BPF_ANY) ? -1 : 0;
}

int fx_backend_flags(struct fx *fx, uint32_t id, uint32_t flags)
{
	struct sctplb_backend b;

	if (bpf_map_lookup_elem(fx->backends, &id, &b))
		return -1;
	b.flags = flags;
	return bpf_map_update_elem(fx->backends, &id, &b, BPF_ANY) ? -1 : 0;
}

int fx_table(struct fx *fx, uint32_t svc, const uint32_t *table)
{
	int err = maglev_install(fx->maglev, svc, table);

	if (err)
		fprintf(stderr, "fixture: maglev_install: %s\n", strerror(-err));
	return err ? -1 : 0;
}

int fx_table_all(struct fx *fx, uint32_t svc, uint32_t backend)
{
	static uint32_t table[SCTPLB_MAGLEV_SIZE];
	int i;

	for (i = 0; i < SCTPLB_MAGLEV_SIZE; i++)
		table[i] = backend;
	return fx_table(fx, svc, table);
}

int fx_table_remove(struct fx *fx, uint32_t svc)
{
	return bpf_map_delete_elem(fx->maglev, &svc) && errno != ENOENT ? -1 : 0;
}

int fx_policy(struct fx *fx, uint32_t policy)
{
	struct sctplb_config cfg = {};
	__u32 zero = 0;

	/* The rest as it was: the tables' key above all. */
	if (bpf_map_lookup_elem(fx->settings, &zero, &cfg))
		return -1;
	cfg.abi_version = SCTPLB_ABI_VERSION;
	cfg.unknown_policy = policy;
	return bpf_map_update_elem(fx->settings, &zero, &cfg, BPF_ANY) ? -1 : 0;
}

int fx_run(struct fx *fx, const uint8_t *in, size_t len, uint8_t *out,
	   size_t *out_len, uint32_t *verdict)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = fx->if_in }, md_out;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = len,
		.data_out = out, .data_size_out = PKT_MAX,
		.ctx_in = &md, .ctx_size_in = sizeof(md),
		.ctx_out = &md_out, .ctx_size_out = sizeof(md_out),
		.repeat = 1);
	int err = bpf_prog_test_run_opts(fx->prog, &o);

	if (err)
		return -errno;
	/* data_out starts with the metadata the program left (xdp_md.data
	 * bytes of it): not part of the frame. */
	fx->meta_len = md_out.data;
	if (fx->meta_len > o.data_size_out)
		return -EINVAL;
	memmove(out, out + fx->meta_len, o.data_size_out - fx->meta_len);
	*out_len = o.data_size_out - fx->meta_len;
	*verdict = o.retval;
	return 0;
}

int fx_run_tc(struct fx *fx, int prog, int ifindex, const uint8_t *in, size_t len,
	      uint8_t *out, size_t *out_len, uint32_t *verdict)
{
	struct __sk_buff skb = { .ifindex = ifindex, .ingress_ifindex = ifindex }, skb_out;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = len,
		.data_out = out, .data_size_out = PKT_MAX,
		.ctx_in = &skb, .ctx_size_in = sizeof(skb),
		.ctx_out = &skb_out, .ctx_size_out = sizeof(skb_out),
		.repeat = 1);

	(void)fx;
	if (bpf_prog_test_run_opts(prog, &o))
		return -errno;
	*out_len = o.data_size_out;
	*verdict = o.retval;
	return 0;
}

int fx_run_live(struct fx *fx, const uint8_t *in, size_t len)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = fx->if_in };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = len,
		.ctx_in = &md, .ctx_size_in = sizeof(md),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.repeat = 1, .batch_size = 1);

	return bpf_prog_test_run_opts(fx->prog, &o) ? -errno : 0;
}

int fx_prog_fd(struct fx *fx, const char *name)
{
	struct bpf_program *p = fx->skel ? bpf_object__find_program_by_name(fx->skel->obj, name) : NULL;

	return p ? bpf_program__fd(p) : -1;
}

int fx_tc_attach(int prog, int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog, .handle = 1, .priority = 1);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int fx_tc_detach(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

void fx_stats(struct fx *fx, uint64_t out[SCTPLB_STAT_MAX])
{
	uint64_t v[fx->ncpus];
	__u32 k;
	int c;

	for (k = 0; k < SCTPLB_STAT_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fx->stats, &k, v))
			continue;
		for (c = 0; c < fx->ncpus; c++)
			out[k] += v[c];
	}
}

/* One path slot: counted if any CPU's copy has packets. */
static int path_slot_used(const void *key, const void *val, void *ctx)
{
	const struct sctplb_path_counters *v = val;
	struct fx *fx = ((void **)ctx)[0];
	long *n = ((void **)ctx)[1];
	int c;

	(void)key;
	for (c = 0; c < fx->ncpus && !v[c].packets; c++)
		;
	*n += c < fx->ncpus;
	return 0;
}

/* In batches (lb_map_scan): a table test counts the slots before and after every packet. */
long fx_path_slots(struct fx *fx)
{
	long n = 0;
	void *ctx[2] = { fx, &n };

	return lb_map_scan(fx->path_stats, sizeof(__u32),
			   fx->ncpus * sizeof(struct sctplb_path_counters), path_slot_used, ctx)
		       ? -1 : n;
}

bool fx_path_stats(struct fx *fx, uint32_t slot, struct sctplb_path_counters *sum)
{
	struct sctplb_path_counters v[fx->ncpus];
	int c;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fx->path_stats, &slot, v))
		return false;
	for (c = 0; c < fx->ncpus; c++) {
		sum->packets += v[c].packets;
		sum->bytes += v[c].bytes;
		sum->data_chunks += v[c].data_chunks;
		sum->heartbeats += v[c].heartbeats;
		if (v[c].last_seen_ns > sum->last_seen_ns)
			sum->last_seen_ns = v[c].last_seen_ns;
		if (v[c].last_data_ns > sum->last_data_ns)
			sum->last_data_ns = v[c].last_data_ns;
	}
	return sum->packets > 0;
}

void fx_decision_clear(struct fx *fx)
{
	struct sctplb_decision d;
	__u32 zero = 0;

	memset(&d, 0xff, sizeof(d));
	d.verdict = FX_NO_DECISION;
	bpf_map_update_elem(fx->trace, &zero, &d, BPF_ANY);
}

void fx_decision(struct fx *fx, struct sctplb_decision *d)
{
	__u32 zero = 0;

	memset(d, 0, sizeof(*d));
	bpf_map_lookup_elem(fx->trace, &zero, d);
}

static int count_one(const void *key, const void *val, void *ctx)
{
	(void)key;
	(void)val;
	++*(long *)ctx;
	return 0;
}

/* In batches (lb_map_scan): a table test counts its maps before and after every
 * packet, and some fill a table first. */
long fx_count(int fd)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);
	long n = 0;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len) ||
	    lb_map_scan(fd, mi.key_size, lb_map_value_size(&mi), count_one, &n))
		return -1;
	return n;
}

void fx_clear(int fd)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi), k;
	uint8_t key[64];

	if (!bpf_obj_get_info_by_fd(fd, &mi, &len) &&
	    (mi.type == BPF_MAP_TYPE_ARRAY || mi.type == BPF_MAP_TYPE_PERCPU_ARRAY)) {
		int ncpu = mi.type == BPF_MAP_TYPE_PERCPU_ARRAY ? libbpf_num_possible_cpus() : 1;
		/* per-CPU values are 8-byte aligned in the buffer */
		void *zero = calloc(ncpu, (mi.value_size + 7) & ~7u);

		for (k = 0; zero && k < mi.max_entries; k++)
			bpf_map_update_elem(fd, &k, zero, BPF_ANY);
		free(zero);
		return;
	}
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			break;
}

struct sctplb_client_key fx_client_key(uint32_t svc, uint16_t cport, const char *addr)
{
	struct sctplb_addr a = pkt_addr(addr);
	struct sctplb_client_key k;

	memset(&k, 0, sizeof(k));
	k.service_id = svc;
	k.cport = cport;
	k.family = a.family;
	memcpy(k.caddr, a.addr, sizeof(k.caddr));
	return k;
}

int fx_same_set(const struct lb_settable *t, uint32_t svc, uint16_t cport, unsigned int seed,
		char (*addrs)[32], int n)
{
	struct sctplb_client_key k;
	unsigned int i, found = 0;
	uint32_t set = 0;

	for (i = seed; i < seed + (1u << 22) && (int)found < n; i++) {
		snprintf(addrs[found], 32, "2001:db8:c:%x::%x", i >> 16, i & 0xffff);
		k = fx_client_key(svc, cport, addrs[found]);
		if (!found)
			set = lb_settable_index(t, &k);
		if (lb_settable_index(t, &k) == set)
			found++;
	}
	return (int)found == n ? (int)set : -1;
}

struct sctplb_assoc_key fx_assoc_key(uint32_t svc, uint32_t vtag, uint16_t cport,
				     uint16_t sport)
{
	struct sctplb_assoc_key k;

	memset(&k, 0, sizeof(k));
	k.service_id = svc;
	k.vtag = vtag;
	k.cport = cport;
	k.sport = sport;
	return k;
}

uint32_t fx_path_key(uint32_t backend, uint8_t path, uint8_t dir)
{
	return sctplb_path_index(backend, path, dir);
}

const char *fx_stat_name(int stat)
{
#define NAME(name, str, help) str,
	static const char *const names[] = { SCTPLB_STATS(NAME) };
#undef NAME
	return stat >= 0 && stat < SCTPLB_STAT_MAX ? names[stat] : "?";
}

const char *fx_verdict_name(uint32_t v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					     "XDP_TX", "XDP_REDIRECT" };

	if (v == FX_NO_DECISION)
		return "(none)";
	return v < 5 ? names[v] : "?";
}

const char *fx_tc_verdict_name(uint32_t v)
{
	switch (v) {
	case 0: return "TC_ACT_OK";
	case 2: return "TC_ACT_SHOT";
	case 7: return "TC_ACT_REDIRECT";
	case FX_NO_DECISION: return "(none)";
	default: return "?";
	}
}

uint64_t fx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
