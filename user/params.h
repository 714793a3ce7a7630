/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * params.h: the command line of sctplb, declared once.
 *
 * Every command is one entry of cmd_table[] (commands.c): the words that
 * name it ("service add"), its positional arguments and options (each with
 * its value's name, help text, required or not), a one-line summary, and
 * the function that runs it.  From that table come the parser, `sctplb
 * help`, `sctplb help CMD [SUB]`, `sctplb CMD [SUB] --help`, the listing the
 * bash completion reads (`sctplb help --list`), and what the man page is
 * checked against (tests/e2e/test_cli.sh).  Adding a command is one entry
 * there plus its function.  The model is xdp-tools' lib/util/params.h
 * (DEFINE_OPTION) and DEFINE_COMMAND in xdp-loader.c; the values here stay
 * strings, checked by each command, because each check has its own message
 * (cause and next step).
 */
#ifndef SCTPLB_PARAMS_H
#define SCTPLB_PARAMS_H

#include <stdbool.h>
#include <stdio.h>

#define PARAM_MAX_POS  3
#define PARAM_MAX_OPTS 8

/* An option: --name VALUE, --name=VALUE, or a flag (arg NULL). */
struct param_opt {
	const char *name;       /* long name, without "--" */
	char short_name;        /* -v, or 0 (global options only) */
	const char *arg;        /* its value's name ("PORT"), NULL: a flag */
	const char *help;
	bool required;
};

/* A positional argument.  A name of lower-case words joined by '|' lists
 * the values it accepts ("drop|pass|hash"): help and completion offer them. */
struct param_pos {
	const char *name;
	const char *help;
	bool optional;
};

struct cmd_args;

struct command {
	const char *words;              /* "service add": the command and its sub-command */
	const char *group;              /* section of `sctplb help` and of the man page */
	const char *summary;            /* one line: what it does */
	const struct param_pos *pos;    /* { NULL }-terminated, or NULL: none */
	const struct param_opt *opts;   /* { NULL }-terminated, or NULL: none */
	int (*fn)(const struct cmd_args *a);
};

/* A parsed command line: what cmd->fn gets. */
struct cmd_args {
	const struct command *cmd;
	const char *pos[PARAM_MAX_POS];
	int npos;
	const char *opt[PARAM_MAX_OPTS]; /* by index in cmd->opts: NULL absent, "" a flag given */
};

/* commands.c */
extern const struct command cmd_table[];        /* ends with { NULL } */
extern const struct param_opt global_opts[];    /* ends with { NULL } */

/* The value of option name (NULL: not given; "" for a flag given). */
const char *arg_opt(const struct cmd_args *a, const char *name);

/*
 * The command that args (the line without its global options) names, and
 * how many words it took; NULL if none.
 */
const struct command *cmd_find(int argc, char **argv, int *nwords);

/* The error for a line that names no command (cmd_find gave NULL). */
void cmd_unknown(int argc, char **argv);

/*
 * Parses argv (after the command words) into a.  Accepts --name VALUE and
 * --name=VALUE; an argument that does not start with "--" is positional.
 * On a bad line prints "Error: <cause>" with the usage and where to look
 * (sctplb help CMD), and returns -EINVAL.
 */
int cmd_parse(const struct command *c, int argc, char **argv, struct cmd_args *a);

/*
 * `sctplb help` with args (the words after "help"): the overview, one
 * command, or the commands of a group ("service").  Unknown words print an
 * error and return -EINVAL.
 */
int cmd_help_words(int argc, char **argv, FILE *out);
/*
 * `sctplb help --list`: the table as lines of tab-separated fields, for the
 * bash completion and the man page test; no field is empty ("-": none):
 *   global  -      --NAME  ARG|-
 *   command WORDS
 *   arg     WORDS  NAME
 *   option  WORDS  --NAME  ARG|-
 */
void cmd_dump(FILE *out);
/* The full help of one command (`CMD --help`). */
void cmd_help(const struct command *c, FILE *out);
/* "service add NAME --vip ADDR[,ADDR...] --port PORT [--udp-encap PORT]" */
void cmd_usage(const struct command *c, FILE *out);

#endif
