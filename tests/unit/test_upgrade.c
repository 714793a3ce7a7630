// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_upgrade: maps pinned by ABI 3 (settings without the tables' key;
 * handshakes, assocs_pending and pending_ctags LRU hashes) are upgraded in
 * place by a command that may create maps (attach): the configuration, the
 * handshakes and the unconfirmed associations with their Tc index carried
 * over (the unconfirmed table as large as the LRU was), a key made, every
 * other map kept with what it holds; a command that only
 * reads refuses them and says to attach.  The ABI 3 pin set is made by hand
 * in a bpffs directory unique to the run, removed on exit.  Then the same
 * for ABI 4 -> 5 (the sets' sequence count): the upgraded unconfirmed
 * tables are put back in ABI 4's layout (the count's 4 bytes out, entries
 * moved back), settings says 4, and an attach upgrades them again.  Then
 * ABI 5 -> 6: client_index, an LRU hash in every ABI before 6 (in each of
 * the three cases above too), becomes a set-associative table with every
 * entry carried over, sized by the LRU's --max-assocs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "err.h"
#include "pinned.h"
#include "settable.h"
#include "report.h"

static char dir[128];

/* ABI 3's struct sctplb_config: the fields before settable_key. */
struct config_v3 {
	__u32 abi_version, unknown_policy, idle_timeout_s, closing_grace_s, handshake_timeout_s,
	      path_silent_s, event_rate, event_burst;
};

static void cleanup(void)
{
	char path[256];
	int i;

	for (i = 0; i < LB_MAP_N; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, lb_map_names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s_abi3", dir, lb_map_names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s_abi4", dir, lb_map_names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s_lru", dir, lb_map_names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static struct sctplb_client_key ckey(__u16 cport, __u32 a)
{
	struct sctplb_client_key k = { .service_id = 1, .cport = htons(cport),
				       .family = SCTPLB_AF_INET };

	k.caddr[0] = htonl(a);
	return k;
}

#define NPEND    50
#define PEND_MAX 65536          /* ABI 3's assocs_pending: --max-assocs 65536 */

static struct sctplb_assoc_key pkey(__u32 i, bool by_tc)
{
	return (struct sctplb_assoc_key){ .service_id = 1, .vtag = (by_tc ? 0x7c000000u : 0x75000000u) + i,
					  .cport = htons(40000 + i), .sport = htons(5000) };
}

/* An ABI 3 LRU hash pinned at dir/name with n entries of fill(i, key, value). */
static int make_lru(const char *name, __u32 ksz, __u32 vsz, __u32 max, __u32 n,
		    void (*fill)(__u32 i, void *k, void *v))
{
	unsigned char k[64], v[256];
	char path[256];
	__u32 i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, name, ksz, vsz, max, NULL);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		memset(k, 0, sizeof(k));
		memset(v, 0, sizeof(v));
		fill(i, k, v);
		if (bpf_map_update_elem(fd, k, v, BPF_ANY))
			return -1;
	}
	if (bpf_obj_pin(fd, path))
		return -1;
	close(fd);
	return 0;
}

static void fill_pending(__u32 i, void *k, void *v)
{
	struct sctplb_assoc *a = v;

	*(struct sctplb_assoc_key *)k = pkey(i, false);
	a->backend_id = 1 + i % 3;
	a->ctag = 0x7c000000u + i;
	a->state = SCTPLB_ASSOC_ESTABLISHED;
	a->packets = 1 + i % 3;
	a->created = 1000 + i;
	a->seen = 2000 + i;
	a->path[0].family = SCTPLB_AF_INET;
	a->path[0].caddr[0] = htonl(0xcb007100 + i);
}

static void fill_pctag(__u32 i, void *k, void *v)
{
	*(struct sctplb_assoc_key *)k = pkey(i, true);
	((struct sctplb_ctag_value *)v)->stag = 0x75000000u + i;
}

#define NCLIENTS    300
#define CLIENTS_MAX 65536       /* the LRU's --max-assocs */

/* client_index before ABI 6: service 1, port 20000 + i, 203.0.113.0/24
 * and on, backend 1 + i % 4, Ts 0x5e000000 + i. */
static void fill_client(__u32 i, void *k, void *v)
{
	*(struct sctplb_client_key *)k = ckey(20000 + i, 0xcb007100 + i);
	*(struct sctplb_client *)v = (struct sctplb_client){ .backend_id = 1 + i % 4,
							     .stag = 0x5e000000u + i };
}

static int make_lru_clients(void)
{
	return make_lru("client_index", sizeof(struct sctplb_client_key),
			sizeof(struct sctplb_client), CLIENTS_MAX, NCLIENTS, fill_client);
}

/* client_index after an upgrade: a table for clients client addresses (the
 * LRU's size unless --max-clients was given), every entry of the LRU in it,
 * the LRU's pin gone. */
static void check_clients(const struct lb_maps *m, unsigned int abi, __u32 clients)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i;
	struct lb_settable t;
	char path[256], name[128];
	int bad = 0, err;

	err = lb_settable_open(&t, m, LB_CLIENT_INDEX) ||
	      bpf_obj_get_info_by_fd(m->fd[LB_CLIENT_INDEX], &info, &len);
	for (i = 0; !err && i < NCLIENTS; i++) {
		struct sctplb_client_key k, wk;
		struct sctplb_client v, want;

		fill_client(i, &wk, &want);
		k = wk;
		bad += lb_settable_lookup(&t, &k, &v, NULL) || v.backend_id != want.backend_id ||
		       v.stag != want.stag;
	}
	snprintf(name, sizeof(name), "ABI %u's client_index (an LRU hash) carried into a table %s, "
		 "every entry, its pin gone", abi, clients == CLIENTS_MAX ? "as large" :
		 "of --max-clients");
	snprintf(path, sizeof(path), "%s/client_index_lru", dir);
	tr_report(!err && !bad && lb_settable_count(&t) == NCLIENTS &&
		  info.max_entries == SCTPLB_CLIENT_SETS(clients) && access(path, F_OK) != 0,
		  name, "err %d, %d of %d differ, %ld entries, %u sets (want %u), %s %s", err, bad,
		  NCLIENTS, err ? -1 : lb_settable_count(&t), info.max_entries,
		  SCTPLB_CLIENT_SETS(clients), path, access(path, F_OK) ? "absent" : "left");
}

/* settings, handshakes and the unconfirmed tables replaced by ABI 3's, with
 * what ABI 3 held. */
static int make_abi3(void)
{
	struct config_v3 c = { .abi_version = 3, .unknown_policy = SCTPLB_UNKNOWN_HASH,
			       .idle_timeout_s = 123, .closing_grace_s = 4, .handshake_timeout_s = 7,
			       .path_silent_s = 50, .event_rate = 99, .event_burst = 9 };
	char path[256];
	__u32 zero = 0, i;
	int fd;

	snprintf(path, sizeof(path), "%s/settings", dir);
	unlink(path);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "settings", 4, sizeof(c), 1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, &c, BPF_ANY) || bpf_obj_pin(fd, path))
		return -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/handshakes", dir);
	unlink(path);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "handshakes", sizeof(struct sctplb_client_key),
			    sizeof(struct sctplb_handshake), SCTPLB_MAX_HANDSHAKES, NULL);
	if (fd < 0)
		return -1;
	for (i = 0; i < 100; i++) {
		struct sctplb_client_key k = ckey(30000 + i, 0xc6336400 + i); /* 198.51.100.i */
		struct sctplb_handshake h = { .backend_id = 1 + i % 3, .ctag = 0x1000 + i,
					      .created_ns = 5000000000ull + i, .path = i & 1,
					      .stag = i == 7 ? 0x77 : 0 };

		if (bpf_map_update_elem(fd, &k, &h, BPF_ANY))
			return -1;
	}
	if (bpf_obj_pin(fd, path))
		return -1;
	close(fd);
	return make_lru_clients() ||
	       make_lru("assocs_pending", sizeof(struct sctplb_assoc_key), sizeof(struct sctplb_assoc),
			PEND_MAX, NPEND, fill_pending) ||
	       make_lru("pending_ctags", sizeof(struct sctplb_assoc_key),
			sizeof(struct sctplb_ctag_value), PEND_MAX, NPEND, fill_pctag);
}

/* The unconfirmed associations and their Tc index, as ABI 3 held them, and
 * (ABI 4) the full sets of fill_full_sets beside them: pextra and cextra
 * entries more. */
static void check_pending(const struct lb_maps *m, long pextra, long cextra)
{
	struct lb_settable pt, ct;
	int i, bad = 0;

	if (lb_settable_open(&pt, m, LB_PENDING) || lb_settable_open(&ct, m, LB_PENDING_CTAGS)) {
		tr_result("unconfirmed associations carried over", "not set-associative tables");
		return;
	}
	for (i = 0; i < NPEND; i++) {
		struct sctplb_assoc_key k = pkey(i, false), ck = pkey(i, true);
		struct sctplb_assoc a, want;
		struct sctplb_ctag_value cv;
		struct sctplb_assoc_key wk;

		memset(&want, 0, sizeof(want));
		fill_pending(i, &wk, &want);
		bad += lb_settable_lookup(&pt, &k, &a, NULL) || memcmp(&a, &want, sizeof(a)) ||
		       lb_settable_lookup(&ct, &ck, &cv, NULL) || cv.stag != k.vtag;
	}
	tr_report(!bad && lb_settable_count(&pt) == NPEND + pextra &&
		  lb_settable_count(&ct) == NPEND + cextra &&
		  pt.nsets * pt.l.ways == PEND_MAX,
		  "unconfirmed associations: all 50 and their Tc index carried into the tables, as "
		  "large as the LRU was",
		  "%d differ or missing, %ld and %ld entries (want %ld, %ld), capacity %u (want %u)",
		  bad, lb_settable_count(&pt), lb_settable_count(&ct), NPEND + pextra, NPEND + cextra,
		  pt.nsets * pt.l.ways, PEND_MAX);
}

/* One set of table id filled, every way (the sets of 50 entries in 65536
 * have one each): keys from fill(0x100000 + n) that share a set, put through
 * the library; check: every one still there with its value.  The number of
 * ways, or -1. */
static int full_set(const struct lb_maps *m, enum lb_map_id id, void (*fill)(__u32, void *, void *),
		    bool check)
{
	char k[sizeof(struct sctplb_assoc_key)], v[sizeof(struct sctplb_assoc)], got[sizeof(v)];
	struct lb_settable t;
	__u32 n, set = UINT32_MAX, ways = 0;

	if (lb_settable_open(&t, m, id))
		return -1;
	for (n = 0; ways < t.l.ways && n < 1u << 20; n++) {
		memset(v, 0, sizeof(v));
		fill(0x100000 + n, k, v);
		if (set == UINT32_MAX)
			set = lb_settable_index(&t, k);
		if (lb_settable_index(&t, k) != set)
			continue;
		ways++;
		if (check ? lb_settable_lookup(&t, k, got, NULL) || memcmp(got, v, t.l.val_size) :
			    lb_settable_put(&t, k, v, 3000 + n))
			return -1;
	}
	return ways == t.l.ways ? (int)ways : -1;
}

/* Table id as ABI 4 laid its sets out (no seq: entries 4 bytes earlier), a
 * plain array pinned in its place with the same sets. */
static int make_abi4_table(const struct lb_maps *m, enum lb_map_id id)
{
	struct lb_settable_layout l;
	struct lb_settable t;
	char path[256], *set = NULL, *old = NULL;
	__u32 i;
	int fd = -1, err = lb_settable_open(&t, m, id);

	if (!err)
		err = lb_settable_layout(id, &l);
	if (!err && (!(set = calloc(1, l.set_size)) || !(old = calloc(1, l.set_size))))
		err = -ENOMEM;
	if (!err) {
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, lb_map_names[id], 4, l.set_size - 4,
				    t.nsets, NULL);
		err = fd < 0 ? -errno : 0;
	}
	for (i = 0; !err && i < t.nsets; i++) {
		if (bpf_map_lookup_elem_flags(m->fd[id], &i, set, BPF_F_LOCK))
			err = -errno;
		memset(old, 0, l.set_size);
		memcpy(old + l.fp_off, set + l.fp_off, l.seq_off - l.fp_off);
		memcpy(old + l.seq_off, set + l.entries_off, (size_t)l.ways * l.entry_size);
		if (!err && bpf_map_update_elem(fd, &i, old, BPF_ANY))
			err = -errno;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, lb_map_names[id]);
	if (!err && (unlink(path) || bpf_obj_pin(fd, path)))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(set);
	free(old);
	return err;
}

/* A read-only open of the ABI-abi maps under dir refuses, and says what to run. */
static void refused_read_only(unsigned int abi)
{
	struct lb_maps m;
	char want[32], name[96];
	int err = lb_maps_open(&m, dir, 0, NULL);

	snprintf(want, sizeof(want), "ABI version %u", abi);
	snprintf(name, sizeof(name),
		 "a read-only open of ABI %u maps refuses and says 'sctplb attach' upgrades", abi);
	tr_report(err == -EPROTO && lb_err_msg() && strstr(lb_err_msg(), want) &&
		  strstr(lb_err_msg(), "sctplb attach"),
		  name, "err %d: %s", err, lb_err_msg() ? lb_err_msg() : "(no message)");
	if (!err)
		lb_maps_close(&m);
	lb_err_clear();
}

/* The maps m holds (closed here) made ABI abi's by settings c: a read-only
 * open refuses them, an attach (with sizes sz) upgrades them (m open again),
 * the configuration kept: 0, or -1 (reported). */
static int attach_over(unsigned int abi, struct sctplb_config *c, struct lb_maps *m,
		       const struct lb_sizes *sz)
{
	char name[64];
	int err;

	c->abi_version = abi;
	err = lb_settings_write(m, c);
	lb_maps_close(m);
	snprintf(name, sizeof(name), "an attach over ABI %u maps upgrades them in place", abi);
	if (err) {
		tr_result(name, "setup: cannot write settings");
		return -1;
	}
	refused_read_only(abi);
	err = lb_maps_open(m, dir, LB_OPEN_CREATE | LB_OPEN_LOCK, sz);
	if (err) {
		tr_result(name, lb_err_msg() ? lb_err_msg() : strerror(-err));
		return -1;
	}
	tr_result(name, NULL);
	lb_settings_read(m, c);
	tr_report(c->abi_version == SCTPLB_ABI_VERSION && c->idle_timeout_s == 123,
		  "settings: the current ABI written, the configuration kept", "ABI %u: abi %u "
		  "idle %u", abi, c->abi_version, c->idle_timeout_s);
	return 0;
}

static void abi4(void)
{
	struct sctplb_config c;
	struct lb_settable t;
	struct lb_maps m;
	char path[256];
	long hs = -1;
	int pways = -1, cways = -1;

	if (lb_maps_open(&m, dir, 0, NULL) || lb_settable_open(&t, &m, LB_HANDSHAKES) ||
	    (hs = lb_settable_count(&t)) != 100 ||
	    (pways = full_set(&m, LB_PENDING, fill_pending, false)) < 0 ||
	    (cways = full_set(&m, LB_PENDING_CTAGS, fill_pctag, false)) < 0 ||
	    make_abi4_table(&m, LB_PENDING) ||
	    make_abi4_table(&m, LB_PENDING_CTAGS) || lb_settings_read(&m, &c) ||
	    make_lru_clients()) {
		lb_maps_close(&m);
		return tr_result("ABI 4 maps", "cannot make them");
	}
	if (attach_over(4, &c, &m, NULL))
		return;
	/* The same sets, at the same indexes: every entry found by its key,
	 * those of the full sets too (every way copied). */
	check_pending(&m, pways, cways);
	tr_report(full_set(&m, LB_PENDING, fill_pending, true) == pways &&
		  full_set(&m, LB_PENDING_CTAGS, fill_pctag, true) == cways,
		  "a full set of each unconfirmed table carried whole (every way)",
		  "%d ways of assocs_pending, %d of pending_ctags, each entry compared", pways,
		  cways);
	hs = lb_settable_open(&t, &m, LB_HANDSHAKES) ? -1 : lb_settable_count(&t);
	tr_report(hs == 100, "handshakes (the same layout) kept as they were", "%ld entries", hs);
	snprintf(path, sizeof(path), "%s/assocs_pending_abi4", dir);
	tr_report(access(path, F_OK) != 0, "ABI 4's pins removed", "%s %s", path,
		  access(path, F_OK) ? "absent" : "left");
	check_clients(&m, 4, CLIENTS_MAX);
	lb_maps_close(&m);
}

/* ABI 5: the current maps but client_index, an LRU hash; upgraded by an
 * attach given --max-clients clients (0: none given). */
static void abi5(__u32 clients)
{
	struct sctplb_assoc_key ak = { .service_id = 1, .vtag = 0x555, .cport = htons(5),
				       .sport = htons(2) };
	struct sctplb_assoc a = { .backend_id = 3, .ctag = 0x556, .state = SCTPLB_ASSOC_ESTABLISHED };
	struct sctplb_config c;
	struct lb_settable t;
	struct lb_maps m;
	long hs = -1;

	if (lb_maps_open(&m, dir, 0, NULL) || lb_settings_read(&m, &c) ||
	    bpf_map_update_elem(m.fd[LB_ASSOCS], &ak, &a, BPF_ANY) || make_lru_clients()) {
		lb_maps_close(&m);
		return tr_result("ABI 5 maps", "cannot make them");
	}
	if (attach_over(5, &c, &m, &(struct lb_sizes){ .clients = clients }))
		return;
	check_clients(&m, 5, clients ? clients : CLIENTS_MAX);
	hs = lb_settable_open(&t, &m, LB_HANDSHAKES) ? -1 : lb_settable_count(&t);
	tr_report(hs == 100 && bpf_map_lookup_elem(m.fd[LB_ASSOCS], &ak, &a) == 0 &&
		  a.backend_id == 3, "ABI 5's other maps kept: handshakes, associations",
		  "%ld handshakes, assocs[%#x] %s", hs, ak.vtag,
		  bpf_map_lookup_elem(m.fd[LB_ASSOCS], &ak, &a) ? "absent" : "present");
	lb_maps_close(&m);
}

int main(void)
{
	struct sctplb_assoc_key ak = { .service_id = 1, .vtag = 0xabc, .cport = htons(1),
				       .sport = htons(2) };
	struct sctplb_assoc a = { .backend_id = 2, .ctag = 0xdef, .state = SCTPLB_ASSOC_ESTABLISHED };
	struct sctplb_config c;
	struct lb_settable t;
	struct lb_maps m;
	int err, i, bad = 0;
	char path[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	srand(time(NULL) ^ getpid());
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/sctplb-test-upgrade-%d-%d", getpid(), rand());
	atexit(cleanup);

	/* An ABI 4 set with an established association, then ABI 3's two maps. */
	if (lb_maps_open(&m, dir, LB_OPEN_CREATE, NULL) ||
	    bpf_map_update_elem(m.fd[LB_ASSOCS], &ak, &a, BPF_NOEXIST)) {
		printf("FAIL upgrade: setup: %s\n", lb_err_msg() ? lb_err_msg() : strerror(errno));
		return 1;
	}
	lb_maps_close(&m);
	if (make_abi3()) {
		printf("FAIL upgrade: ABI 3 maps: %s\n", strerror(errno));
		return 1;
	}

	refused_read_only(3);

	err = lb_maps_open(&m, dir, LB_OPEN_CREATE | LB_OPEN_LOCK, NULL);
	if (err) {
		printf("FAIL upgrade: %s\n", lb_err_msg() ? lb_err_msg() : strerror(-err));
		return 1;
	}
	tr_result("an attach over ABI 3 maps upgrades them in place", NULL);
	lb_settings_read(&m, &c);
	tr_report(c.abi_version == SCTPLB_ABI_VERSION && c.unknown_policy == SCTPLB_UNKNOWN_HASH &&
		  c.idle_timeout_s == 123 && c.closing_grace_s == 4 && c.handshake_timeout_s == 7 &&
		  c.path_silent_s == 50 && c.event_rate == 99 && c.event_burst == 9 &&
		  (c.settable_key[0] | c.settable_key[1] | c.settable_key[2] | c.settable_key[3]),
		  "settings: ABI 3's configuration kept, the current ABI written, a key made",
		  "abi %u policy %u idle %u grace %u handshake %u silent %u rate %u burst %u",
		  c.abi_version, c.unknown_policy, c.idle_timeout_s, c.closing_grace_s,
		  c.handshake_timeout_s, c.path_silent_s, c.event_rate, c.event_burst);
	if (lb_settable_open(&t, &m, LB_HANDSHAKES)) {
		printf("FAIL upgrade: handshakes is not a set-associative table\n");
		return 1;
	}
	for (i = 0; i < 100; i++) {
		struct sctplb_client_key k = ckey(30000 + i, 0xc6336400 + i);
		struct sctplb_handshake h;
		__u32 st;

		bad += lb_settable_lookup(&t, &k, &h, &st) || h.backend_id != 1u + i % 3 ||
		       h.ctag != 0x1000u + i || h.created_ns != 5000000000ull + i ||
		       h.path != (i & 1) || h.stag != (i == 7 ? 0x77u : 0) ||
		       st != sctplb_stamp(h.created_ns);
	}
	tr_report(!bad && lb_settable_count(&t) == 100,
		  "handshakes: all 100 of the LRU carried into the table, stamped by their INIT",
		  "%d differ, %ld entries", bad, lb_settable_count(&t));
	check_pending(&m, 0, 0);
	tr_report(bpf_map_lookup_elem(m.fd[LB_ASSOCS], &ak, &a) == 0 && a.backend_id == 2 &&
		  a.ctag == 0xdef, "the other maps kept: the established association is there",
		  "assocs[%#x]: backend %u, Tc %#x", ak.vtag, a.backend_id, a.ctag);
	snprintf(path, sizeof(path), "%s/settings_abi3", dir);
	tr_report(access(path, F_OK) != 0, "the old maps' pins removed", "%s %s", path,
		  access(path, F_OK) ? "absent" : "left");
	check_clients(&m, 3, CLIENTS_MAX);
	lb_maps_close(&m);

	err = lb_maps_open(&m, dir, 0, NULL);
	tr_report(!err, "the upgraded maps open as the current ABI", "%s",
		  err && lb_err_msg() ? lb_err_msg() : "ok");
	if (!err)
		lb_maps_close(&m);
	abi4();
	abi5(0);
	abi5(4 * CLIENTS_MAX);
	return tr_failures ? 1 : 0;
}
