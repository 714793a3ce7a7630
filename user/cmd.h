/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmd.h: what the command groups share: the global options, a small option
 * parser (one table per command), and output helpers.  Each group lives in
 * its own file and exports one cmd_<group>() entry point.
 */
#ifndef SCTPLB_CMD_H
#define SCTPLB_CMD_H

#include <stdbool.h>
#include <json-c/json.h>
#include "pinned.h"

struct global {
	const char *pin_path;   /* --pin-path, default LB_DEFAULT_PIN_PATH */
	bool json;              /* --json */
	bool verbose;           /* --verbose: libbpf and libxdp messages */
	__u32 max_assocs;       /* --max-assocs, when the maps are created */
};

extern struct global g;

struct opt {
	const char *name;       /* long name without "--" */
	bool has_arg;
	const char *val;        /* set by parse_opts: the argument, or "" */
};

/*
 * Parses argv (after the command words) into opts and positional arguments.
 * Accepts --name VALUE and --name=VALUE.  npos_min..npos_max positionals.
 * Prints "Error: ... ; usage: <usage>" and returns -1 on a bad line.
 */
int parse_opts(int argc, char **argv, struct opt *opts, char **pos, int npos_min, int npos_max,
	       int *npos, const char *usage);
const char *opt_val(const struct opt *opts, const char *name);

/* Root check with the fix in the message. */
int need_root(void);
/* Opens the pinned maps; mutating commands create and lock them. */
int open_maps(struct lb_maps *m, bool modify);
struct lb_model;
/* open_maps, then the model read from them; on failure nothing stays open. */
int open_model(struct lb_maps *m, bool modify, struct lb_model *md);
/* The model of the pinned maps (read-only open, closed again). */
int read_model(struct lb_model *md);
/* Prints a JSON value on one line... or pretty when stdout is a terminal. */
void print_json(struct json_object *o);
/* "1.5 s", "3 min", for ages from CLOCK_MONOTONIC ns. */
const char *fmt_age(__u64 then_ns, __u64 now_ns, char *buf, size_t len);
__u64 now_monotonic_ns(void);
/* The counters' names, by enum sctplb_stat (show.c). */
extern const char *const stat_names[];

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_service(int argc, char **argv);
int cmd_backend(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_assoc(int argc, char **argv);
int cmd_paths(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_gc(int argc, char **argv);

#endif
