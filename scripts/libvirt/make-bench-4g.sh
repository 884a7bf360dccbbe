#!/usr/bin/env bash
# The benchmark's raw libvirt save image of a 4 GiB guest (issue 11, "device sections on screen in
# under 0.3 s"), made by real libvirt: a paused TCG pc guest with <memory> 4 GiB whose RAM is
# filled with the noise file of scripts/bench-inputs.ts through QEMU's `-device loader` (passed
# with libvirt's qemu:commandline namespace, at the addresses random-4g.mig uses: 1000 MiB at
# 16 MiB, 1 GiB, 2 GiB and 4 GiB), saved with `virsh save` and save_image_format = "raw".
# Every byte of OUT comes from libvirt and QEMU; nothing is composed. `virsh save-image-dumpxml`
# must read the image back. Needs root. Usage: make-bench-4g.sh OUT NOISE
# A libvirtd started by this script is stopped again; one already running (another script's, with
# save_image_format = "raw") is used and left running.
set -euo pipefail
out=$1 noise=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=libvirt.sh
. "$here/libvirt.sh"
V="virsh -q -c qemu:///system"
name=vmx-bench-4g
started=0
cleanup() {
  $V destroy $name >/dev/null 2>&1 || true
  if [ $started = 1 ]; then libvirt_stop; fi
  rm -f "$out.part" "$out.xml"
}
trap cleanup EXIT

libvirt_install
if libvirt_running && grep -q '^save_image_format = "raw"' /etc/libvirt/qemu.conf; then :; else libvirt_start raw; started=1; fi

loader() { printf "    <qemu:arg value='-device'/><qemu:arg value='loader,file=%s,addr=%s,force-raw=on'/>\n" "$noise" "$1"; }
cat > "$out.xml" <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <description>vmstate-explorer bench: 4 GiB guest, RAM filled by -device loader</description>
  <memory unit='GiB'>4</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
$(loader 0x1000000; loader 0x40000000; loader 0x80000000; loader 0x100000000)
  </qemu:commandline>
</domain>
XML
$V create "$out.xml" --paused
$V save $name "$out.part"
$V save-image-dumpxml "$out.part" | grep -q "<name>$name</name>" || { echo "virsh save-image-dumpxml cannot read $out.part" >&2; exit 1; }
mv "$out.part" "$out"
