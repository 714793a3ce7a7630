#!/bin/busybox sh
# /init of the test VMs (tests/vm/build.sh puts it in the initramfs).
# Loads the modules, then runs the script that the host passed through qemu's fw_cfg
# (opt/slb/script, written by vm_start in tests/vm/lib.sh) between two marker lines on
# the serial console:
#   SLB-VM-START
#   ... the script's output ...
#   SLB-VM-EXIT <exit status>
# and powers the VM off (qemu runs with -no-reboot, so a reboot ends it).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
# bpffs, for the routable-tag agent's pinned maps (sctplb agent attach).
mount -t bpf bpf /sys/fs/bpf
while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "init: insmod $m failed"
done </lib/modules/order
ip link set lo up
s=/sys/firmware/qemu_fw_cfg/by_name/opt/slb/script/raw
echo SLB-VM-START
if [ -r "$s" ]; then
	cat "$s" >/tmp/script.sh
	sh /tmp/script.sh </dev/null
	rc=$?
else
	echo "init: no script in fw_cfg opt/slb/script"
	rc=127
fi
echo "SLB-VM-EXIT $rc"
sync
reboot -f
