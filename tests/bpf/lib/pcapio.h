/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pcapio.h: capture files for the tests, kept apart from the BPF headers
 * (libpcap's struct bpf_insn clashes with linux/bpf.h).
 */
#ifndef SCTPLB_TEST_PCAPIO_H
#define SCTPLB_TEST_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

/* Writes Ethernet frames to a new capture file; NULL on error. */
struct pcapio_dump *pcapio_dump_open(const char *path);
void pcapio_dump(struct pcapio_dump *d, const uint8_t *frame, size_t len);
void pcapio_dump_close(struct pcapio_dump *d);

/*
 * Calls fn for each frame of a capture, as Ethernet: Linux cooked (SLL)
 * frames get an Ethernet header (source MAC from the SLL header, destination
 * 00:00:00:00:00:00, the SLL protocol) and their packet type (0 = to us,
 * 4 = outgoing); Ethernet frames get pkttype -1.  Stops when fn returns
 * non-zero.  Returns the number of frames, or -1 (message on stderr).
 */
typedef int (*pcapio_fn)(void *arg, int index, const uint8_t *frame, size_t len,
			 int pkttype);
int pcapio_read(const char *path, pcapio_fn fn, void *arg);

/* The folder of the repository's captures: $SCTPLB_CAPTURES, else
 * tests/captures of the repository the test was built in, else under the
 * current directory. */
const char *pcapio_captures_dir(void);

#endif
