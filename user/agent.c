// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agent.c: the backend agent's commands (bpf/agent.bpf.c): agent attach,
 * agent detach, agent status, and keygen for the tag key they share with the
 * forwarders.
 *
 * The agent's maps are pinned under LB_AGENT_PIN_PATH (or --pin-path), apart
 * from a forwarder's: one host may be both.  Its configuration (server id,
 * key, VIPs and port) is the host's, whichever interface it is attached to;
 * attaching again with another one replaces it for every interface.  Every
 * input is checked before anything is written.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "agentgc.h"
#include "cmd.h"
#include "model.h"
#include "params.h"
#include "rtag.h"
#include "agent.skel.h"

#define LB_AGENT_PIN_PATH "/sys/fs/bpf/sctplb-agent"
#define AGENT_HANDLE      0x5c7d
#define AGENT_PRIO        0x5c7d

/* The agent's pin directory: --pin-path when given, else its own default. */
static const char *agent_dir(void)
{
	return strcmp(g.pin_path, LB_DEFAULT_PIN_PATH) ? g.pin_path : LB_AGENT_PIN_PATH;
}

/* A pinned object of the agent's (map or program), or -1. */
static int agent_pin(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

/* This build's agent object, as a number: pinned programs of another build are not reused. */
static __u64 agent_build_id(void)
{
	size_t n, i;
	const unsigned char *p = sctplb_agent__elf_bytes(&n);
	__u64 h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The agent's maps and programs, pinned under dir. */
struct agent_fds {
	int services, config, egress, ingress;
};

static void agent_fds_close(struct agent_fds *f)
{
	int *fd[] = { &f->services, &f->config, &f->egress, &f->ingress };
	size_t i;

	for (i = 0; i < sizeof(fd) / sizeof(fd[0]); i++) {
		if (*fd[i] >= 0)
			close(*fd[i]);
		*fd[i] = -1;
	}
}

/*
 * Opens the agent under dir: its pinned programs when this build pinned them
 * (verifying them again takes a second or two for every interface), else the
 * object is loaded with its maps pinned (reused when there) and its programs
 * pinned beside them.  0 or a negative errno (printed).
 */
static int agent_open(const char *dir, __u64 build, struct agent_fds *f)
{
	struct sctplb_agent_config cfg;
	struct sctplb_agent *ag;
	struct bpf_map *map;
	char path[PATH_MAX];
	__u32 zero = 0;
	int err;

	f->services = agent_pin(dir, "services");
	f->config = agent_pin(dir, "agent_config");
	f->egress = agent_pin(dir, "prog_egress");
	f->ingress = agent_pin(dir, "prog_ingress");
	if (f->services >= 0 && f->config >= 0 && f->egress >= 0 && f->ingress >= 0 &&
	    !bpf_map_lookup_elem(f->config, &zero, &cfg) && cfg.build_id == build)
		return 0;
	agent_fds_close(f);

	ag = sctplb_agent__open();
	if (!ag) {
		err = -errno;
		fprintf(stderr, "Error: cannot open the agent's BPF object: %s\n", strerror(-err));
		return err;
	}
	bpf_object__for_each_map(map, ag->obj) {
		/* .rodata, .bss and the clock's per-CPU cache (bpf/lib/common.h,
		 * the programs' own): not pinned */
		if (!strchr(bpf_map__name(map), '.') && strcmp(bpf_map__name(map), "clock_cache")) {
			snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
			bpf_map__set_pin_path(map, path);
		}
	}
	err = sctplb_agent__load(ag);
	if (err) {
		fprintf(stderr, "Error: cannot load the agent (maps under %s of another version? "
			"detach it everywhere and remove %s): %s\n", dir, dir, strerror(-err));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/prog_egress", dir);
	unlink(path);
	err = bpf_program__pin(ag->progs.sctplb_agent_egress, path);
	snprintf(path, sizeof(path), "%s/prog_ingress", dir);
	unlink(path);
	if (!err)
		err = bpf_program__pin(ag->progs.sctplb_agent_ingress, path);
	if (err) {
		fprintf(stderr, "Error: cannot pin the agent's programs under %s: %s\n", dir,
			strerror(-err));
		goto out;
	}
	f->services = dup(bpf_map__fd(ag->maps.services));
	f->config = dup(bpf_map__fd(ag->maps.agent_config));
	f->egress = dup(bpf_program__fd(ag->progs.sctplb_agent_egress));
	f->ingress = dup(bpf_program__fd(ag->progs.sctplb_agent_ingress));
out:
	sctplb_agent__destroy(ag);
	return err;
}

static int tc_hook(int ifindex, enum bpf_tc_attach_point where, int prog_fd, bool detach)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AGENT_HANDLE, .priority = AGENT_PRIO);
	int err;

	if (detach) {
		log_expected_failures(true);
		err = bpf_tc_detach(&hook, &opts);
		log_expected_failures(false);
		return err;
	}
	log_expected_failures(true);
	err = bpf_tc_hook_create(&hook);
	log_expected_failures(false);
	if (err && err != -EEXIST)
		return err;
	opts.prog_fd = prog_fd;
	opts.flags = BPF_TC_F_REPLACE;
	return bpf_tc_attach(&hook, &opts);
}

/* The agent's program id at (ifindex, where), or 0. */
static __u32 tc_agent_id(int ifindex, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AGENT_HANDLE, .priority = AGENT_PRIO);
	int err;

	log_expected_failures(true);
	err = bpf_tc_query(&hook, &opts);
	log_expected_failures(false);
	return err ? 0 : opts.prog_id;
}

int do_keygen(const struct cmd_args *a)
{
	char err[512];

	if (lb_rtag_keygen(a->pos[0], err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return -EINVAL;
	}
	printf("a new tag key in %s (mode 0600): give the same file to every forwarder "
	       "(service add --tag-key) and every agent (agent attach --tag-key)\n", a->pos[0]);
	return 0;
}

int do_agent_attach(const struct cmd_args *a)
{
	const char *ifname = a->pos[0], *v, *dir = agent_dir();
	struct sctplb_agent_config cfg = { .flags = SCTPLB_RTAG_F_ON };
	struct sctplb_addr vip[SCTPLB_MAX_PATHS];
	uint8_t key[SCTPLB_RTAG_KEY_LEN];
	struct sctplb_vip_key vk, next;
	struct agent_fds f = { -1, -1, -1, -1 };
	__u16 port, encap = 0;
	__u32 nvip, p, zero = 0;
	int ifindex, fd, err;
	char msg[512];

	/* Everything checked before anything is written. */
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "Error: no interface '%s' in this network namespace (ip link)\n",
			ifname);
		return -ENODEV;
	}
	if (parse_addr_list_opt("vip", arg_opt(a, "vip"), vip, &nvip))
		return -EINVAL;
	if (lb_port_parse((v = arg_opt(a, "port")), &port)) {
		fprintf(stderr, "Error: --port %s: give the service's SCTP port, 1 to 65535\n", v);
		return -EINVAL;
	}
	if ((v = arg_opt(a, "udp-encap")) && lb_port_parse(v, &encap)) {
		fprintf(stderr, "Error: --udp-encap %s: give a UDP port, 1 to 65535\n", v);
		return -EINVAL;
	}
	if (lb_u32_parse((v = arg_opt(a, "server-id")), 1, LB_SERVER_ID_MAX, &cfg.server_id)) {
		fprintf(stderr, "Error: --server-id %s: give this backend's server id, 1 to %u, the "
			"one its forwarders know it by (backend add --server-id)\n", v,
			LB_SERVER_ID_MAX);
		return -EINVAL;
	}
	err = lb_rtag_key_read(arg_opt(a, "tag-key"), key, msg, sizeof(msg));
	if (!err)
		err = lb_rtag_key_expand(key, SCTPLB_RTAG_SID_BITS_DEFAULT, &cfg.key, msg,
					 sizeof(msg));
	explicit_bzero(key, sizeof(key));
	if (err) {
		fprintf(stderr, "Error: --tag-key %s\n", msg);
		return -EINVAL;
	}
	err = lb_pin_dir_check(dir, true);
	if (err)
		return err;
	cfg.build_id = agent_build_id();
	err = agent_open(dir, cfg.build_id, &f);
	if (err)
		return err;

	/* The VIPs: new keys first, then the ones that are no longer. */
	fd = f.services;
	for (p = 0; p < nvip && !err; p++) {
		struct sctplb_service sv = { .id = 1, .sctp_port = htons(port), .path = p };

		memset(&vk, 0, sizeof(vk));
		memcpy(vk.addr, vip[p].addr, 16);
		vk.family = vip[p].family;
		vk.proto = 132;
		vk.port = htons(port);
		err = bpf_map_update_elem(fd, &vk, &sv, BPF_ANY) ? -errno : 0;
		if (!err && encap) {
			vk.proto = 17;
			vk.port = htons(encap);
			sv.flags = SCTPLB_SVC_F_UDP_ENCAP;
			err = bpf_map_update_elem(fd, &vk, &sv, BPF_ANY) ? -errno : 0;
		}
	}
	for (void *prev = NULL; !err && bpf_map_get_next_key(fd, prev, &next) == 0;) {
		bool keep = false;

		for (p = 0; p < nvip; p++)
			keep |= next.family == vip[p].family && !memcmp(next.addr, vip[p].addr, 16) &&
				(next.proto == 132 ? next.port == htons(port) :
				 encap && next.port == htons(encap));
		vk = next;
		if (keep) {
			prev = &vk;
			continue;
		}
		bpf_map_delete_elem(fd, &vk);
		prev = NULL; /* restart: deleting under get_next_key may skip keys */
	}
	if (!err)
		err = bpf_map_update_elem(f.config, &zero, &cfg, BPF_ANY) ? -errno : 0;
	if (!err)
		err = tc_hook(ifindex, BPF_TC_EGRESS, f.egress, false);
	if (!err)
		err = tc_hook(ifindex, BPF_TC_INGRESS, f.ingress, false);
	if (err) {
		fprintf(stderr, "Error: cannot attach the agent to %s: %s\n", ifname, strerror(-err));
		tc_hook(ifindex, BPF_TC_EGRESS, -1, true);
		tc_hook(ifindex, BPF_TC_INGRESS, -1, true);
	} else {
		printf("agent attached to %s: server id %u, %u VIP%s, port %u%s, maps %s\n", ifname,
		       cfg.server_id, nvip, nvip == 1 ? "" : "s", port, encap ? " (and UDP)" : "",
		       dir);
	}
	agent_fds_close(&f);
	return err;
}

int do_agent_detach(const struct cmd_args *a)
{
	int ifindex = if_nametoindex(a->pos[0]);
	bool had;

	if (!ifindex) {
		fprintf(stderr, "Error: no interface '%s' in this network namespace\n", a->pos[0]);
		return -ENODEV;
	}
	had = tc_agent_id(ifindex, BPF_TC_INGRESS) || tc_agent_id(ifindex, BPF_TC_EGRESS);
	tc_hook(ifindex, BPF_TC_EGRESS, -1, true);
	tc_hook(ifindex, BPF_TC_INGRESS, -1, true);
	printf("agent %s %s; its maps stay under %s\n", had ? "detached from" : "was not attached to",
	       a->pos[0], agent_dir());
	return 0;
}

/* Reads the pins only: no program is loaded (attach does that). */
int do_agent_status(const struct cmd_args *a)
{
	const char *dir = agent_dir();
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	struct if_nameindex *ni = if_nameindex(), *i;
	struct sctplb_agent_config cfg = {};
	int ncpu = libbpf_num_possible_cpus();
	int cfg_fd, in_fd, st_fd;
	__u64 v[ncpu], total;
	struct sctplb_agent_key k, nk;
	__u32 zero = 0, s;
	bool configured;
	long tags = 0;
	size_t nifs;
	int c;

	(void)a;
	for (i = ni; i && i->if_index; i++)
		if (tc_agent_id(i->if_index, BPF_TC_INGRESS) || tc_agent_id(i->if_index, BPF_TC_EGRESS))
			json_object_array_add(ifs, json_object_new_string(i->if_name));
	if (ni)
		if_freenameindex(ni);
	nifs = json_object_array_length(ifs);
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "pin_path", json_object_new_string(dir));
	cfg_fd = agent_pin(dir, "agent_config");
	in_fd = agent_pin(dir, "agent_in");
	st_fd = agent_pin(dir, "stats");
	configured = cfg_fd >= 0 && in_fd >= 0 && st_fd >= 0 &&
		     !bpf_map_lookup_elem(cfg_fd, &zero, &cfg);
	if (configured) {
		for (void *prev = NULL; !bpf_map_get_next_key(in_fd, prev, &nk); prev = &k, k = nk)
			tags++;
		json_object_object_add(o, "server_id", json_object_new_int64(cfg.server_id));
		json_object_object_add(o, "tags", json_object_new_int64(tags));
		for (s = SCTPLB_STAT_AGENT_INIT_ACK; s <= SCTPLB_STAT_AGENT_CSUM_OFFLOAD; s++) {
			total = 0;
			if (!bpf_map_lookup_elem(st_fd, &s, v))
				for (c = 0; c < ncpu; c++)
					total += v[c];
			json_object_object_add(o, stat_names[s], json_object_new_uint64(total));
		}
	}
	if (cfg_fd >= 0)
		close(cfg_fd);
	if (in_fd >= 0)
		close(in_fd);
	if (st_fd >= 0)
		close(st_fd);
	if (g.json) {
		print_json(o);
	} else {
		printf("agent: %s\n", configured ? "configured" : "no maps (never attached here)");
		json_object_object_foreach(o, key, val)
			printf("  %-20s %s\n", key, json_object_to_json_string(val));
	}
	json_object_put(o);
	return configured || nifs ? 0 : -ENOENT;
}

/* One sweep of the agent's tags (agentgc.h), with the forwarder's default times. */
static int agent_sweep_once(bool quiet_if_nothing)
{
	const char *dir = agent_dir();
	int in_fd = agent_pin(dir, "agent_in"), out_fd = agent_pin(dir, "agent_out"), err;
	struct lb_agent_gc r;

	if (in_fd < 0 || out_fd < 0) {
		err = -ENOENT;
		if (!quiet_if_nothing)
			fprintf(stderr, "Error: no agent maps under %s: attach the agent first "
				"(sctplb agent attach)\n", dir);
	} else {
		err = lb_agent_sweep(in_fd, out_fd, now_monotonic_ns(),
				     SCTPLB_HANDSHAKE_TIMEOUT_S * 1000000000ull,
				     SCTPLB_CLOSING_GRACE_S * 1000000000ull,
				     SCTPLB_IDLE_TIMEOUT_S * 1000000000ull, &r);
		if (!err && !(quiet_if_nothing && !(r.unanswered + r.closed + r.idle))) {
			if (g.json)
				printf("{\"scanned\":%u,\"unanswered\":%u,\"closed\":%u,\"idle\":%u}\n",
				       r.scanned, r.unanswered, r.closed, r.idle);
			else
				printf("agent gc: %u tags scanned, removed %u never answered (%d s), "
				       "%u ended (%d s grace), %u idle (%d s)\n", r.scanned, r.unanswered,
				       SCTPLB_HANDSHAKE_TIMEOUT_S, r.closed, SCTPLB_CLOSING_GRACE_S, r.idle,
				       SCTPLB_IDLE_TIMEOUT_S);
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	return err;
}

int do_agent_gc(const struct cmd_args *a)
{
	return gc_loop(a, agent_sweep_once, agent_dir());
}
