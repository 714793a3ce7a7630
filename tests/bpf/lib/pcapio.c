/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Capture files for the tests: see pcapio.h. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "pcapio.h"

#define FRAME_MAX 4096

struct pcapio_dump {
	pcap_t *dead;
	pcap_dumper_t *d;
};

static struct pcapio_dump one_dump;

struct pcapio_dump *pcapio_dump_open(const char *path)
{
	one_dump.dead = pcap_open_dead(DLT_EN10MB, FRAME_MAX);
	one_dump.d = one_dump.dead ? pcap_dump_open(one_dump.dead, path) : NULL;
	return one_dump.d ? &one_dump : NULL;
}

void pcapio_dump(struct pcapio_dump *d, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h = { .caplen = len, .len = len };

	pcap_dump((u_char *)d->d, &h, frame);
}

void pcapio_dump_close(struct pcapio_dump *d)
{
	pcap_dump_close(d->d);
	pcap_close(d->dead);
}

int pcapio_read(const char *path, pcapio_fn fn, void *arg)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t frame[FRAME_MAX];
	pcap_t *p = pcap_open_offline(path, err);
	int link, n = 0, rc;

	if (!p) {
		fprintf(stderr, "pcapio: %s: %s\n", path, err);
		return -1;
	}
	link = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (h->caplen != h->len || h->caplen > FRAME_MAX - 2) {
			fprintf(stderr, "pcapio: %s: frame %d cut or too big\n", path, n + 1);
			n = -1;
			break;
		}
		if (link == DLT_LINUX_SLL && h->caplen >= 16) {
			/* SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
			memset(frame, 0, 6);
			memcpy(frame + 6, data + 6, 6);
			memcpy(frame + 12, data + 14, 2);
			memcpy(frame + 14, data + 16, h->caplen - 16);
			rc = fn(arg, n, frame, h->caplen - 2, data[0] << 8 | data[1]);
		} else if (link == DLT_EN10MB) {
			memcpy(frame, data, h->caplen);
			rc = fn(arg, n, frame, h->caplen, -1);
		} else {
			fprintf(stderr, "pcapio: %s: link type %d not handled\n", path, link);
			n = -1;
			break;
		}
		n++;
		if (rc)
			break;
	}
	pcap_close(p);
	return n;
}

/*
 * The captures' folder: $SCTPLB_CAPTURES; else tests/captures two levels up
 * from this program (build/tests/test_* in the repository it was built
 * in, wherever that clone lives and whatever the current directory); else
 * tests/captures under the current directory (tests/run.sh runs from the
 * repository's root).  Never a path outside the repository by default.
 */
const char *pcapio_captures_dir(void)
{
	static char dir[PATH_MAX + 32];
	char exe[PATH_MAX];
	const char *env = getenv("SCTPLB_CAPTURES");
	ssize_t n;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(dir, sizeof(dir), "%s/../../tests/captures", dirname(exe));
		if (!access(dir, R_OK | X_OK))
			return dir;
	}
	return "tests/captures";
}
