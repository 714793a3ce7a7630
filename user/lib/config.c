// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* config.c: the JSON configuration file; see config.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "config.h"

static int check_keys(struct json_object *o, const char *const *allowed, const char *where,
		      char *err, size_t errlen)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a) {
			snprintf(err, errlen, "%s: unknown key \"%s\"", where, key);
			return -EINVAL;
		}
	}
	return 0;
}

static int get_string(struct json_object *o, const char *key, bool required, const char **out,
		      const char *where, char *err, size_t errlen)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: \"%s\" is missing", where, key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: \"%s\" must be a string", where, key);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

static int get_uint(struct json_object *o, const char *key, bool required, __u32 min, __u32 max,
		    __u32 *out, const char *where, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: \"%s\" is missing", where, key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "%s: \"%s\" must be an integer", where, key);
		return -EINVAL;
	}
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		snprintf(err, errlen, "%s: \"%s\" %lld out of range: use %u to %u", where, key,
			 (long long)x, min, max);
		return -EINVAL;
	}
	*out = (__u32)x;
	return 0;
}

/* An array of address strings, or one string "A,B". */
static int get_addrs(struct json_object *o, const char *key, struct sctplb_addr *out, __u32 *n,
		     const char *where, char *err, size_t errlen)
{
	struct json_object *v;
	size_t i, len, k;

	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(err, errlen, "%s: \"%s\" is missing", where, key);
		return -EINVAL;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *bad = NULL;
		int e = lb_addr_list_parse(json_object_get_string(v), out, SCTPLB_MAX_PATHS, &k, &bad);

		if (e == -E2BIG) {
			snprintf(err, errlen, "%s: more than %d addresses in \"%s\"", where,
				 SCTPLB_MAX_PATHS, key);
			return -EINVAL;
		}
		if (e) {
			snprintf(err, errlen, "%s: \"%s\": malformed address at \"%s\"", where, key,
				 bad ? bad : "");
			return -EINVAL;
		}
		*n = k;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen, "%s: \"%s\" must be an array of addresses", where, key);
		return -EINVAL;
	}
	len = json_object_array_length(v);
	if (len < 1 || len > SCTPLB_MAX_PATHS) {
		snprintf(err, errlen, "%s: \"%s\" has %zu addresses: give 1 to %d", where, key, len,
			 SCTPLB_MAX_PATHS);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    lb_addr_parse(json_object_get_string(e), &out[i])) {
			snprintf(err, errlen, "%s: \"%s\"[%zu]: malformed address \"%s\"", where, key, i,
				 json_object_get_string(e));
			return -EINVAL;
		}
	}
	*n = len;
	return 0;
}

static int set_name(char *dst, const char *name, const char *what, const char *where, char *err,
		    size_t errlen)
{
	if (!lb_name_valid(name)) {
		snprintf(err, errlen, "%s: %s name \"%s\" is not valid: use 1 to %d characters from "
			 "A-Z a-z 0-9 . _ -", where, what, name, SCTPLB_NAME_LEN - 1);
		return -EINVAL;
	}
	memset(dst, 0, SCTPLB_NAME_LEN);
	strcpy(dst, name);
	return 0;
}

static int parse_backend(struct json_object *o, struct lb_service_cfg *s, const char *swhere,
			 size_t idx, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "addrs", "weight", "drained", "server_id", NULL };
	struct lb_backend_cfg b = { .weight = 1 };
	struct json_object *v;
	char where[128];
	const char *name;

	snprintf(where, sizeof(where), "%s backends[%zu]", swhere, idx);
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -EINVAL;
	}
	if (check_keys(o, keys, where, err, errlen) ||
	    get_string(o, "name", true, &name, where, err, errlen) ||
	    set_name(b.name, name, "backend", where, err, errlen))
		return -EINVAL;
	snprintf(where, sizeof(where), "%s backend %s", swhere, name);
	if (get_addrs(o, "addrs", b.addr, &b.naddr, where, err, errlen) ||
	    get_uint(o, "weight", false, 1, LB_MAX_WEIGHT, &b.weight, where, err, errlen) ||
	    get_uint(o, "server_id", false, 0, LB_SERVER_ID_MAX, &b.server_id, where, err, errlen))
		return -EINVAL;
	if (json_object_object_get_ex(o, "drained", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "%s: \"drained\" must be true or false", where);
			return -EINVAL;
		}
		b.drained = json_object_get_boolean(v);
	}
	return lb_service_add_backend(s, &b) ? 0 : -ENOMEM;
}

/* "policy": [ { "action": "allow"|"deny", "prefix": "ADDR/LEN" }, ... ] */
static int parse_policy(struct json_object *arr, struct lb_service_cfg *s, const char *where,
			char *err, size_t errlen)
{
	static const char *const keys[] = { "action", "prefix", NULL };
	size_t i;

	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "%s: \"policy\" must be an array", where);
		return -EINVAL;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct lb_policy_rule r = {};
		const char *action, *prefix;
		char w[128];

		snprintf(w, sizeof(w), "%s policy[%zu]", where, i);
		if (!json_object_is_type(o, json_type_object)) {
			snprintf(err, errlen, "%s: must be an object", w);
			return -EINVAL;
		}
		if (check_keys(o, keys, w, err, errlen) ||
		    get_string(o, "action", true, &action, w, err, errlen) ||
		    get_string(o, "prefix", true, &prefix, w, err, errlen))
			return -EINVAL;
		if (!strcmp(action, "allow"))
			r.action = SCTPLB_POLICY_ALLOW;
		else if (!strcmp(action, "deny"))
			r.action = SCTPLB_POLICY_DENY;
		else {
			snprintf(err, errlen, "%s: action \"%s\": use allow or deny", w, action);
			return -EINVAL;
		}
		if (lb_cidr_parse(prefix, &r.addr, &r.plen)) {
			snprintf(err, errlen, "%s: prefix \"%s\": give ADDR/LEN with no host bits set "
				 "(192.0.2.0/24, 2001:db8::/32) or one address", w, prefix);
			return -EINVAL;
		}
		if (lb_service_rule(s, &r.addr, r.plen)) {
			snprintf(err, errlen, "%s: prefix %s appears twice", w, prefix);
			return -EINVAL;
		}
		if (s->nrule == SCTPLB_MAX_SVC_RULES) {
			snprintf(err, errlen, "%s: more than %d rules", w, SCTPLB_MAX_SVC_RULES);
			return -EINVAL;
		}
		s->rule[s->nrule++] = r;
	}
	return 0;
}

static int parse_service(struct json_object *o, struct lb_model *md, size_t idx, char *err,
			 size_t errlen)
{
	static const char *const keys[] = { "name", "vips", "port", "udp_encap", "tag_key",
					    "nat", "target_port", "snat", "backends", "policy", NULL };
	struct lb_service_cfg s = {}, *ns;
	struct json_object *bes;
	__u32 port = 0, encap = 0;
	char where[96];
	const char *name;
	size_t i;
	int e;

	snprintf(where, sizeof(where), "services[%zu]", idx);
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -EINVAL;
	}
	if (check_keys(o, keys, where, err, errlen) ||
	    get_string(o, "name", true, &name, where, err, errlen) ||
	    set_name(s.name, name, "service", where, err, errlen))
		return -EINVAL;
	snprintf(where, sizeof(where), "service %s", name);
	if (get_addrs(o, "vips", s.vip, &s.nvips, where, err, errlen) ||
	    get_uint(o, "port", true, 1, 65535, &port, where, err, errlen) ||
	    get_uint(o, "udp_encap", false, 0, 65535, &encap, where, err, errlen))
		return -EINVAL;
	s.port = port;
	s.udp_encap = encap;
	if (json_object_object_get_ex(o, "nat", &bes)) {
		if (!json_object_is_type(bes, json_type_boolean)) {
			snprintf(err, errlen, "%s: \"nat\" must be true or false", where);
			return -EINVAL;
		}
		s.nat = json_object_get_boolean(bes);
	}
	if (get_uint(o, "target_port", false, 1, 65535, &port, where, err, errlen))
		return -EINVAL;
	if (json_object_object_get_ex(o, "target_port", &bes))
		s.target_port = port;
	if (json_object_object_get_ex(o, "snat", &bes) &&
	    get_addrs(o, "snat", s.snat, &s.nsnat, where, err, errlen))
		return -EINVAL;
	if (json_object_object_get_ex(o, "tag_key", &bes)) {
		const char *file;

		if (get_string(o, "tag_key", true, &file, where, err, errlen))
			return -EINVAL;
		e = lb_service_tag_key(&s, file, err, errlen);
		if (e)
			return e;
	}
	if (json_object_object_get_ex(o, "policy", &bes)) {
		e = parse_policy(bes, &s, where, err, errlen);
		if (e)
			return e;
	}
	ns = lb_model_add_service(md, &s);
	if (!ns)
		return -ENOMEM;
	if (!json_object_object_get_ex(o, "backends", &bes))
		return 0;
	if (!json_object_is_type(bes, json_type_array)) {
		snprintf(err, errlen, "%s: \"backends\" must be an array", where);
		return -EINVAL;
	}
	for (i = 0; i < json_object_array_length(bes); i++) {
		e = parse_backend(json_object_array_get_idx(bes, i), ns, where, i, err, errlen);
		if (e)
			return e;
	}
	return 0;
}

int lb_config_parse(const char *text, struct lb_model *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "unknown_vtag", "services", "idle_timeout",
					    "closing_grace", "handshake_timeout", "path_silent",
					    "event_rate", "event_burst", NULL };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *svcs;
	const char *policy;
	size_t i;
	int e = -EINVAL;

	memset(out, 0, sizeof(*out));
	out->unknown_policy = SCTPLB_UNKNOWN_DROP;
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, strlen(text));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)strlen(text)) {
		/* Whitespace after the document is fine. */
		size_t off = tok->char_offset;

		if (root && json_tokener_get_error(tok) == json_tokener_success &&
		    strspn(text + off, " \t\r\n") == strlen(text + off))
			goto parsed;
		snprintf(err, errlen, "not valid JSON near character %zu: %s", off,
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
parsed:
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "the top level must be an object {\"services\": [...]}");
		goto out;
	}
	if (check_keys(root, keys, "top level", err, errlen) ||
	    get_string(root, "unknown_vtag", false, &policy, "top level", err, errlen))
		goto out;
	if (policy) {
		out->unknown_policy = lb_policy_parse(policy);
		if (out->unknown_policy < 0) {
			snprintf(err, errlen, "unknown_vtag \"%s\": use drop, pass or hash", policy);
			goto out;
		}
	}
	for (i = 0; i < LB_NTIMEOUTS; i++) {
		const struct lb_timeout_def *d = &lb_timeouts[i];
		__u32 v = 0;

		if (get_uint(root, d->key, false, 0, d->max, &v, "top level", err, errlen))
			goto out;
		if (v && v < d->min) {
			snprintf(err, errlen, "top level: \"%s\" %u out of range: use %ld to %ld "
				 "%s, or 0 for the default (%ld)", d->key, v, d->min, d->max,
				 strcmp(d->unit, "s") ? d->unit : "seconds", d->def);
			goto out;
		}
		*lb_model_timeout(out, d) = v;
	}
	if (json_object_object_get_ex(root, "services", &svcs)) {
		if (!json_object_is_type(svcs, json_type_array)) {
			snprintf(err, errlen, "\"services\" must be an array");
			goto out;
		}
		for (i = 0; i < json_object_array_length(svcs); i++) {
			e = parse_service(json_object_array_get_idx(svcs, i), out, i, err, errlen);
			if (e)
				goto out;
		}
	}
	e = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	if (e)
		lb_model_free(out);
	return e;
}

static struct json_object *addrs_json(const struct sctplb_addr *a, __u32 n)
{
	struct json_object *arr = json_object_new_array();
	char buf[LB_ADDRSTRLEN];
	__u32 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(lb_addr_fmt(&a[i], buf, sizeof(buf))));
	return arr;
}

struct json_object *lb_config_to_json(const struct lb_model *md)
{
	struct json_object *root = json_object_new_object(), *svcs = json_object_new_array();
	size_t i, j;

	json_object_object_add(root, "unknown_vtag",
			       json_object_new_string(lb_policy_name(md->unknown_policy < 0 ? 0 :
								     md->unknown_policy)));
	for (i = 0; i < LB_NTIMEOUTS; i++) {
		const struct lb_timeout_def *d = &lb_timeouts[i];
		long v = *lb_model_timeout((struct lb_model *)md, d);

		/* the effective value: 0 (and "unchanged") mean the default */
		json_object_object_add(root, d->key, json_object_new_int64(v > 0 ? v : d->def));
	}
	for (i = 0; i < md->nsvc; i++) {
		const struct lb_service_cfg *s = &md->svc[i];
		struct json_object *so = json_object_new_object(), *bes = json_object_new_array();

		json_object_object_add(so, "name", json_object_new_string(s->name));
		json_object_object_add(so, "vips", addrs_json(s->vip, s->nvips));
		json_object_object_add(so, "port", json_object_new_int(s->port));
		if (s->udp_encap)
			json_object_object_add(so, "udp_encap", json_object_new_int(s->udp_encap));
		if (s->rtag.flags & SCTPLB_RTAG_F_ON)
			json_object_object_add(so, "tag_key", json_object_new_string(s->tag_key_file));
		if (s->nat)
			json_object_object_add(so, "nat", json_object_new_boolean(true));
		if (s->target_port)
			json_object_object_add(so, "target_port", json_object_new_int(s->target_port));
		if (s->nsnat)
			json_object_object_add(so, "snat", addrs_json(s->snat, s->nsnat));
		for (j = 0; j < s->nbe; j++) {
			const struct lb_backend_cfg *b = &s->be[j];
			struct json_object *bo = json_object_new_object();

			json_object_object_add(bo, "name", json_object_new_string(b->name));
			json_object_object_add(bo, "addrs", addrs_json(b->addr, b->naddr));
			json_object_object_add(bo, "weight", json_object_new_int64(b->weight));
			json_object_object_add(bo, "drained", json_object_new_boolean(b->drained));
			if (b->server_id)
				json_object_object_add(bo, "server_id", json_object_new_int64(b->server_id));
			json_object_array_add(bes, bo);
		}
		json_object_object_add(so, "backends", bes);
		if (s->nrule) {
			struct json_object *pol = json_object_new_array();
			char cidr[LB_CIDRSTRLEN];
			__u32 r;

			for (r = 0; r < s->nrule; r++) {
				struct json_object *ro = json_object_new_object();

				json_object_object_add(ro, "action", json_object_new_string(
					lb_policy_action_name(s->rule[r].action)));
				json_object_object_add(ro, "prefix", json_object_new_string(
					lb_cidr_fmt(&s->rule[r], cidr, sizeof(cidr))));
				json_object_array_add(pol, ro);
			}
			json_object_object_add(so, "policy", pol);
		}
		json_object_array_add(svcs, so);
	}
	json_object_object_add(root, "services", svcs);
	return root;
}
