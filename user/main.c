// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c: sctplb, the operator's interface to the sctplb datapath.
 * Global options, dispatch to the command groups, and shared helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "addr.h"
#include "cmd.h"
#include "err.h"
#include "model.h"

struct global g = { .pin_path = LB_DEFAULT_PIN_PATH };

#ifndef SCTPLB_VERSION
#define SCTPLB_VERSION "unknown" /* the Makefile passes git describe, or its VERSION */
#endif

/*
 * libbpf and libxdp messages, by level: warnings unless --quiet (a load
 * that fails shows the verifier's log), info and debug with --verbose.
 * Between log_expected_failures(true) and (false), around calls whose
 * failures are expected and handled (probing what is attached, a qdisc that
 * exists, libxdp trying its dispatcher before one program per interface),
 * warnings count as info: shown with --verbose only.
 */
static int expected;

void log_expected_failures(bool on)
{
	expected += on ? 1 : -1;
}

static bool lib_shown(bool warning)
{
	return warning && !expected ? !g.quiet : g.verbose;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!lib_shown(level == LIBBPF_WARN))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int print_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!lib_shown(level == LIBXDP_WARN))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "Error: sctplb needs root (CAP_BPF, CAP_NET_ADMIN) to use BPF maps "
			"and programs; run it with sudo\n");
		return -EPERM;
	}
	return 0;
}

int open_maps(struct lb_maps *m, bool modify)
{
	const struct {
		const char *opt;
		enum lb_map_id id;
		__u32 want;
	} given[] = { { "--max-assocs", LB_ASSOCS, g.sizes.assocs },
		      { "--max-clients", LB_CLIENT_INDEX, g.sizes.clients } };
	__u32 max;
	size_t i;
	int err;

	if (need_root())
		return -EPERM;
	err = lb_maps_open(m, g.pin_path, modify ? LB_OPEN_CREATE | LB_OPEN_LOCK : 0, &g.sizes);
	/* A size given for maps that existed is not applied: said, and the command goes on. */
	for (i = 0; !err && i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i].want && !lb_map_sized_for(m, given[i].id, given[i].want, &max))
			fprintf(stderr, "Warning: %s %u not applied: %s under %s exists, with "
				"max_entries %u; the tables are sized only when they are created\n",
				given[i].opt, given[i].want, lb_map_names[given[i].id], g.pin_path, max);
	return err;
}

int open_model(struct lb_maps *m, bool modify, struct lb_model *md)
{
	int err = open_maps(m, modify);

	if (err)
		return err;
	err = lb_model_read(m, md);
	if (err)
		lb_maps_close(m);
	return err;
}

int read_model(struct lb_model *md)
{
	struct lb_maps m;
	int err = open_model(&m, false, md);

	if (!err)
		lb_maps_close(&m);
	return err;
}

void print_json(struct json_object *o)
{
	int flags = isatty(STDOUT_FILENO) ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;

	printf("%s\n", json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

__u64 now_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int do_help(const struct cmd_args *a)
{
	if (arg_opt(a, "list")) {
		if (a->npos) {
			fprintf(stderr, "Error: help --list takes no command; see 'sctplb help help'\n");
			return -EINVAL;
		}
		cmd_dump(stdout);
		return 0;
	}
	return cmd_help_words(a->npos, (char **)a->pos, stdout);
}

int do_version(const struct cmd_args *a)
{
	(void)a;
	if (g.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "version", json_object_new_string(SCTPLB_VERSION));
		json_object_object_add(o, "abi_version", json_object_new_int(SCTPLB_ABI_VERSION));
		print_json(o);
		json_object_put(o);
	} else {
		printf("sctplb %s (BPF ABI version %d)\n", SCTPLB_VERSION, SCTPLB_ABI_VERSION);
	}
	return 0;
}

/* The global option arg names (--name, --name=VALUE, -c), or NULL; *val: its value. */
static const struct param_opt *global_opt(const char *arg, const char **val)
{
	const struct param_opt *o;

	*val = NULL;
	for (o = global_opts; o->name; o++) {
		size_t len = strlen(o->name);

		if (o->short_name && arg[0] == '-' && arg[1] == o->short_name && !arg[2])
			return o;
		if (strncmp(arg, "--", 2) || strncmp(arg + 2, o->name, len))
			continue;
		if (!arg[2 + len])
			return o;
		if (o->arg && arg[2 + len] == '=') {
			*val = arg + 3 + len;
			return o;
		}
	}
	return NULL;
}

/* Exit status: 0 done, 1 the command failed, 2 the command line is wrong. */
int main(int argc, char **argv)
{
	char **args = calloc(argc + 1, sizeof(*args));
	bool help = false, version = false;
	const struct command *c;
	struct cmd_args a;
	int i, n = 0, nw;

	if (!args)
		return 1;
	/* Global options may appear anywhere; take them out first. */
	for (i = 1; i < argc; i++) {
		const char *v;
		const struct param_opt *o = global_opt(argv[i], &v);

		if (!o) {
			args[n++] = argv[i];
			continue;
		}
		if (o->arg && !v)
			v = i + 1 < argc ? argv[++i] : NULL;
		if (!strcmp(o->name, "json")) {
			g.json = true;
		} else if (!strcmp(o->name, "verbose")) {
			g.verbose = true;
		} else if (!strcmp(o->name, "quiet")) {
			g.quiet = true;
		} else if (!strcmp(o->name, "help")) {
			help = true;
		} else if (!strcmp(o->name, "version")) {
			version = true;
		} else if (!strcmp(o->name, "pin-path")) {
			if (!v || !*v || v[0] != '/') {
				fprintf(stderr, "Error: --pin-path needs an absolute directory\n");
				return 2;
			}
			g.pin_path = v;
		} else if (!strcmp(o->name, "max-assocs")) {
			if (!v || lb_u32_parse(v, 1024, 1u << 26, &g.sizes.assocs)) {
				fprintf(stderr, "Error: --max-assocs needs a number from 1024 to %u\n", 1u << 26);
				return 2;
			}
		} else if (!strcmp(o->name, "max-clients")) {
			if (!v || lb_u32_parse(v, 1024, 1u << 27, &g.sizes.clients)) {
				fprintf(stderr, "Error: --max-clients needs a number from 1024 to %u\n", 1u << 27);
				return 2;
			}
		}
	}
	libbpf_set_print(print_libbpf);
	libxdp_set_print(print_libxdp);
	if (version)
		return do_version(NULL) ? 1 : 0;
	if (n == 0) {
		cmd_help_words(0, NULL, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	c = cmd_find(n, args, &nw);
	if (help) {
		/* `sctplb service add ... --help`: the help of what the line names */
		if (c)
			cmd_help(c, stdout);
		return c ? 0 : cmd_help_words(1, args, stdout) ? 2 : 0;
	}
	if (!c) {
		cmd_unknown(n, args);
		return 2;
	}
	if (cmd_parse(c, n - nw, args + nw, &a))
		return 2;
	if (!c->fn(&a))
		return 0;
	/* The library's error, printed here once (err.h); the command printed its own. */
	if (lb_err_msg())
		fprintf(stderr, "Error: %s\n", lb_err_msg());
	/* help's only failure is a line naming no command: a command-line error */
	return c->fn == do_help ? 2 : 1;
}
