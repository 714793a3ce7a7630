/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * config.h: the file of 'sctplb apply' (JSON), to and from a model.
 *
 *   {
 *     "unknown_vtag": "drop" | "pass" | "hash",      optional, default "drop"
 *     "idle_timeout": 300,                           expiry (sctplb gc), seconds, optional:
 *     "closing_grace": 5,                              absent or 0 = the default; config
 *     "handshake_timeout": 10,                         show prints the effective values
 *     "services": [
 *       { "name": "diameter",
 *         "vips": ["192.0.2.10", "2001:db8::10"],    path i = VIP i
 *         "port": 3868,
 *         "udp_encap": 9899,                         optional, 0 or absent = none
 *         "backends": [
 *           { "name": "be1", "addrs": ["198.51.100.1", "2001:db8:1::1"],
 *             "weight": 1, "drained": false }        weight, drained optional
 *         ] } ] }
 *
 * Unknown keys are errors (a typo must not silently remove a setting).
 */
#ifndef SCTPLB_CONFIG_H
#define SCTPLB_CONFIG_H

#include <json-c/json.h>
#include "model.h"

/* Parses text into out (ids 0).  err gets "where: what" on -EINVAL. */
int lb_config_parse(const char *text, struct lb_model *out, char *err, size_t errlen);
/* The model in the same format (what 'sctplb config show' prints). */
struct json_object *lb_config_to_json(const struct lb_model *md);

#endif
