// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_svc_cache: the datapath's per-CPU cache of the services lookup
 * (bpf/lib/parse.h, svc_cache) never answers with an entry read before a
 * change of services.  The skeleton's maps are pinned under a bpffs directory
 * unique to the run (removed on exit) and configured with lb_commit, as
 * `sctplb apply` does; every packet runs through sctplb_xdp in the fixture's
 * private namespace.  Cases: a VIP moved to another address, a VIP's path
 * index changed under the same key, the service deleted, a commit rolled
 * back (svc_gen bumped all the same), and a write that bypasses lb_commit
 * (the cache answers until lb_svc_gen_bump: proof that it is in use).  The
 * same for the server_ids cache (routable tags): two backends' server ids
 * swapped by a commit move a tag to the other backend at once.  And the cache
 * answers only for its own key: no other address of the /24, whichever slot
 * it shares, is taken for the cached VIP.  The process stays on one CPU: the
 * cache is per CPU, and "the cached entry answers" needs the CPU that filled
 * it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sctplb.skel.h"
#include "config.h"
#include "err.h"
#include "fixture.h"
#include "model.h"
#include "pinned.h"
#include "pins.h"
#include "report.h"
#include "rtag.h"
#include "sctplb_rtag.h"
#include "seq.h"

#define PORT   3868
#define CPORT  40000
#define CLIENT "203.0.113.7"

static struct fx FX;

/* The loaded skeleton's maps, pinned where lb_maps_open finds them. */
static int pin_maps(void)
{
	int i;

	if (mkdir(pins_dir, 0700))
		return -1;
	for (i = 0; i < LB_MAP_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(FX.skel->obj, lb_map_names[i]);
		char p[512];

		snprintf(p, sizeof(p), "%s/%s", pins_dir, lb_map_names[i]);
		if (!map || bpf_obj_pin(bpf_map__fd(map), p))
			return -1;
	}
	return 0;
}

/* One service on port PORT with VIPs vips (a JSON list, "" for none) and one
 * backend with an address on each of its nvips paths (neighbours of the
 * ingress veth). */
static int commit(struct lb_maps *m, const char *vips, int nvips)
{
	char text[1024], err[256];
	struct lb_commit_stats st;
	struct lb_model cur, want;
	int rc;

	if (vips[0])
		snprintf(text, sizeof(text), "{\"services\": [{\"name\": \"s\", \"vips\": [%s], "
			 "\"port\": %d, \"backends\": [{\"name\": \"b1\", \"addrs\": "
			 "[\"192.0.2.11\"%s]}]}]}", vips, PORT, nvips > 1 ? ", \"192.0.2.12\"" : "");
	else
		snprintf(text, sizeof(text), "{\"services\": []}");
	if (lb_config_parse(text, &want, err, sizeof(err))) {
		fprintf(stderr, "test_svc_cache: %s\n", err);
		return -EINVAL;
	}
	if (lb_model_read(m, &cur)) {
		lb_model_free(&want);
		return -EIO;
	}
	rc = lb_commit(m, &cur, &want, &st);
	lb_model_free(&cur);
	lb_model_free(&want);
	return rc;
}

/* An INIT to vip: "TX pPATH" when forwarded, else the reason's verdict. */
static const char *send_init(const char *vip, char *buf, size_t len)
{
	static uint32_t tc = 0x1000;
	struct pkt_spec s = { .src = CLIENT, .dst = vip, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(++tc) } };
	struct seq_out o;

	if (seq_run(&FX, &s, true, 0, &o))
		snprintf(buf, len, "could not run");
	else if (seq_forwarded(&o))
		snprintf(buf, len, "TX p%u", o.path);
	else
		snprintf(buf, len, "%s", fx_verdict_name(o.verdict));
	return buf;
}

static bool expect(const char *vip, const char *want, char *why, size_t len)
{
	char got[64];

	send_init(vip, got, sizeof(got));
	if (strcmp(got, want)) {
		snprintf(why, len, "INIT to %s: %s, expected %s", vip, got, want);
		return false;
	}
	return true;
}

/* A routable service at 203.0.113.70 (one VIP): b1 (192.0.2.11) with server
 * id sid1, b2 (192.0.2.12) with sid2. */
static struct sctplb_rtag_key RKEY;

static int commit_rtag(struct lb_maps *m, __u32 sid1, __u32 sid2)
{
	static const uint8_t k[SCTPLB_RTAG_KEY_LEN] = "svc-cache-rtag-k";
	char text[1024], err[256];
	struct lb_commit_stats st;
	struct lb_model cur, want;
	size_t i;
	int rc;

	snprintf(text, sizeof(text), "{\"services\": [{\"name\": \"r\", \"vips\": "
		 "[\"203.0.113.70\"], \"port\": %d, \"backends\": ["
		 "{\"name\": \"b1\", \"addrs\": [\"192.0.2.11\"]}, "
		 "{\"name\": \"b2\", \"addrs\": [\"192.0.2.12\"]}]}]}", PORT);
	if (lb_config_parse(text, &want, err, sizeof(err)) ||
	    lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &RKEY, err, sizeof(err))) {
		fprintf(stderr, "test_svc_cache: %s\n", err);
		return -EINVAL;
	}
	/* the key as a tag_key file would give it, without the file */
	want.svc[0].rtag = (struct sctplb_svc_rtag){ .flags = SCTPLB_RTAG_F_ON, .key = RKEY };
	for (i = 0; i < want.svc[0].nbe; i++)
		want.svc[0].be[i].server_id = strcmp(want.svc[0].be[i].name, "b1") ? sid2 : sid1;
	if (lb_model_read(m, &cur)) {
		lb_model_free(&want);
		return -EIO;
	}
	rc = lb_commit(m, &cur, &want, &st);
	lb_model_free(&cur);
	lb_model_free(&want);
	return rc;
}

/* DATA with a tag of server id sid to the routable service: the backend's
 * next hop as "TX 192.0.2.NN", else the verdict. */
static bool expect_sid(__u32 sid, const char *want, char *why, size_t len)
{
	struct pkt_spec s = { .src = CLIENT, .dst = "203.0.113.70", .sport = CPORT, .dport = PORT,
			      .vtag = sctplb_rtag_make(&RKEY, sid, 12345),
			      .chunks = { CH_DATA() } };
	struct seq_out o;
	char got[64];

	if (seq_run(&FX, &s, true, 0, &o))
		snprintf(got, sizeof(got), "could not run");
	else if (seq_forwarded(&o))
		snprintf(got, sizeof(got), "TX b%u", o.backend);
	else
		snprintf(got, sizeof(got), "%s", fx_verdict_name(o.verdict));
	if (strcmp(got, want)) {
		snprintf(why, len, "DATA of server id %u: %s, expected %s", sid, got, want);
		return false;
	}
	return true;
}

static __u32 svc_gen(const struct lb_maps *m)
{
	__u32 zero = 0, g = 0;

	bpf_map_lookup_elem(m->fd[LB_SVC_GEN], &zero, &g);
	return g;
}

int main(void)
{
	char why[256] = "", v[16];
	struct lb_maps m;
	int n, rolled = 0, bumped = 0, wrong = 0, done = -1, err;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_one_cpu()) {
		tr_report(0, "svc_cache_setup", "cannot stay on one CPU");
		return 1;
	}
	pins_dir_make("svcc");
	if (fx_netns_setup(&FX) || fx_load(&FX) || pin_maps() ||
	    lb_maps_open(&m, pins_dir, LB_OPEN_LOCK, NULL)) {
		tr_report(0, "svc_cache_setup", "fixture, pins under %s or maps: %s", pins_dir,
			  lb_err_msg());
		return 1;
	}

	/* A VIP moved: the old address is no service after the commit. */
	ok = !commit(&m, "\"203.0.113.60\"", 1) && expect("203.0.113.60", "TX p0", why, sizeof(why)) &&
	     expect("203.0.113.60", "TX p0", why, sizeof(why)) &&
	     !commit(&m, "\"203.0.113.61\", \"203.0.113.62\"", 2) &&
	     expect("203.0.113.60", "XDP_PASS", why, sizeof(why)) &&
	     expect("203.0.113.61", "TX p0", why, sizeof(why)) &&
	     expect("203.0.113.62", "TX p1", why, sizeof(why));
	tr_report(ok, "svc_cache_vip_moved", "%s", why[0] ? why : ok ? "as committed" : lb_err_msg());

	/* The same key, another value: .62 becomes path 0. */
	why[0] = 0;
	ok = !commit(&m, "\"203.0.113.62\", \"203.0.113.61\"", 2) &&
	     expect("203.0.113.62", "TX p0", why, sizeof(why)) &&
	     expect("203.0.113.61", "TX p1", why, sizeof(why));
	tr_report(ok, "svc_cache_value_changed", "%s", why[0] ? why : ok ? "as committed" : lb_err_msg());

	/* Only its own key: every other address of the /24 (some share .62's
	 * slot, whatever the slot's hash) right after .62 filled the cache. */
	{
		char other[32];
		int x, wrongs = 0;

		why[0] = 0;
		for (x = 1; x < 255; x++) {
			if (x == 61 || x == 62)
				continue;
			snprintf(other, sizeof(other), "203.0.113.%d", x);
			if (!expect("203.0.113.62", "TX p0", why, sizeof(why)) ||
			    !expect(other, "XDP_PASS", why, sizeof(why)))
				wrongs++;
		}
		tr_report(!wrongs, "svc_cache_own_key_only", "%d of 252 addresses answered otherwise "
			  "(%s)", wrongs, why[0] ? why : "-");
	}

	/* A write that bypasses lb_commit: the cached entry answers until the
	 * generation moves (the cache is in use), then the map does. */
	{
		struct sctplb_vip_key k = { .port = htons(PORT), .proto = 132,
					    .family = SCTPLB_AF_INET };
		struct sctplb_service sv;

		why[0] = 0;
		inet_pton(AF_INET, "203.0.113.62", &k.addr[0]);
		ok = !bpf_map_lookup_elem(m.fd[LB_SERVICES], &k, &sv);
		sv.path = 1;
		ok = ok && !bpf_map_update_elem(m.fd[LB_SERVICES], &k, &sv, BPF_EXIST) &&
		     expect("203.0.113.62", "TX p0", why, sizeof(why)) &&
		     !lb_svc_gen_bump(m.fd[LB_SVC_GEN]) &&
		     expect("203.0.113.62", "TX p1", why, sizeof(why));
		tr_report(ok, "svc_cache_used_until_bump", "%s", why[0] ? why : "map write");
		sv.path = 0;
		bpf_map_update_elem(m.fd[LB_SERVICES], &k, &sv, BPF_EXIST);
		lb_svc_gen_bump(m.fd[LB_SVC_GEN]);
	}

	/* A commit that fails at every write in turn: rolled back, with the
	 * generation bumped whenever services were written, and the datapath
	 * answering as before each time (.62 path 0, .61 path 1). */
	why[0] = 0;
	for (n = 0; n < 64 && done < 0; n++) {
		__u32 g0 = svc_gen(&m);

		expect("203.0.113.62", "TX p0", why, sizeof(why)); /* cached */
		snprintf(v, sizeof(v), "%d", n);
		setenv("SCTPLB_FAIL_AFTER", v, 1);
		err = commit(&m, "\"203.0.113.63\"", 1);
		unsetenv("SCTPLB_FAIL_AFTER");
		if (!err) {
			done = n;
			break;
		}
		rolled++;
		if (svc_gen(&m) != g0)
			bumped++;
		if (!expect("203.0.113.62", "TX p0", why, sizeof(why)) ||
		    !expect("203.0.113.61", "TX p1", why, sizeof(why)) ||
		    !expect("203.0.113.63", "XDP_PASS", why, sizeof(why)))
			wrong++;
	}
	tr_report(done > 0 && bumped > 0 && !wrong, "svc_cache_rollback",
		  "%d failed commits rolled back, %d bumped svc_gen, %d answered otherwise (%s); "
		  "the change went through with SCTPLB_FAIL_AFTER=%d", rolled, bumped, wrong,
		  why[0] ? why : "-", done);
	why[0] = 0;
	ok = done > 0 && expect("203.0.113.62", "XDP_PASS", why, sizeof(why)) &&
	     expect("203.0.113.63", "TX p0", why, sizeof(why));
	tr_report(ok, "svc_cache_after_rollbacks", "%s", why[0] ? why : "commit");

	/* The service deleted. */
	why[0] = 0;
	ok = !commit(&m, "", 0) && expect("203.0.113.63", "XDP_PASS", why, sizeof(why));
	tr_report(ok, "svc_cache_service_deleted", "%s", why[0] ? why : ok ? "as committed" : lb_err_msg());

	/* server_ids: ids 7 and 9 swapped between the backends; then a write
	 * that bypasses lb_commit, seen only after the bump. */
	{
		struct sctplb_server_key sk = { .server_id = 7 };
		__u32 b1 = 0, b2 = 0, new_id;
		char w1[16], w2[16];

		why[0] = 0;
		ok = !commit_rtag(&m, 7, 9);
		if (ok) {
			struct lb_model cur;

			ok = !lb_model_read(&m, &cur) && cur.nsvc == 1 && cur.svc[0].nbe == 2;
			if (ok) {
				b1 = strcmp(cur.svc[0].be[0].name, "b1") ? cur.svc[0].be[1].id :
									     cur.svc[0].be[0].id;
				b2 = strcmp(cur.svc[0].be[0].name, "b1") ? cur.svc[0].be[0].id :
									     cur.svc[0].be[1].id;
				sk.service_id = cur.svc[0].id;
				lb_model_free(&cur);
			}
		}
		snprintf(w1, sizeof(w1), "TX b%u", b1);
		snprintf(w2, sizeof(w2), "TX b%u", b2);
		ok = ok && expect_sid(7, w1, why, sizeof(why)) && expect_sid(9, w2, why, sizeof(why)) &&
		     !commit_rtag(&m, 9, 7) && expect_sid(7, w2, why, sizeof(why)) &&
		     expect_sid(9, w1, why, sizeof(why));
		tr_report(ok, "sid_cache_server_ids_swapped", "%s",
			  why[0] ? why : ok ? "as committed" : lb_err_msg());

		/* id 7 -> b1 behind lb_commit's back: b2 until the bump */
		why[0] = 0;
		new_id = b1;
		ok = !bpf_map_update_elem(m.fd[LB_SERVER_IDS], &sk, &new_id, BPF_EXIST) &&
		     expect_sid(7, w2, why, sizeof(why)) && !lb_svc_gen_bump(m.fd[LB_SVC_GEN]) &&
		     expect_sid(7, w1, why, sizeof(why));
		tr_report(ok, "sid_cache_used_until_bump", "%s", why[0] ? why : "map write");
	}

	lb_maps_close(&m);
	fx_unload(&FX);
	return tr_failures ? 1 : 0;
}
