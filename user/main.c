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
#include "model.h"

struct global g = { .pin_path = LB_DEFAULT_PIN_PATH };

static const char usage_text[] =
	"Usage: sctplb [--pin-path DIR] [--json] [--verbose] COMMAND ...\n"
	"\n"
	"Interfaces:\n"
	"  attach IFNAME [--xdp-mode native|generic|auto]   XDP (through libxdp), and tc ingress for\n"
	"                                                   what XDP leaves (no neighbour entry)\n"
	"  attach IFNAME --tc                               tc clsact ingress only, instead of XDP\n"
	"  attach IFNAME --return                           tc ingress of a backend-facing interface\n"
	"  detach IFNAME                                    remove whatever sctplb attached there\n"
	"  status                                           where sctplb is attached, and how\n"
	"Configuration (works before any attach):\n"
	"  service add NAME --vip ADDR[,ADDR...] --port PORT [--udp-encap PORT]\n"
	"  service del NAME | service list\n"
	"  backend add SERVICE NAME --addr ADDR[,ADDR...] [--weight W]\n"
	"  backend drain|undrain|del SERVICE NAME | backend list [SERVICE]\n"
	"  apply FILE                                       declarative configuration (JSON)\n"
	"  config unknown-vtag drop|pass|hash | config show\n"
	"  config idle-timeout S | closing-grace S | handshake-timeout S   (0 or default: the default)\n"
	"State:\n"
	"  assoc list | paths [--watch S] | stats [--watch S]   (--count N: samples to take)\n"
	"  replay CAPTURE.pcap                              run a capture through the programs\n"
	"  gc [--interval S]                                expire ended, idle and stale state once,\n"
	"                                                   or every S seconds until SIGTERM\n"
	"\n"
	"Global options (anywhere on the line):\n"
	"  --pin-path DIR     pinned maps (default " LB_DEFAULT_PIN_PATH ")\n"
	"  --max-assocs N     size of the association tables, when they are created\n"
	"  --json             JSON output (listings)\n"
	"  --verbose          libbpf/libxdp messages\n";

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!g.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int print_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!g.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int parse_opts(int argc, char **argv, struct opt *opts, char **pos, int npos_min, int npos_max,
	       int *npos, const char *usage)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		struct opt *o;
		size_t len;
		const char *eq;

		if (strncmp(a, "--", 2) || !a[2]) {
			if (n == npos_max) {
				fprintf(stderr, "Error: unexpected argument '%s'\nUsage: %s\n", a, usage);
				return -1;
			}
			pos[n++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, a + 2, len))
				break;
		if (!o || !o->name) {
			fprintf(stderr, "Error: unknown option '%s'\nUsage: %s\n", a, usage);
			return -1;
		}
		if (!o->has_arg) {
			if (eq) {
				fprintf(stderr, "Error: option --%s takes no value\nUsage: %s\n", o->name, usage);
				return -1;
			}
			o->val = "";
		} else if (eq) {
			o->val = eq + 1;
		} else if (i + 1 < argc) {
			o->val = argv[++i];
		} else {
			fprintf(stderr, "Error: option --%s needs a value\nUsage: %s\n", o->name, usage);
			return -1;
		}
	}
	if (n < npos_min) {
		fprintf(stderr, "Error: missing argument\nUsage: %s\n", usage);
		return -1;
	}
	*npos = n;
	return 0;
}

const char *opt_val(const struct opt *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts->val;
	return NULL;
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
	if (need_root())
		return -EPERM;
	return lb_maps_open(m, g.pin_path, modify ? LB_OPEN_CREATE | LB_OPEN_LOCK : 0,
			    g.max_assocs);
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

const char *fmt_age(__u64 then_ns, __u64 now_ns, char *buf, size_t len)
{
	double s;

	if (!then_ns) {
		snprintf(buf, len, "-");
		return buf;
	}
	s = now_ns > then_ns ? (now_ns - then_ns) / 1e9 : 0;
	if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", (long)s / 60, (long)s % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", (long)s / 3600, ((long)s % 3600) / 60);
	return buf;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "attach", cmd_attach },   { "detach", cmd_detach }, { "status", cmd_status },
	{ "service", cmd_service }, { "backend", cmd_backend }, { "apply", cmd_apply },
	{ "config", cmd_config },   { "assoc", cmd_assoc },   { "paths", cmd_paths },
	{ "stats", cmd_stats },     { "replay", cmd_replay }, { "gc", cmd_gc },
};

int main(int argc, char **argv)
{
	char **args = calloc(argc + 1, sizeof(*args));
	int i, n = 0;
	size_t c;

	if (!args)
		return 1;
	/* Global options may appear anywhere; take them out first. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!strcmp(a, "--json")) {
			g.json = true;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			g.verbose = true;
		} else if (!strcmp(a, "--pin-path") || !strncmp(a, "--pin-path=", 11)) {
			v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v || v[0] != '/') {
				fprintf(stderr, "Error: --pin-path needs an absolute directory\n");
				return 2;
			}
			g.pin_path = v;
		} else if (!strcmp(a, "--max-assocs") || !strncmp(a, "--max-assocs=", 13)) {
			v = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || lb_u32_parse(v, 1024, 1u << 26, &g.max_assocs)) {
				fprintf(stderr, "Error: --max-assocs needs a number from 1024 to %u\n", 1u << 26);
				return 2;
			}
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
			fputs(usage_text, stdout);
			return 0;
		} else {
			args[n++] = argv[i];
		}
	}
	libbpf_set_print(print_libbpf);
	libxdp_set_print(print_libxdp);
	if (n == 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(args[0], commands[c].name))
			return commands[c].fn(n - 1, args + 1) ? 1 : 0;
	fprintf(stderr, "Error: unknown command '%s'; see 'sctplb help'\n", args[0]);
	return 2;
}
