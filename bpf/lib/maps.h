/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps every sctplb program shares: declared from SCTPLB_MAPS, the one
 * list of maps in include/sctplb.h (layouts and what each holds are there).
 */
#ifndef SCTPLB_BPF_MAPS_H
#define SCTPLB_BPF_MAPS_H

#include "sctplb.h"

#define SCTPLB_MAP_DECL(id_, name_, type_, max_, key_, value_, flags_, what_)                 \
	struct {                                                                               \
		__uint(type, BPF_MAP_TYPE_##type_);                                            \
		__uint(max_entries, max_);                                                     \
		__uint(map_flags, (BPF_MAP_TYPE_##type_ == BPF_MAP_TYPE_LPM_TRIE ?             \
				   BPF_F_NO_PREALLOC : 0) | /* the kernel wants it of LPM tries */ \
				  ((flags_) & SCTPLB_MAP_F_MMAP ? BPF_F_MMAPABLE : 0));            \
		__type(key, key_);                                                             \
		__type(value, value_);                                                         \
	} name_ SEC(".maps");
#ifdef SCTPLB_AGENT
/* The backend agent's object: its own, smaller set (bpf/agent.bpf.c). */
SCTPLB_AGENT_MAPS(SCTPLB_MAP_DECL)
#else
SCTPLB_MAPS(SCTPLB_MAP_DECL)
#endif
#undef SCTPLB_MAP_DECL

#ifndef SCTPLB_AGENT

/*
 * A service's two Maglev tables and generation (include/sctplb.h); the
 * template of maglev's inner maps.  Mmapable: user space writes a table
 * with plain stores, and map-in-map refuses an inner map whose flags or
 * size differ from these (user/lib/maglev.c creates them alike).
 */
struct maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SCTPLB_MAGLEV_ENTRIES);
	__type(key, __u32);
	/* struct sctplb_maglev_slot, spelt as its array: in an inner map's
	 * definition the struct's BTF is only a forward, which libbpf cannot size */
	__type(value, __u32[2]);
};

/* Service id -> its Maglev tables, switched whole by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SCTPLB_MAX_SERVICES);
	__type(key, __u32);
	__array(values, struct maglev_table);
} maglev SEC(".maps");

/* Association events (include/sctplb.h, bpf/lib/event.h), pinned as the others. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SCTPLB_EVENTS_SIZE);
} events SEC(".maps");
#endif

#endif
