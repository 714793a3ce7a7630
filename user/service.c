// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * service.c: service, backend, apply and config commands.  Each one reads
 * the current model, edits a copy, and lets lb_commit() write the difference
 * (validated first, rolled back on failure; see user/lib/model.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "gc.h"
#include "model.h"

/*
 * After a committed change: the associations, assoc_ctags, client_index and
 * handshake entries of the backends and services it deleted.  Last, after the
 * Maglev swap and the backend entries' flags went to 0 (the datapath no
 * longer uses those ids), and idempotent: a failure leaves the configuration
 * as committed, and 'sctplb gc' removes what is left (state of a backend that
 * no longer exists is removed by every sweep).
 */
static int remove_deleted_state(const struct lb_maps *m, const struct lb_model *cur,
				const struct lb_model *want)
{
	__u32 *be = NULL, *svc = NULL;
	struct gc_result r;
	size_t nbe, nsvc;
	int err;

	err = lb_model_removed_ids(cur, want, &be, &nbe, &svc, &nsvc);
	if (!err && (nbe || nsvc))
		err = gc_remove_owned(m, be, nbe, svc, nsvc, &r);
	if (!err && (nbe || nsvc) && !g.json)
		printf("state of the deleted %s removed: %u association%s, %u assoc_ctags, "
		       "%u client_index, %u handshake%s\n",
		       nsvc ? (nsvc == 1 ? "service" : "services") : (nbe == 1 ? "backend" : "backends"),
		       r.assocs_owned, r.assocs_owned == 1 ? "" : "s", r.ctags, r.clients,
		       r.handshakes, r.handshakes == 1 ? "" : "s");
	if (err) {
		fprintf(stderr, "Error: the configuration was changed, but removing the deleted "
			"backends' associations failed (%s); run 'sctplb gc' to remove them\n",
			lb_err_msg() ? lb_err_msg() : strerror(-err));
		lb_err_clear();         /* in the message above */
	}
	free(be);
	free(svc);
	return err;
}

/*
 * Reads cur, lets edit() build want from a copy, commits, prints done (unless
 * NULL) and removes the state of what was deleted.  edit() returns > 0 when
 * nothing is to change (it says so): no commit, success.
 */
int cmd_change(cmd_edit_fn edit, void *arg, const char *done)
{
	struct lb_model cur, want;
	struct lb_commit_stats st;
	struct lb_maps m;
	int err;

	err = open_model(&m, true, &cur);
	if (err)
		return err;
	err = lb_model_copy(&cur, &want);
	if (err)
		goto free_cur;
	err = edit(&want, arg);
	if (err > 0) {
		err = 0;
		goto free_want;
	}
	if (!err)
		err = lb_commit(&m, &cur, &want, &st);
	if (!err) {
		if (done)
			printf("%s\n", done);
		err = remove_deleted_state(&m, &cur, &want);
	}
free_want:
	lb_model_free(&want);
free_cur:
	lb_model_free(&cur);
	lb_maps_close(&m);
	return err;
}

struct lb_service_cfg *cmd_service(struct lb_model *md, const char *name)
{
	struct lb_service_cfg *s = lb_model_service(md, name);

	if (!s)
		fprintf(stderr, "Error: no service named '%s'; see 'sctplb service list'\n", name);
	return s;
}

/* what: "service" or "backend" */
static bool name_valid(const char *what, const char *name)
{
	if (lb_name_valid(name))
		return true;
	fprintf(stderr, "Error: %s name '%s' is not valid: use 1 to %d characters "
		"from A-Z a-z 0-9 . _ -\n", what, name, SCTPLB_NAME_LEN - 1);
	return false;
}

/* ---- service ---- */

struct service_add { struct lb_service_cfg s; };

static int edit_service_add(struct lb_model *want, void *arg)
{
	struct service_add *a = arg;

	if (lb_model_service(want, a->s.name)) {
		fprintf(stderr, "Error: service '%s' already exists; delete it first "
			"(sctplb service del %s) or choose another name\n", a->s.name, a->s.name);
		return -EEXIST;
	}
	return lb_model_add_service(want, &a->s) ? 0 : -ENOMEM;
}

static int edit_service_del(struct lb_model *want, void *arg)
{
	struct lb_service_cfg *s = cmd_service(want, arg);

	if (!s)
		return -ENOENT;
	lb_model_del_service(want, s);
	return 0;
}

int parse_addr_list_opt(const char *opt, const char *val, struct sctplb_addr *out, __u32 *n)
{
	const char *bad = NULL;
	size_t k;
	int err = lb_addr_list_parse(val, out, SCTPLB_MAX_PATHS, &k, &bad);

	if (err == -E2BIG) {
		fprintf(stderr, "Error: --%s: more than %d addresses (one per path)\n", opt,
			SCTPLB_MAX_PATHS);
		return err;
	}
	if (err) {
		fprintf(stderr, "Error: --%s: malformed address at '%s': give IPv4 or IPv6 addresses "
			"separated by commas, e.g. 192.0.2.1,2001:db8::1\n", opt, bad ? bad : "");
		return err;
	}
	*n = k;
	return 0;
}

static void json_services(const struct lb_model *md)
{
	struct json_object *arr = json_object_new_array();
	char buf[LB_ADDRSTRLEN];
	size_t i;
	__u32 p;

	for (i = 0; i < md->nsvc; i++) {
		const struct lb_service_cfg *s = &md->svc[i];
		struct json_object *o = json_object_new_object(), *vips = json_object_new_array();

		json_object_object_add(o, "id", json_object_new_int64(s->id));
		json_object_object_add(o, "name", json_object_new_string(s->name));
		for (p = 0; p < s->nvips; p++)
			json_object_array_add(vips, json_object_new_string(
				lb_addr_fmt(&s->vip[p], buf, sizeof(buf))));
		json_object_object_add(o, "vips", vips);
		json_object_object_add(o, "port", json_object_new_int(s->port));
		json_object_object_add(o, "udp_encap", json_object_new_int(s->udp_encap));
		json_object_object_add(o, "nat", json_object_new_boolean(s->nat));
		if (s->nsnat) {
			struct json_object *sn = json_object_new_array();

			for (p = 0; p < s->nsnat; p++)
				json_object_array_add(sn, json_object_new_string(
					lb_addr_fmt(&s->snat[p], buf, sizeof(buf))));
			json_object_object_add(o, "snat", sn);
		}
		if (s->nat)
			json_object_object_add(o, "target_port", json_object_new_int(
				s->target_port ? s->target_port : s->port));
		json_object_object_add(o, "backends", json_object_new_int64(s->nbe));
		json_object_array_add(arr, o);
	}
	print_json(arr);
	json_object_put(arr);
}

static int service_list(void)
{
	struct lb_model md;
	char buf[LB_ADDRSTRLEN];
	size_t i;
	__u32 p;
	int err;

	err = read_model(&md);
	if (err)
		return err;
	if (g.json) {
		json_services(&md);
	} else {
		printf("%-4s %-20s %-6s %-6s %-9s %-8s %s\n", "ID", "NAME", "PORT", "ENCAP", "MODE",
		       "BACKENDS", "VIPS (path 0, 1, ...)");
		for (i = 0; i < md.nsvc; i++) {
			const struct lb_service_cfg *s = &md.svc[i];

			char encap[8] = "-";

			if (s->udp_encap)
				snprintf(encap, sizeof(encap), "%u", s->udp_encap);
			char mode[16] = "dsr";

			if (s->nat)
				snprintf(mode, sizeof(mode), "%s:%u", s->nsnat ? "fullnat" : "nat",
					 s->target_port ? s->target_port : s->port);
			printf("%-4u %-20s %-6u %-6s %-9s %-8zu", s->id, s->name, s->port, encap, mode,
			       s->nbe);
			for (p = 0; p < s->nvips; p++)
				printf("%s%s", p ? "," : " ", lb_addr_fmt(&s->vip[p], buf, sizeof(buf)));
			printf("\n");
		}
	}
	lb_model_free(&md);
	return 0;
}

int do_service_add(const struct cmd_args *args)
{
	struct service_add a = {};
	const char *v;
	char done[128];

	if (!name_valid("service", args->pos[0]))
		return -EINVAL;
	strcpy(a.s.name, args->pos[0]);
	if (parse_addr_list_opt("vip", arg_opt(args, "vip"), a.s.vip, &a.s.nvips))
		return -EINVAL;
	if (lb_port_parse((v = arg_opt(args, "port")), &a.s.port)) {
		fprintf(stderr, "Error: --port %s: give the service's SCTP port, 1 to 65535\n", v);
		return -EINVAL;
	}
	if ((v = arg_opt(args, "udp-encap")) && lb_port_parse(v, &a.s.udp_encap)) {
		fprintf(stderr, "Error: --udp-encap %s: give a UDP port, 1 to 65535 "
			"(RFC 6951 uses %d)\n", v, SCTPLB_UDP_ENCAP_PORT);
		return -EINVAL;
	}
	if ((v = arg_opt(args, "tag-key"))) {
		char err[512];

		if (lb_service_tag_key(&a.s, v, err, sizeof(err))) {
			fprintf(stderr, "Error: --tag-key %s\n", err);
			return -EINVAL;
		}
	}
	a.s.nat = arg_opt(args, "nat") != NULL;
	if ((v = arg_opt(args, "target-port"))) {
		if (lb_port_parse(v, &a.s.target_port)) {
			fprintf(stderr, "Error: --target-port %s: give the backends' SCTP port, 1 to "
				"65535\n", v);
			return -EINVAL;
		}
		if (!a.s.nat) {
			fprintf(stderr, "Error: --target-port maps the port of a NAT service only: "
				"add --nat\n");
			return -EINVAL;
		}
	}
	if ((v = arg_opt(args, "snat"))) {
		if (!a.s.nat) {
			fprintf(stderr, "Error: --snat gives a NAT service its forwarder addresses: "
				"add --nat\n");
			return -EINVAL;
		}
		if (parse_addr_list_opt("snat", v, a.s.snat, &a.s.nsnat))
			return -EINVAL;
	}
	snprintf(done, sizeof(done), "service %s added", a.s.name);
	return cmd_change(edit_service_add, &a, done);
}

int do_service_del(const struct cmd_args *a)
{
	char done[128];

	snprintf(done, sizeof(done), "service %s deleted", a->pos[0]);
	return cmd_change(edit_service_del, (void *)a->pos[0], done);
}

int do_service_list(const struct cmd_args *a)
{
	(void)a;
	return service_list();
}

/* ---- backend ---- */

struct backend_op {
	const char *op;
	const char *service;
	struct lb_backend_cfg b;
};

static int edit_backend(struct lb_model *want, void *arg)
{
	struct backend_op *a = arg;
	struct lb_service_cfg *s = cmd_service(want, a->service);
	struct lb_backend_cfg *b;
	char err[512];

	if (!s)
		return -ENOENT;
	b = lb_service_backend(s, a->b.name);
	if (!strcmp(a->op, "add")) {
		if (b) {
			fprintf(stderr, "Error: service %s already has a backend '%s'; delete it first "
				"(sctplb backend del %s %s) or choose another name\n", s->name,
				a->b.name, s->name, a->b.name);
			return -EEXIST;
		}
		if (lb_backend_validate(s, &a->b, err, sizeof(err))) {
			fprintf(stderr, "Error: %s\n", err);
			return -EINVAL;
		}
		return lb_service_add_backend(s, &a->b) ? 0 : -ENOMEM;
	}
	if (!b) {
		fprintf(stderr, "Error: service %s has no backend '%s'; see 'sctplb backend list %s'\n",
			s->name, a->b.name, s->name);
		return -ENOENT;
	}
	if (!strcmp(a->op, "del"))
		lb_service_del_backend(s, b);
	else
		b->drained = !strcmp(a->op, "drain");
	return 0;
}

static int backend_list(const char *service)
{
	struct json_object *arr = json_object_new_array();
	char buf[LB_ADDRSTRLEN];
	struct lb_model md;
	size_t i, j;
	__u32 p;
	int err;

	err = read_model(&md);
	if (err)
		goto out;
	if (service && !cmd_service(&md, service)) {
		err = -ENOENT;
		goto free;
	}
	if (!g.json)
		printf("%-20s %-4s %-20s %-6s %-8s %s\n", "SERVICE", "ID", "NAME", "WEIGHT", "STATE",
		       "ADDRESSES (path 0, 1, ...)");
	for (i = 0; i < md.nsvc; i++) {
		const struct lb_service_cfg *s = &md.svc[i];

		if (service && strcmp(service, s->name))
			continue;
		for (j = 0; j < s->nbe; j++) {
			const struct lb_backend_cfg *b = &s->be[j];
			struct json_object *o, *addrs;

			if (!g.json) {
				printf("%-20s %-4u %-20s %-6u %-8s", s->name, b->id, b->name, b->weight,
				       b->drained ? "drained" : "active");
				for (p = 0; p < b->naddr; p++)
					printf("%s%s", p ? "," : " ", lb_addr_fmt(&b->addr[p], buf, sizeof(buf)));
				printf("\n");
				continue;
			}
			o = json_object_new_object();
			addrs = json_object_new_array();
			json_object_object_add(o, "service", json_object_new_string(s->name));
			json_object_object_add(o, "service_id", json_object_new_int64(s->id));
			json_object_object_add(o, "id", json_object_new_int64(b->id));
			json_object_object_add(o, "name", json_object_new_string(b->name));
			json_object_object_add(o, "weight", json_object_new_int64(b->weight));
			json_object_object_add(o, "drained", json_object_new_boolean(b->drained));
			for (p = 0; p < b->naddr; p++)
				json_object_array_add(addrs, json_object_new_string(
					lb_addr_fmt(&b->addr[p], buf, sizeof(buf))));
			json_object_object_add(o, "addrs", addrs);
			json_object_array_add(arr, o);
		}
	}
	if (g.json)
		print_json(arr);
free:
	lb_model_free(&md);
out:
	json_object_put(arr);
	return err;
}

/* backend add|drain|undrain|del SERVICE NAME: a.op is the command's second word */
static int backend_change(const struct cmd_args *args, struct backend_op *a)
{
	char done[160];

	a->op = strchr(args->cmd->words, ' ') + 1;
	a->service = args->pos[0];
	snprintf(a->b.name, sizeof(a->b.name), "%s", args->pos[1]);
	snprintf(done, sizeof(done), "backend %s of service %s: %s", a->b.name, a->service,
		 !strcmp(a->op, "add") ? "added" : !strcmp(a->op, "del") ? "deleted" :
		 !strcmp(a->op, "drain") ? "drained" : "undrained");
	return cmd_change(edit_backend, a, done);
}

int do_backend_add(const struct cmd_args *args)
{
	struct backend_op a = { .b.weight = 1 };
	const char *v;

	if (!name_valid("backend", args->pos[1]))
		return -EINVAL;
	if (parse_addr_list_opt("addr", arg_opt(args, "addr"), a.b.addr, &a.b.naddr))
		return -EINVAL;
	if ((v = arg_opt(args, "weight")) && lb_u32_parse(v, 1, LB_MAX_WEIGHT, &a.b.weight)) {
		fprintf(stderr, "Error: --weight %s: give a weight from 1 to %u\n", v, LB_MAX_WEIGHT);
		return -EINVAL;
	}
	if ((v = arg_opt(args, "server-id")) &&
	    lb_u32_parse(v, 1, LB_SERVER_ID_MAX, &a.b.server_id)) {
		fprintf(stderr, "Error: --server-id %s: give the server id its agent was given, "
			"1 to %u\n", v, LB_SERVER_ID_MAX);
		return -EINVAL;
	}
	return backend_change(args, &a);
}

int do_backend_op(const struct cmd_args *args)
{
	struct backend_op a = { .b.weight = 1 };

	return backend_change(args, &a);
}

int do_backend_list(const struct cmd_args *a)
{
	return backend_list(a->npos ? a->pos[0] : NULL);
}

/* ---- apply ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = 0;
	fclose(f);
	return buf;
}

int do_apply(const struct cmd_args *a)
{
	const char *file = a->pos[0];
	struct lb_model cur, want;
	struct lb_commit_stats st;
	char *text, err[512];
	struct lb_maps m;
	int e;

	text = read_file(file);
	if (!text) {
		fprintf(stderr, "Error: cannot read %s: %s\n", file, strerror(errno));
		return -errno;
	}
	e = lb_config_parse(text, &want, err, sizeof(err));
	free(text);
	if (e) {
		fprintf(stderr, "Error: %s: %s; nothing was changed\n", file, err);
		return e;
	}
	if (lb_model_validate(&want, err, sizeof(err))) {
		fprintf(stderr, "Error: %s: %s; nothing was changed\n", file, err);
		lb_model_free(&want);
		return -EINVAL;
	}
	if (arg_opt(a, "dry-run")) {
		printf("%s: valid\n", file);
		lb_model_free(&want);
		return 0;
	}
	e = open_model(&m, true, &cur);
	if (e)
		goto free_want;
	e = lb_commit(&m, &cur, &want, &st);
	if (!e) {
		if (st.writes == 0)
			printf("%s: no change (the maps already hold this configuration)\n", file);
		else
			printf("%s: applied (%u map writes, %u Maglev tables)\n", file, st.writes,
			       st.tables);
		e = remove_deleted_state(&m, &cur, &want);
	}
	lb_model_free(&cur);
	lb_maps_close(&m);
free_want:
	lb_model_free(&want);
	return e;
}

/* ---- config ---- */

static int edit_policy(struct lb_model *want, void *arg)
{
	want->unknown_policy = *(int *)arg;
	return 0;
}

struct timeout_set {
	const struct lb_timeout_def *d;
	long v;
};

static int edit_timeout(struct lb_model *want, void *arg)
{
	struct timeout_set *t = arg;

	*lb_model_timeout(want, t->d) = t->v;
	return 0;
}

/* config idle-timeout|closing-grace|handshake-timeout S|default */
static int config_timeout(const struct lb_timeout_def *d, const char *val)
{
	struct timeout_set t = { .d = d };
	char done[128];
	__u32 v;

	if (!strcmp(val, "default")) {
		t.v = 0;
	} else if (lb_u32_parse(val, 0, (__u32)d->max, &v) || (v && v < d->min)) {
		fprintf(stderr, "Error: %s %s: give %s from %ld to %ld, or 0 or 'default' "
			"for the default (%ld %s)\n", d->cmd, val,
			strcmp(d->unit, "s") ? "a whole number" : "whole seconds", d->min, d->max,
			d->def, d->unit);
		return -EINVAL;
	} else {
		t.v = v;
	}
	if (t.v)
		snprintf(done, sizeof(done), "%s: %ld %s", d->cmd, t.v, d->unit);
	else
		snprintf(done, sizeof(done), "%s: default (%ld %s)", d->cmd, d->def, d->unit);
	return cmd_change(edit_timeout, &t, done);
}

int do_config_show(const struct cmd_args *a)
{
	struct json_object *o;
	struct lb_model md;
	int err = read_model(&md);

	(void)a;
	if (err)
		return err;
	o = lb_config_to_json(&md);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	lb_model_free(&md);
	return 0;
}

int do_config_unknown_vtag(const struct cmd_args *a)
{
	int policy = lb_policy_parse(a->pos[0]);
	char done[96];

	if (policy < 0) {
		fprintf(stderr, "Error: unknown-vtag policy '%s': use drop, pass or hash\n", a->pos[0]);
		return -EINVAL;
	}
	snprintf(done, sizeof(done), "unknown-vtag policy: %s", a->pos[0]);
	return cmd_change(edit_policy, &policy, done);
}

/* config idle-timeout|closing-grace|handshake-timeout: the setting is the second word. */
int do_config_timeout(const struct cmd_args *a)
{
	const char *what = strchr(a->cmd->words, ' ') + 1;
	size_t i;

	for (i = 0; i < sizeof(lb_timeouts) / sizeof(lb_timeouts[0]); i++)
		if (!strcmp(what, lb_timeouts[i].cmd))
			return config_timeout(&lb_timeouts[i], a->pos[0]);
	fprintf(stderr, "Error: no setting '%s' in lb_timeouts\n", what);
	return -EINVAL;
}
