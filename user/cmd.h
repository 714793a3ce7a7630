/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmd.h: what the command files share: the global options and output
 * helpers.  Each command is a do_<command>() function, declared here and
 * listed with its arguments and options in cmd_table[] (commands.c,
 * params.h), which parses the line before calling it.
 */
#ifndef SCTPLB_CMD_H
#define SCTPLB_CMD_H

#include <stdbool.h>
#include <json-c/json.h>
#include "params.h"
#include "pinned.h"

struct global {
	const char *pin_path;   /* --pin-path, default LB_DEFAULT_PIN_PATH */
	bool json;              /* --json */
	bool verbose;           /* --verbose: libbpf and libxdp info and debug messages */
	bool quiet;             /* --quiet: not even their warnings */
	struct lb_sizes sizes;  /* --max-assocs, --max-clients: when the maps are created */
};

extern struct global g;

/* From on to the matching off, libbpf's and libxdp's warnings are shown with
 * --verbose only: around calls whose failures are expected and handled. */
void log_expected_failures(bool on);
/* Root check with the fix in the message. */
int need_root(void);
/* Opens the pinned maps; mutating commands create and lock them. */
int open_maps(struct lb_maps *m, bool modify);
struct lb_model;
struct lb_service_cfg;
/* open_maps, then the model read from them; on failure nothing stays open. */
int open_model(struct lb_maps *m, bool modify, struct lb_model *md);
/* service.c: a configuration change.  edit() changes a copy of the model (returns
 * < 0 on error, > 0 when there is nothing to change, having said so); cmd_change
 * commits the difference, prints done (unless NULL) and removes deleted state. */
typedef int (*cmd_edit_fn)(struct lb_model *want, void *arg);
int cmd_change(cmd_edit_fn edit, void *arg, const char *done);
/* The service NAME of md, or NULL having printed the error and the next step. */
struct lb_service_cfg *cmd_service(struct lb_model *md, const char *name);
/* The model of the pinned maps (read-only open, closed again). */
int read_model(struct lb_model *md);
/* Prints a JSON value on one line... or pretty when stdout is a terminal. */
void print_json(struct json_object *o);
__u64 now_monotonic_ns(void);
/* The counters' names, by enum sctplb_stat (show.c). */
extern const char *const stat_names[];
/* show.c, for metrics.c: a per-CPU stats map summed (out: SCTPLB_STAT_MAX values),
 * and every path_stats slot that has counted something, summed over CPUs, with the
 * client addresses its associations hold there (*rows malloc'ed, the caller frees).
 * read_paths walks the associations for those addresses; a caller that wants every
 * association too (metrics: one walk a scrape) gives also, called for each of them. */
int read_stats(int fd, __u64 *out);
struct path_row {
	__u32 service_id, backend_id;
	__u8 path, dir;                 /* VIP index; enum sctplb_dir */
	struct sctplb_path_counters c;
	__u64 clients;                  /* associations with a client address on the path */
	struct sctplb_addr client;      /* theirs when they all have the same; family 0: not */
};
int read_paths(const struct lb_maps *m, struct path_row **rows, size_t *n, lb_assoc_fn also,
	       void *arg);
/* ppid_stats summed over CPUs: out has SCTPLB_MAX_SERVICES * SCTPLB_PPID_N values. */
int read_ppid(int fd, __u64 *out);
extern const char *const ppid_names[SCTPLB_PPID_N], *const ppid_help[SCTPLB_PPID_N];

/* The commands (cmd_table[]); 0 or a negative errno, the error printed. */
/* --OPT A[,B...]: up to SCTPLB_MAX_PATHS addresses; prints the error (service.c). */
int parse_addr_list_opt(const char *opt, const char *val, struct sctplb_addr *out, __u32 *n);

/* gc, agent gc: once(), or every --interval seconds until SIGTERM/SIGINT (gc.c). */
int gc_loop(const struct cmd_args *a, int (*once)(bool quiet_if_nothing), const char *what);

int do_attach(const struct cmd_args *a);
int do_agent_gc(const struct cmd_args *a);
int do_agent_attach(const struct cmd_args *a);
int do_agent_detach(const struct cmd_args *a);
int do_agent_status(const struct cmd_args *a);
int do_keygen(const struct cmd_args *a);
int do_detach(const struct cmd_args *a);
int do_status(const struct cmd_args *a);
int do_service_add(const struct cmd_args *a);
int do_service_del(const struct cmd_args *a);
int do_service_list(const struct cmd_args *a);
int do_backend_add(const struct cmd_args *a);
int do_backend_op(const struct cmd_args *a);    /* drain, undrain, del */
int do_backend_list(const struct cmd_args *a);
int do_apply(const struct cmd_args *a);
int do_config_show(const struct cmd_args *a);
int do_config_unknown_vtag(const struct cmd_args *a);
int do_config_timeout(const struct cmd_args *a); /* idle-timeout, closing-grace, ... */
int do_assoc_list(const struct cmd_args *a);
int do_paths(const struct cmd_args *a);
int do_stats(const struct cmd_args *a);
int do_replay(const struct cmd_args *a);
int do_gc(const struct cmd_args *a);
int do_metrics(const struct cmd_args *a);
int do_monitor(const struct cmd_args *a);
int do_policy_add(const struct cmd_args *a);
int do_policy_del(const struct cmd_args *a);
int do_policy_list(const struct cmd_args *a);
int do_help(const struct cmd_args *a);
int do_version(const struct cmd_args *a);

#endif
