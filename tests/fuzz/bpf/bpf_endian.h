/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Stands in for libbpf's bpf_endian.h in the fuzzers (little-endian hosts). */
#ifndef FUZZ_BPF_ENDIAN_H
#define FUZZ_BPF_ENDIAN_H
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the fuzz shims assume a little-endian host"
#endif
#define bpf_htons(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bpf_htonl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define bpf_cpu_to_be64(x) __builtin_bswap64(x)
#define bpf_be64_to_cpu(x) __builtin_bswap64(x)
#endif
