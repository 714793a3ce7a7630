/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * model.h: the configuration (services, their backends, settings) as one
 * value, read from the pinned maps and written back by difference.
 *
 * Every command that changes the configuration does the same three steps:
 * lb_model_read() the current model, edit a copy (or parse one from a file),
 * lb_model_validate() it, then lb_commit(cur, want).  lb_commit() writes only
 * what differs, in an order that never lets a lookup find a stale id:
 *
 *   1. VIP keys that go away (the service stops being found);
 *   2. Maglev slots of deleted services;
 *   3. backends and be_meta entries that are new or changed;
 *   4. svc_meta of new or changed services;
 *   5. Maglev tables whose inputs changed (built from the final backends);
 *   6. backends that go away: entry zeroed (flags 0), then be_meta;
 *   7. svc_meta of deleted services;
 *   8. VIP keys that are new or changed (a new service appears last);
 *   9. settings.
 *
 * Each write is logged with the value it replaced; if one fails, the log is
 * replayed backwards and every map is left as it was.
 */
#ifndef SCTPLB_MODEL_H
#define SCTPLB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include "sctplb.h"
#include "pinned.h"

#define LB_MAX_WEIGHT 65535

struct lb_backend_cfg {
	char name[SCTPLB_NAME_LEN];
	__u32 id;               /* 0 in a wanted model: allocate */
	__u32 weight;
	__u32 server_id;        /* routable tags: 0 = no agent */
	bool drained;
	__u32 naddr;
	struct sctplb_addr addr[SCTPLB_MAX_PATHS];
};

/* A source policy rule of a service: addr masked to plen bits. */
struct lb_policy_rule {
	struct sctplb_addr addr;
	__u8 plen;
	__u8 action;            /* SCTPLB_POLICY_ALLOW or SCTPLB_POLICY_DENY */
};

struct lb_service_cfg {
	char name[SCTPLB_NAME_LEN];
	__u32 id;               /* 0 in a wanted model: allocate */
	__u16 port;             /* host byte order */
	__u16 udp_encap;        /* host byte order, 0 = none */
	__u32 nvips;
	struct sctplb_addr vip[SCTPLB_MAX_PATHS];
	/* Routable tags: the key file (absolute) and the key expanded from it. */
	char tag_key_file[SCTPLB_PATH_LEN];
	struct sctplb_svc_rtag rtag; /* flags 0: none */
	/* NAT (docs/nat.md): backends hold their own addresses, not the VIPs. */
	bool nat;
	__u16 target_port;      /* host byte order; 0 = the service port */
	__u32 nsnat;            /* full NAT: forwarder addresses, one per path (0: none) */
	struct sctplb_addr snat[SCTPLB_MAX_PATHS];
	struct lb_backend_cfg *be;
	size_t nbe, cap;
	/* Source policy: longest prefix wins; with any allow rule, the rest is denied. */
	struct lb_policy_rule rule[SCTPLB_MAX_SVC_RULES];
	__u32 nrule;
};

struct lb_model {
	struct lb_service_cfg *svc;
	size_t nsvc, cap;
	int unknown_policy;     /* enum sctplb_unknown_policy; -1 = leave as is */
	/* Expiry (settings), seconds; 0 = the SCTPLB_*_S default, -1 = leave as is. */
	long idle_timeout_s;
	long closing_grace_s;
	long handshake_timeout_s;
	long path_silent_s;
	/* The event stream's rate limit (settings): 0 = the default, -1 = leave as is. */
	long event_rate;
	long event_burst;
};

/* Ranges of the expiry settings, in seconds (0 also accepted: the default). */
#define LB_IDLE_TIMEOUT_MIN      10
#define LB_IDLE_TIMEOUT_MAX      604800 /* a week */
#define LB_CLOSING_GRACE_MIN     1
#define LB_CLOSING_GRACE_MAX     3600
#define LB_HANDSHAKE_TIMEOUT_MIN 1
#define LB_HANDSHAKE_TIMEOUT_MAX 3600
#define LB_PATH_SILENT_MIN       1
#define LB_PATH_SILENT_MAX       3600
#define LB_EVENT_RATE_MIN        1      /* events a second per CPU */
#define LB_EVENT_RATE_MAX        1000000
#define LB_EVENT_BURST_MIN       1
#define LB_EVENT_BURST_MAX       1000000

/*
 * One numeric setting (expiry, path health, the event rate limit): its
 * names, range, default, unit and place in a model.
 */
struct lb_timeout_def {
	const char *cmd;        /* config command word: "idle-timeout" */
	const char *key;        /* apply file key: "idle_timeout" */
	long min, max, def;
	size_t model_off;       /* offsetof(struct lb_model, ...) */
	const char *unit;       /* "s" (whole seconds), or what the number counts */
};
#define LB_NTIMEOUTS 6
extern const struct lb_timeout_def lb_timeouts[LB_NTIMEOUTS];
static inline long *lb_model_timeout(struct lb_model *md, const struct lb_timeout_def *d)
{
	return (long *)((char *)md + d->model_off);
}

int lb_model_read(const struct lb_maps *m, struct lb_model *out);

/* "ADDR/LEN" or "ADDR" (a host): 0 or -EINVAL (host bits set are an error). */
int lb_cidr_parse(const char *s, struct sctplb_addr *addr, __u8 *plen);
/* "192.0.2.0/24" into buf (at least LB_CIDRSTRLEN). */
#define LB_CIDRSTRLEN 52
const char *lb_cidr_fmt(const struct lb_policy_rule *r, char *buf, size_t len);
/* The rule of s for exactly this prefix, or NULL. */
struct lb_policy_rule *lb_service_rule(struct lb_service_cfg *s, const struct sctplb_addr *a,
				       __u8 plen);
const char *lb_policy_action_name(int action);
void lb_model_free(struct lb_model *md);
int lb_model_copy(const struct lb_model *src, struct lb_model *dst);

struct lb_service_cfg *lb_model_service(const struct lb_model *md, const char *name);
struct lb_service_cfg *lb_model_service_by_id(const struct lb_model *md, __u32 id);
/* The backend with id, of service sid (0: of any service). */
struct lb_backend_cfg *lb_model_backend_by_id(const struct lb_model *md, __u32 sid, __u32 id);
struct lb_backend_cfg *lb_service_backend(const struct lb_service_cfg *s, const char *name);
/* Append copies; the service's backends are not copied (s->be ignored). */
struct lb_service_cfg *lb_model_add_service(struct lb_model *md, const struct lb_service_cfg *s);
struct lb_backend_cfg *lb_service_add_backend(struct lb_service_cfg *s, const struct lb_backend_cfg *b);
void lb_model_del_service(struct lb_model *md, struct lb_service_cfg *s);
void lb_service_del_backend(struct lb_service_cfg *s, struct lb_backend_cfg *b);

/* Reads the key file at path (include/sctplb_rtag.h: 32 hex digits, mode
 * 0600) into s: its absolute path and the expanded key.  0 or -errno with
 * err set; s unchanged on error. */
int lb_service_tag_key(struct lb_service_cfg *s, const char *path, char *err, size_t errlen);
/* The largest server id of a service's tag key. */
#define LB_SERVER_ID_MAX ((1u << SCTPLB_RTAG_SID_BITS_DEFAULT) - 1)

/* Checks names, limits, families and VIP key clashes; err gets the cause
 * and the fix.  Returns 0 or -EINVAL. */
int lb_model_validate(const struct lb_model *md, char *err, size_t errlen);

/* Backend validation alone, for a backend about to join service s. */
int lb_backend_validate(const struct lb_service_cfg *s, const struct lb_backend_cfg *b,
			char *err, size_t errlen);

struct lb_commit_stats {
	unsigned int writes;            /* map updates and deletes done */
	unsigned int tables;            /* Maglev tables installed or removed */
};

/*
 * Adds one to svc_gen (include/sctplb.h): after any write to services or
 * server_ids made otherwise than by lb_commit, which bumps it itself.
 * 0 or -errno.
 */
int lb_svc_gen_bump(int svc_gen_fd);

/*
 * Makes the maps hold want, given that they hold cur (lb_model_read).  Ids 0
 * in want are allocated (lowest free, never one of cur's) and written back
 * into want.  Returns 0 (st says how much was written; 0 writes = nothing
 * changed) or a negative errno after rolling back, with the message in
 * lb_err_msg() (err.h).
 */
int lb_commit(const struct lb_maps *m, const struct lb_model *cur, struct lb_model *want,
	      struct lb_commit_stats *st);

/*
 * The ids that cur has and want (after lb_commit) has not: backends and
 * services deleted by the change.  Arrays malloc'ed (free them); counts out.
 */
int lb_model_removed_ids(const struct lb_model *cur, const struct lb_model *want,
			 __u32 **be_ids, size_t *nbe, __u32 **svc_ids, size_t *nsvc);

const char *lb_policy_name(int policy);
int lb_policy_parse(const char *s);

#endif
