/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pinned.h: the maps pinned under the pin directory (default
 * /sys/fs/bpf/sctplb), one file per map named as in bpf/lib/maps.h.
 *
 * lb_maps_open() checks every pinned map against this build's layout
 * (type, key and value size, settings.abi_version) before using it, and with
 * LB_OPEN_CREATE creates the missing ones through the skeleton (programs not
 * loaded), pins them and writes settings.abi_version.  Errors are returned
 * as -errno with their message (cause and next step) in lb_err_msg() (err.h).  LB_OPEN_LOCK takes an
 * exclusive flock on the directory for the lifetime of the handle, so that
 * two commands never interleave their writes.
 */
#ifndef SCTPLB_PINNED_H
#define SCTPLB_PINNED_H

#include <limits.h>
#include <stdbool.h>
#include <bpf/libbpf.h>
#include "sctplb.h"

#define LB_DEFAULT_PIN_PATH "/sys/fs/bpf/sctplb"
#define LB_PIN_PATH_MAX 1024

/* Map ids: SCTPLB_MAPS (include/sctplb.h), then maglev and events. */
#define LB_MAP_ID(id, ...) LB_##id,
enum lb_map_id {
	SCTPLB_MAPS(LB_MAP_ID)
	LB_MAGLEV,
	LB_EVENTS,
	LB_MAP_N
};
#undef LB_MAP_ID

extern const char *const lb_map_names[LB_MAP_N];

struct lb_maps {
	char dir[LB_PIN_PATH_MAX];
	int fd[LB_MAP_N];
	int lock_fd;
};

#define LB_OPEN_CREATE   (1u << 0)
#define LB_OPEN_LOCK     (1u << 1)
/* Creates the missing maps only where some are pinned (pins of an older
 * sctplb that lacked a map): "nothing configured" stays -ENOENT. */
#define LB_OPEN_COMPLETE (1u << 2)

/*
 * max_entries of map id (SCTPLB_MAP_F_ASSOCS) for n entries: n, or for a
 * set-associative table its sets (n / ways, rounded up; client_index's with
 * its slack, SCTPLB_CLIENT_SETS).  n is associations, or for client_index
 * client addresses.
 */
__u32 lb_assoc_map_entries(enum lb_map_id id, __u32 n);

/*
 * The sizes of the tables that hold associations (--max-assocs) and of the
 * client index (--max-clients: client addresses, as many as --max-assocs
 * unless it is given).  0 = the default.  Applied only to maps created now
 * (or replaced by an upgrade): lb_map_sized_for tells whether a pinned map
 * has the size given.
 */
struct lb_sizes {
	__u32 assocs;
	__u32 clients;
};

/* sz may be NULL: the defaults. */
int lb_maps_open(struct lb_maps *m, const char *dir, unsigned int flags, const struct lb_sizes *sz);
/* Whether opened map id (SCTPLB_MAP_F_ASSOCS) has the size for n entries;
 * *max_entries its size. */
bool lb_map_sized_for(const struct lb_maps *m, enum lb_map_id id, __u32 n, __u32 *max_entries);
void lb_maps_close(struct lb_maps *m);

/*
 * For an opened, not yet loaded, skeleton object: checks the pins under dir
 * (which must all exist: call lb_maps_open with LB_OPEN_CREATE first) and sets
 * every map's pin path and size so that loading reuses them.
 */
int lb_maps_bind_obj(struct bpf_object *obj, const char *dir);

/* Checks that dir is on a bpffs (creating it if create); lb_err() on failure. */
int lb_pin_dir_check(const char *dir, bool create);

/* sctplb__open() of the skeleton (sctplb.skel.h); lb_err() on failure, keeps errno. */
struct sctplb;
struct sctplb *lb_skel_open(void);

/*
 * Calls fn(key, value, ctx) for every entry of map fd (keys of ksz bytes, values
 * of vsz: a per-CPU map's is every possible CPU's, each 8-byte aligned), in batch
 * lookups where the kernel has them for the map, else key by key.  fn must not
 * delete (collect, then delete); a non-zero return from fn ends the walk and is
 * returned.  0, or a negative errno.
 */
typedef int (*lb_scan_fn)(const void *key, const void *val, void *ctx);
int lb_map_scan(int fd, __u32 ksz, __u32 vsz, lb_scan_fn fn, void *ctx);
/* The same with the batch lookup's elem_flags (BPF_F_LOCK: each value read under its
 * bpf_spin_lock, as a set-associative table's sets are). */
int lb_map_scan_flags(int fd, __u32 ksz, __u32 vsz, __u64 elem_flags, lb_scan_fn fn, void *ctx);
/* The vsz lb_map_scan takes for a map: its value size, or for a per-CPU map that of
 * every possible CPU's copy, each 8-byte aligned.  0 if the CPUs cannot be counted. */
struct bpf_map_info;
__u32 lb_map_value_size(const struct bpf_map_info *mi);

/*
 * Every association, confirmed (assocs) then unconfirmed (assocs_pending):
 * fn(key, value, confirmed, arg) for each; a non-zero return stops the walk
 * and is returned.  A table that changes under the walk may show an entry
 * twice or not at all, as any map walk.
 */
typedef int (*lb_assoc_fn)(const struct sctplb_assoc_key *k, const struct sctplb_assoc *a,
			   bool confirmed, void *arg);
int lb_assocs_walk(const struct lb_maps *m, lb_assoc_fn fn, void *arg);

/*
 * Whether the unconfirmed association (k, a) is found by its Tc through the
 * handshake of one of its client addresses (the datapath's pending_by_ctag,
 * bpf/lib/lb.h: since the COOKIE-ECHO or the INIT-ACK the handshake names
 * its Ts, and the association carries its Tc), hs the handshakes table (lb_settable_open LB_HANDSHAKES);
 * that handshake's key and value in *hk and *h when not NULL.  Such an
 * association has no pending_ctags entry when its client's INIT listed no
 * other address.
 */
struct lb_settable;

/*
 * For h, the handshake of k in hs (lb_settable_open LB_HANDSHAKES), of an
 * address an INIT listed (SCTPLB_HS_F_LISTED): the Ts that the handshake of
 * that INIT's source, in the set h names, holds for Tc ctag (the datapath's
 * hs_src_stag, bpf/lib/lb.h), in *stag.  False if none.
 */
bool lb_listed_src_stag(const struct lb_settable *hs, const struct sctplb_client_key *k,
			const struct sctplb_handshake *h, __u32 ctag, __u32 *stag);

/*
 * The Ts of an unconfirmed association by its Tc (ck: service, Tc, ports),
 * as the datapath finds it: pending_ctags, else the handshake of the client
 * address (family, addr) whose association carries that Tc, directly or, for
 * an address its INIT listed, through its source's handshake.  0 or -ENOENT.
 */
int lb_pending_ctag_lookup(const struct lb_maps *m, const struct sctplb_assoc_key *ck,
			   __u8 family, const __u32 addr[4], __u32 *stag);

bool lb_pending_by_handshake(const struct lb_settable *hs, const struct sctplb_assoc_key *k,
			     const struct sctplb_assoc *a, struct sctplb_client_key *hk,
			     struct sctplb_handshake *h);

/* A fresh random key for settings.settable_key (getrandom); lb_err() on failure. */
int lb_settable_key_new(__u32 key[4]);

/* settings[0] */
int lb_settings_read(const struct lb_maps *m, struct sctplb_config *c);
int lb_settings_write(const struct lb_maps *m, const struct sctplb_config *c);

#endif
