#!/usr/bin/env bash
# Install everything sctplb needs to build, test, benchmark and demo on Debian 12.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

PKGS=(
  clang-19 llvm-19 lld-19        # BPF compiler (CO-RE, BTF) and llvm-strip
  libclang-rt-19-dev             # libFuzzer and sanitizers for the fuzzers
  libbpf-dev bpftool             # skeletons, map and program loading
  libxdp-dev xdp-tools           # multi-program XDP attach (coexistence)
  libelf-dev zlib1g-dev pkg-config make gcc
  iproute2 nftables ethtool      # namespaces, veths, path cuts
  libusrsctp-dev                 # real SCTP endpoints (no kernel SCTP here)
  libpcap-dev tcpdump tshark     # capture replay and inspection
  libjson-c-dev                  # machine-readable output
  groff-base man-db              # sctplb(8): rendered and checked by tests/e2e/test_cli.sh
  qemu-system-x86                # Linux kernel SCTP in VMs (tests/vm: Debian kernel, TCG)
  bird2                          # BGP: forwarders announce the VIPs to an ECMP router (test_e2e_ecmp)
  libmicrohttpd-dev prometheus curl # sctplb metrics (HTTP server); tests/e2e/test_metrics.sh scrapes it
  python3                        # the tests' checks (standard library only), the distribution's
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
mount_bpffs() {
  mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}
if [ ${#missing[@]} -eq 0 ]; then
  mount_bpffs
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Packages that ship a daemon (bird2, prometheus) must not start it in the root namespace:
# the tests run their own copies inside namespaces.  policy-rc.d 101 = "do not start".
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { rc=$?; [ $own_policy = 1 ] && rm -f "$policy"; exit $rc; }
[ $own_policy = 1 ] && rm -f "$policy"
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now bird.service >/dev/null 2>&1 || true
fi
mount_bpffs
