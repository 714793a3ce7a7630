#!/usr/bin/env bash
# Build the kernel and initramfs of the Linux-SCTP test VMs from Debian packages only, once.
#
#   tests/vm/build.sh        builds if needed; prints the directory holding vmlinux and
#                            initramfs.cpio (build/vm/<key>), keyed by the versions of the
#                            packages used and by this script and the guest sources; the
#                            versions are resolved again only when apt's lists change, so a
#                            second run costs a few milliseconds.
#   tests/vm/build.sh --sctplb
#                            the same, and initramfs-sctplb.cpio beside it: initramfs.cpio
#                            followed by a second archive holding build/sctplb (its BPF
#                            objects are embedded) and the host libraries `ldd` lists that
#                            the first lacks (the kernel unpacks concatenated archives in
#                            order).  That layer is rebuilt when build/sctplb or one of
#                            those libraries changes (sctplb.key), which costs ~0.2 s, not
#                            a rebuild of the image.  The guest's `sctplb` is
#                            /usr/bin/sctplb.  Needs a host whose C library the guest's
#                            can stand in for (both Debian 12 here: the guest's libc6 is
#                            the archive's, the host's the installed one).
#
# Nothing is installed on the host: the packages are fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` into a staging tree:
#   linux-image-<abi>-amd64  the distribution kernel (6.1) and its sctp.ko;
#   busybox-static           the guest's shell and tools (ip, ping, sysctl, cpio for us);
#   lksctp-tools, ncat, iperf3 and the libraries their ELF headers name (libc6, libsctp1,
#                            libiperf0, libssl3, libpcap0.8 and what libpcap needs: libdbus-1-3,
#                            libsystemd0 and its compression and crypto libraries).
# tests/vm/ksctp-peer.c is compiled here with `gcc -static` (the guest has no compiler).
# The kernel is booted uncompressed (its PVH entry point): unpacking the bzImage costs a
# TCG guest about 4.5 s per boot.  The initramfs is an uncompressed newc cpio for the same
# reason.  Only qemu-system-x86 (scripts/deps.sh) is needed on the host to run them.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT_ROOT=build/vm
WITH_SCTPLB=""
case ${1:-} in
--sctplb) WITH_SCTPLB=1 ;;
"") ;;
*) echo "usage: tests/vm/build.sh [--sctplb]" >&2; exit 2 ;;
esac
TOOLS_PKGS=(busybox-static lksctp-tools ncat iperf3)
LIB_PKGS=(libc6 libgcc-s1 libsctp1 libiperf0 libssl3 libpcap0.8 liblua5.3-0
	libdbus-1-3 libsystemd0 liblzma5 libzstd1 liblz4-1 libcap2 libgcrypt20 libgpg-error0)
# Modules for the guest, in load order (each after what it depends on; checked below).
# sch_ingress (the clsact qdisc) and cls_bpf: the routable-tag agent's tc programs.
MODULES=(failover net_failover virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	virtio_pci virtio_net qemu_fw_cfg crc32c_generic libcrc32c udp_tunnel ip6_udp_tunnel sctp
	sch_ingress cls_bpf)
GUEST_BINS=(usr/bin/sctp_test usr/bin/sctp_darn usr/bin/sctp_status usr/bin/checksctp
	usr/bin/ncat usr/bin/iperf3)

log() { echo "vm build: $*" >&2; }
die() { echo "vm build: $*" >&2; exit 1; }

command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null || die "needs a Debian host (apt-get, dpkg-deb)"
command -v gcc >/dev/null || die "gcc missing: run 'make deps'"

# The kernel: linux-image-amd64 is a metapackage naming the current ABI's image package.
# One apt-cache call for all the candidate versions (each call parses the lists: ~0.5 s).
resolve() {
	KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
	[ -n "$KPKG" ] || return 1
	VERSIONS=$(apt-cache policy "$KPKG" "${TOOLS_PKGS[@]}" "${LIB_PKGS[@]}" 2>/dev/null | awk '
		/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) }
		/^  Candidate: / { if ($2 == "(none)") bad = 1; else printf " %s=%s", p, $2; n++ }
		END { if (bad) exit 1; printf "\n" }') || return 1
	[ "$(echo "$VERSIONS" | wc -w)" -eq $((1 + ${#TOOLS_PKGS[@]} + ${#LIB_PKGS[@]})) ]
}
# The versions change only when the package lists do: remember them against the lists'
# names, sizes and times, so that a cached image costs no apt-cache run (~1 s idle, ~8 s
# on a loaded machine, and every Linux test calls this).
lists_stamp() { stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null | sha256sum | cut -c1-16; }
STAMP=$(lists_stamp)
VERSIONS=""
if [ -f "$OUT_ROOT/resolved" ] && [ "$(head -1 "$OUT_ROOT/resolved")" = "$STAMP" ]; then
	VERSIONS=$(sed -n 2p "$OUT_ROOT/resolved")
	KPKG=$(sed -n 3p "$OUT_ROOT/resolved")
fi
if [ -n "$VERSIONS" ]; then
	:
elif ! resolve; then
	[ "$(id -u)" -eq 0 ] || die "package lists lack the VM packages; run 'apt-get update' as root"
	log "package lists lack the VM packages: apt-get update"
	apt-get update -qq || die "apt-get update failed: is Debian's mirror reachable?"
	resolve || die "cannot resolve linux-image-amd64 and the guest tools from apt (bookworm main)"
fi
mkdir -p "$OUT_ROOT"
printf '%s\n%s\n%s\n' "$(lists_stamp)" "$VERSIONS" "$KPKG" >"$OUT_ROOT/resolved"
KEY=$( { echo "$VERSIONS"; cat "$0" tests/vm/ksctp-peer.c tools/sctp-peer/tally.h tests/vm/init.sh; } | sha256sum | cut -c1-16)
OUT=$OUT_ROOT/$KEY

# The sctplb layer (--sctplb): build/sctplb and the libraries the image lacks, as a second
# newc archive appended to the image's (see the header).  Run after the image exists.
sctplb_layer() {
	local bin=build/sctplb libs l akey L
	[ -x "$bin" ] || die "$bin missing: run 'make' first"
	libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }') || die "ldd $bin failed"
	akey=$( { sha256sum "$bin" "$OUT/initramfs.cpio"; for l in $libs; do sha256sum "$(readlink -f "$l")"; done; } |
		sha256sum | cut -c1-16)
	if [ -s "$OUT/initramfs-sctplb.cpio" ] && [ "$(cat "$OUT/sctplb.key" 2>/dev/null)" = "$akey" ]; then
		return 0
	fi
	L=$OUT_ROOT/sctplb-layer-$$
	rm -rf "$L"
	mkdir -p "$L/usr/bin" "$L/lib/x86_64-linux-gnu"
	cp "$bin" "$L/usr/bin/sctplb"
	for l in $libs; do
		# What the packages put in the image wins: one copy of each library.
		grep -qx "\./\(usr/\)\?lib/x86_64-linux-gnu/${l##*/}" "$OUT/files" && continue
		cp -L "$l" "$L/lib/x86_64-linux-gnu/"
	done
	(cd "$L" && find . | LC_ALL=C sort | "$OLDPWD/$OUT/busybox" cpio -o -H newc 2>/dev/null) >"$L.cpio" ||
		{ rm -rf "$L" "$L.cpio"; die "cpio of the sctplb layer failed"; }
	cat "$OUT/initramfs.cpio" "$L.cpio" >"$OUT/initramfs-sctplb.cpio.tmp-$$"
	mv "$OUT/initramfs-sctplb.cpio.tmp-$$" "$OUT/initramfs-sctplb.cpio"
	echo "$akey" >"$OUT/sctplb.key"
	log "sctplb layer: $(cd "$L" && find . -type f | sed 's|^\./||' | tr '\n' ' ')"
	rm -rf "$L" "$L.cpio"
}

if [ -s "$OUT/vmlinux" ] && [ -s "$OUT/initramfs.cpio" ]; then
	[ -z "$WITH_SCTPLB" ] || sctplb_layer
	echo "$OUT"
	exit 0
fi

t0=$(date +%s%N)
WORK=$OUT_ROOT/work-$$
rm -rf "$WORK"
trap 'rm -rf "$WORK" "$OUT_ROOT"/*.tmp-$$' EXIT
mkdir -p "$WORK/debs" "$WORK/stage" "$WORK/root"
# apt drops privileges to _apt for downloads: let it write there.
chmod 777 "$WORK/debs"
log "downloading$VERSIONS"
# shellcheck disable=SC2086
(cd "$WORK/debs" && apt-get download -qq ${VERSIONS} 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
for p in "$KPKG" "${TOOLS_PKGS[@]}" "${LIB_PKGS[@]}"; do
	ls "$WORK/debs/${p}_"*.deb >/dev/null 2>&1 || die "apt-get download $p failed (mirror unreachable?)"
done
# The kernel package unpacks to 400 MB: take only the image and the modules we load.
for d in "$WORK"/debs/*.deb; do
	case ${d##*/} in
	"${KPKG}_"*)
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$WORK/stage" --wildcards './boot/vmlinuz-*' \
			$(printf "./lib/modules/*/%s.ko " "${MODULES[@]/#/*/}") ;;
	*) dpkg-deb -x "$d" "$WORK/stage" ;;
	esac
done
MB=$(du -cm "$WORK"/debs/*.deb | tail -1 | cut -f1)

S=$WORK/stage R=$WORK/root
KVER=$(ls "$S/lib/modules")
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib/modules,proc,sys,dev,tmp,run,etc}

# Kernel: the ELF inside the bzImage (an xz stream), bootable by qemu through PVH.
python3 - "$S/boot/vmlinuz-$KVER" "$OUT_ROOT/vmlinux.tmp-$$" <<'PY'
import lzma, sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\xfd7zXZ\x00")
if i < 0:
    sys.exit("no xz stream in %s" % sys.argv[1])
out = lzma.LZMADecompressor().decompress(d[i:])
if out[:4] != b"\x7fELF":
    sys.exit("the xz stream of %s is not an ELF kernel" % sys.argv[1])
open(sys.argv[2], "wb").write(out)
PY

# Modules: check that each one's dependencies (modinfo depends=) come before it.
loaded=" "
for m in "${MODULES[@]}"; do
	ko=$(find "$S/lib/modules/$KVER" -name "$m.ko" | head -1)
	[ -n "$ko" ] || die "module $m not in $KPKG"
	for dep in $(objcopy -O binary -j .modinfo "$ko" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p' | tr , ' '); do
		[[ "$loaded" == *" $dep "* ]] || die "module $m needs $dep first: fix MODULES in $0"
	done
	cp "$ko" "$R/lib/modules/"
	loaded="$loaded$m "
done
printf '%s\n' "${MODULES[@]}" >"$R/lib/modules/order"

# Programs and the shared libraries they need (DT_NEEDED, transitively), with the loader.
cp "$S/bin/busybox" "$R/bin/busybox"
find_lib() {
	local d
	for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib64 usr/lib; do
		[ -e "$S/$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
need=()
for b in "${GUEST_BINS[@]}"; do
	[ -x "$S/$b" ] || die "$b missing from the unpacked packages"
	cp "$S/$b" "$R/usr/bin/"
	need+=("$S/$b")
done
copied=" "
while [ ${#need[@]} -gt 0 ]; do
	f=${need[0]}
	need=("${need[@]:1}")
	for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[[ "$copied" == *" $lib "* ]] && continue
		rel=$(find_lib "$lib") || die "library $lib (needed by ${f#"$S"/}) not in the packages: add its package to LIB_PKGS"
		mkdir -p "$R/$(dirname "$rel")"
		cp -L "$S/$rel" "$R/$rel"
		copied="$copied$lib "
		need+=("$S/$rel")
	done
done
mkdir -p "$R/lib64"
cp -L "$S/lib64/ld-linux-x86-64.so.2" "$R/lib64/"
gcc -static -O2 -Wall -Wextra -Werror -Itools/sctp-peer tests/vm/ksctp-peer.c -o "$R/usr/bin/ksctp-peer"
cp tests/vm/init.sh "$R/init"
chmod 755 "$R/init"

(cd "$R" && find . | LC_ALL=C sort | "$OLDPWD/$S/bin/busybox" cpio -o -H newc 2>/dev/null) >"$OUT_ROOT/initramfs.tmp-$$"
mkdir -p "$OUT"
# The image's file list and a cpio for the sctplb layer (--sctplb), before the image
# itself: its presence is what marks the build complete.
(cd "$R" && find . | LC_ALL=C sort) >"$OUT/files"
cp "$S/bin/busybox" "$OUT/busybox"
mv "$OUT_ROOT/vmlinux.tmp-$$" "$OUT/vmlinux"
mv "$OUT_ROOT/initramfs.tmp-$$" "$OUT/initramfs.cpio"
echo "$VERSIONS" | tr ' ' '\n' | sed '/^$/d' >"$OUT/packages"
echo "$KVER" >"$OUT/kernel-release"
# Older keys are stale builds: keep only this one.
for d in "$OUT_ROOT"/*/; do
	case $d in "$OUT/" | */work-*) ;; *) [ -e "$d/vmlinux" ] && rm -rf "$d" ;; esac
done
log "built $OUT (kernel $KVER, ${MB} MB downloaded, initramfs $(($(stat -c %s "$OUT/initramfs.cpio") / 1048576)) MB) in $((($(date +%s%N) - t0) / 1000000)) ms"
[ -z "$WITH_SCTPLB" ] || sctplb_layer
echo "$OUT"
