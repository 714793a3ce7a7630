/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Map declarations shared by every sctplb program.  Layouts: include/sctplb.h. */
#ifndef SCTPLB_BPF_MAPS_H
#define SCTPLB_BPF_MAPS_H

#include "sctplb.h"

/* (VIP, port, protocol) -> service and path index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCTPLB_MAX_VIP_KEYS);
	__type(key, struct sctplb_vip_key);
	__type(value, struct sctplb_service);
} services SEC(".maps");

/* Backend id -> service, flags and one address per path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCTPLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sctplb_backend);
} backends SEC(".maps");

/* One Maglev table of backend ids; the template of maglev's inner maps. */
struct maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCTPLB_MAGLEV_SIZE);
	__type(key, __u32);
	__type(value, __u32);
};

/* Service id -> its Maglev table, swapped whole by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SCTPLB_MAX_SERVICES);
	__type(key, __u32);
	__array(values, struct maglev_table);
} maglev SEC(".maps");

/* Pending handshakes by client transport address; LRU, apart from assocs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SCTPLB_MAX_HANDSHAKES);
	__type(key, struct sctplb_client_key);
	__type(value, struct sctplb_handshake);
} handshakes SEC(".maps");

/* Client transport address -> backend of its established association (restart rule). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCTPLB_MAX_ASSOCS);
	__type(key, struct sctplb_client_key);
	__type(value, struct sctplb_client);
} client_index SEC(".maps");

/* Established associations by (service, Ts, ports); never evicted by traffic. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCTPLB_MAX_ASSOCS);
	__type(key, struct sctplb_assoc_key);
	__type(value, struct sctplb_assoc);
} assocs SEC(".maps");

/* (service, Tc, ports) -> Ts, for T-bit ABORT and SHUTDOWN-COMPLETE. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCTPLB_MAX_ASSOCS);
	__type(key, struct sctplb_assoc_key);
	__type(value, struct sctplb_ctag_value);
} assoc_ctags SEC(".maps");

/* Per backend, per path (client address, VIP), per direction counters. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, SCTPLB_MAX_PATH_STATS);
	__type(key, struct sctplb_path_key);
	__type(value, struct sctplb_path_counters);
} path_stats SEC(".maps");

/* Global settings written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sctplb_config);
} settings SEC(".maps");

/* Global counters by reason (enum sctplb_stat), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCTPLB_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Later fragments follow their first fragment's backend; LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SCTPLB_MAX_FRAGS);
	__type(key, struct sctplb_frag_key);
	__type(value, struct sctplb_frag);
} frags SEC(".maps");

/* Control-plane names and settings by service id (user space only). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCTPLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sctplb_service_meta);
} svc_meta SEC(".maps");

/* Control-plane names and weights by backend id (user space only). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCTPLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sctplb_backend_meta);
} be_meta SEC(".maps");

/* The decision on the last packet, when sctplb_trace is set (replay, tests). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sctplb_decision);
} trace SEC(".maps");

#endif
