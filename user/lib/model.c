// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* model.c: the configuration model: editing it, and reading it from the maps; see model.h. */
#include <limits.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "maglev.h"
#include "err.h"
#include "model.h"
#include "grow.h"
#include "rtag.h"
#include "model_int.h"

/* ---- model editing ---- */

const struct lb_timeout_def lb_timeouts[LB_NTIMEOUTS] = {
	{ "idle-timeout", "idle_timeout", LB_IDLE_TIMEOUT_MIN, LB_IDLE_TIMEOUT_MAX,
	  SCTPLB_IDLE_TIMEOUT_S, offsetof(struct lb_model, idle_timeout_s), "s" },
	{ "closing-grace", "closing_grace", LB_CLOSING_GRACE_MIN, LB_CLOSING_GRACE_MAX,
	  SCTPLB_CLOSING_GRACE_S, offsetof(struct lb_model, closing_grace_s), "s" },
	{ "handshake-timeout", "handshake_timeout", LB_HANDSHAKE_TIMEOUT_MIN,
	  LB_HANDSHAKE_TIMEOUT_MAX, SCTPLB_HANDSHAKE_TIMEOUT_S,
	  offsetof(struct lb_model, handshake_timeout_s), "s" },
	{ "path-silent", "path_silent", LB_PATH_SILENT_MIN, LB_PATH_SILENT_MAX,
	  SCTPLB_PATH_SILENT_S, offsetof(struct lb_model, path_silent_s), "s" },
	{ "event-rate", "event_rate", LB_EVENT_RATE_MIN, LB_EVENT_RATE_MAX, SCTPLB_EVENT_RATE,
	  offsetof(struct lb_model, event_rate), "events a second per CPU" },
	{ "event-burst", "event_burst", LB_EVENT_BURST_MIN, LB_EVENT_BURST_MAX, SCTPLB_EVENT_BURST,
	  offsetof(struct lb_model, event_burst), "events" },
};

static void model_init(struct lb_model *md)
{
	memset(md, 0, sizeof(*md));
	md->unknown_policy = -1;
	md->idle_timeout_s = md->closing_grace_s = md->handshake_timeout_s = -1;
	md->path_silent_s = -1;
	md->event_rate = md->event_burst = -1;
}

void lb_model_free(struct lb_model *md)
{
	size_t i;

	for (i = 0; i < md->nsvc; i++)
		free(md->svc[i].be);
	free(md->svc);
	model_init(md);
}

struct lb_service_cfg *lb_model_add_service(struct lb_model *md, const struct lb_service_cfg *s)
{
	struct lb_service_cfg *n;

	n = lb_grow(md->svc, &md->cap, md->nsvc, sizeof(*n), 8);
	if (!n)
		return NULL;
	md->svc = n;
	n = &md->svc[md->nsvc++];
	*n = *s;
	n->be = NULL;
	n->nbe = n->cap = 0;
	return n;
}

struct lb_backend_cfg *lb_service_add_backend(struct lb_service_cfg *s, const struct lb_backend_cfg *b)
{
	struct lb_backend_cfg *n;

	n = lb_grow(s->be, &s->cap, s->nbe, sizeof(*n), 8);
	if (!n)
		return NULL;
	s->be = n;
	n = &s->be[s->nbe++];
	*n = *b;
	return n;
}

void lb_model_del_service(struct lb_model *md, struct lb_service_cfg *s)
{
	size_t i = s - md->svc;

	free(s->be);
	memmove(&md->svc[i], &md->svc[i + 1], (md->nsvc - i - 1) * sizeof(*s));
	md->nsvc--;
}

void lb_service_del_backend(struct lb_service_cfg *s, struct lb_backend_cfg *b)
{
	size_t i = b - s->be;

	memmove(&s->be[i], &s->be[i + 1], (s->nbe - i - 1) * sizeof(*b));
	s->nbe--;
}

int lb_model_copy(const struct lb_model *src, struct lb_model *dst)
{
	size_t i, j;

	model_init(dst);
	dst->unknown_policy = src->unknown_policy;
	dst->idle_timeout_s = src->idle_timeout_s;
	dst->closing_grace_s = src->closing_grace_s;
	dst->handshake_timeout_s = src->handshake_timeout_s;
	dst->path_silent_s = src->path_silent_s;
	dst->event_rate = src->event_rate;
	dst->event_burst = src->event_burst;
	for (i = 0; i < src->nsvc; i++) {
		struct lb_service_cfg *s = lb_model_add_service(dst, &src->svc[i]);

		if (!s)
			goto nomem;
		for (j = 0; j < src->svc[i].nbe; j++)
			if (!lb_service_add_backend(s, &src->svc[i].be[j]))
				goto nomem;
	}
	return 0;
nomem:
	lb_model_free(dst);
	return -ENOMEM;
}

struct lb_service_cfg *lb_model_service(const struct lb_model *md, const char *name)
{
	size_t i;

	for (i = 0; i < md->nsvc; i++)
		if (!strcmp(md->svc[i].name, name))
			return &md->svc[i];
	return NULL;
}

struct lb_service_cfg *lb_model_service_by_id(const struct lb_model *md, __u32 id)
{
	size_t i;

	for (i = 0; id && i < md->nsvc; i++)
		if (md->svc[i].id == id)
			return &md->svc[i];
	return NULL;
}

struct lb_backend_cfg *lb_model_backend_by_id(const struct lb_model *md, __u32 sid, __u32 id)
{
	size_t i, j;

	for (i = 0; i < md->nsvc; i++)
		for (j = 0; j < md->svc[i].nbe; j++)
			if (md->svc[i].be[j].id == id && (!sid || md->svc[i].id == sid))
				return &md->svc[i].be[j];
	return NULL;
}

struct lb_backend_cfg *lb_service_backend(const struct lb_service_cfg *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nbe; i++)
		if (!strcmp(s->be[i].name, name))
			return &s->be[i];
	return NULL;
}

const char *lb_policy_name(int policy)
{
	switch (policy) {
	case SCTPLB_UNKNOWN_DROP: return "drop";
	case SCTPLB_UNKNOWN_PASS: return "pass";
	case SCTPLB_UNKNOWN_HASH: return "hash";
	}
	return "?";
}

int lb_policy_parse(const char *s)
{
	if (!strcmp(s, "drop"))
		return SCTPLB_UNKNOWN_DROP;
	if (!strcmp(s, "pass"))
		return SCTPLB_UNKNOWN_PASS;
	if (!strcmp(s, "hash"))
		return SCTPLB_UNKNOWN_HASH;
	return -EINVAL;
}

/* ---- reading ---- */

int lb_model_read(const struct lb_maps *m, struct lb_model *out)
{
	struct sctplb_service_meta sm;
	struct sctplb_backend_meta bm;
	struct sctplb_svc_nat nat;
	struct sctplb_backend be;
	struct sctplb_config cfg;
	__u32 id;

	model_init(out);
	if (lb_settings_read(m, &cfg))
		return -EIO;
	out->unknown_policy = cfg.unknown_policy;
	out->idle_timeout_s = cfg.idle_timeout_s;
	out->closing_grace_s = cfg.closing_grace_s;
	out->handshake_timeout_s = cfg.handshake_timeout_s;
	out->path_silent_s = cfg.path_silent_s;
	out->event_rate = cfg.event_rate;
	out->event_burst = cfg.event_burst;
	for (id = 1; id < SCTPLB_MAX_SERVICES; id++) {
		struct lb_service_cfg s = {};

		if (bpf_map_lookup_elem(m->fd[LB_SVC_META], &id, &sm))
			goto io;
		if (!sm.name[0])
			continue;
		memcpy(s.name, sm.name, sizeof(s.name));
		s.name[SCTPLB_NAME_LEN - 1] = 0;
		s.id = id;
		s.port = sm.sctp_port;
		s.udp_encap = sm.udp_encap_port;
		s.nvips = sm.nvips > SCTPLB_MAX_PATHS ? SCTPLB_MAX_PATHS : sm.nvips;
		memcpy(s.vip, sm.vip, sizeof(s.vip));
		memcpy(s.tag_key_file, sm.tag_key_file, sizeof(s.tag_key_file));
		s.tag_key_file[SCTPLB_PATH_LEN - 1] = 0;
		if (bpf_map_lookup_elem(m->fd[LB_SVC_RTAG], &id, &s.rtag))
			goto io;
		if (bpf_map_lookup_elem(m->fd[LB_SVC_NAT], &id, &nat))
			goto io;
		s.nat = nat.flags & SCTPLB_NAT_F_ON;
		s.target_port = ntohs(nat.target_port);
		s.nsnat = nat.nsnat > SCTPLB_MAX_PATHS ? SCTPLB_MAX_PATHS : nat.nsnat;
		memcpy(s.snat, nat.snat, sizeof(s.snat));
		if (!lb_model_add_service(out, &s))
			goto nomem;
	}
	if (pol_read_rules(m, out))
		goto nomem;
	for (id = 1; id < SCTPLB_MAX_BACKENDS; id++) {
		struct lb_backend_cfg b = {};
		struct lb_service_cfg *s;
		__u32 p;

		if (bpf_map_lookup_elem(m->fd[LB_BE_META], &id, &bm))
			goto io;
		if (!bm.name[0])
			continue;
		s = lb_model_service_by_id(out, bm.service_id);
		if (!s)
			continue;       /* orphan: not part of the configuration */
		if (bpf_map_lookup_elem(m->fd[LB_BACKENDS], &id, &be))
			goto io;
		memcpy(b.name, bm.name, sizeof(b.name));
		b.name[SCTPLB_NAME_LEN - 1] = 0;
		b.id = id;
		b.weight = bm.weight;
		b.server_id = bm.server_id;
		b.drained = be.flags & SCTPLB_BE_F_DRAINED;
		b.naddr = s->nvips;
		for (p = 0; p < SCTPLB_MAX_PATHS; p++)
			b.addr[p] = be.addr[p];
		if (!lb_service_add_backend(s, &b))
			goto nomem;
	}
	return 0;
io:
	lb_err(-EIO, "cannot read the maps under %s: %s", m->dir, strerror(errno));
	lb_model_free(out);
	return -EIO;
nomem:
	lb_model_free(out);
	return lb_err(-ENOMEM, "out of memory reading the configuration");
}

int lb_service_tag_key(struct lb_service_cfg *s, const char *path, char *err, size_t errlen)
{
	uint8_t key[SCTPLB_RTAG_KEY_LEN];
	struct sctplb_svc_rtag r = { .flags = SCTPLB_RTAG_F_ON };
	char abs[PATH_MAX];
	int e;

	if (!realpath(path, abs)) {
		e = -errno;
		snprintf(err, errlen, "%s: %s (the tag key file: make one with 'sctplb keygen FILE')",
			 path, strerror(-e));
		return e;
	}
	if (strlen(abs) >= SCTPLB_PATH_LEN) {
		snprintf(err, errlen, "%s: the key file's path is longer than %d characters: move "
			 "it somewhere shorter", abs, SCTPLB_PATH_LEN - 1);
		return -ENAMETOOLONG;
	}
	e = lb_rtag_key_read(abs, key, err, errlen);
	if (!e)
		e = lb_rtag_key_expand(key, SCTPLB_RTAG_SID_BITS_DEFAULT, &r.key, err, errlen);
	explicit_bzero(key, sizeof(key));
	if (e)
		return e;
	s->rtag = r;
	snprintf(s->tag_key_file, sizeof(s->tag_key_file), "%s", abs);
	return 0;
}
