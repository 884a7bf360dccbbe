#!/usr/bin/env bash
# libvirt save images made by real libvirt (issue 11), into public/fixtures/libvirt/:
#   raw.sav            virsh save of a paused 32 MiB TCG guest (save_image_format raw)
#   running.sav.gz     the same with --running (was_running forced to 1)
#   xml.sav.gz         virsh save --xml with another <description>
#   defined.sav.gz     raw.sav after virsh save-image-define (new XML in the same data_len)
#   managed.sav.gz     virsh managedsave of a persistent guest (the host's managed-save file)
#   gzip.sav bzip2.sav xz.sav lzop.sav    save_image_format = each compressor libvirt accepts
# (the raw variants gzipped as files, to keep the repository small) and manifest.txt with the libvirt version and every command. Needs root; starts libvirtd with
# scripts/libvirt/libvirt.sh and stops it again. Usage: bash scripts/libvirt/make-fixtures.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../public/fixtures/libvirt}
mkdir -p "$out"; out=$(cd "$out" && pwd)
# shellcheck source=libvirt.sh
. "$here/libvirt.sh"
V="virsh -q -c qemu:///system"
work=$(mktemp -d /tmp/vmx-libvirt.XXXXXX)
cleanup() { $V destroy vmx-fixture >/dev/null 2>&1 || true; $V undefine vmx-fixture --managed-save >/dev/null 2>&1 || true; libvirt_stop; rm -rf "$work"; }
trap cleanup EXIT
manifest=$out/manifest.txt
: > "$manifest"
log() { echo "$*" >> "$manifest"; }

guest_xml() { # NAME DESCRIPTION
  cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>6d1f3b0e-1b7a-4c55-9a3e-766d73746174</uuid>
  <description>$2</description>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}
run() { log "\$ ${*//$work/WORK}"; "$@"; }

libvirt_install
libvirt_start raw
log "# $(virsh --version) (libvirt), $(qemu-system-x86_64 --version | head -n1), $(date -u +%F)"
name=vmx-fixture
guest_xml $name 'vmstate-explorer fixture guest' > "$work/guest.xml"

run $V create "$work/guest.xml" --paused
run $V save $name "$work/raw.sav"
run $V create "$work/guest.xml" --paused
run $V save $name "$work/running.sav" --running
run $V create "$work/guest.xml" --paused
# --xml must keep the guest ABI: start from the running definition, change only <description>.
$V dumpxml --migratable $name | sed 's|<description>.*</description>|<description>saved with virsh save --xml</description>|' > "$work/other.xml"
run $V save $name "$work/xml.sav" --xml "$work/other.xml"
cp "$work/raw.sav" "$work/defined.sav"
$V save-image-dumpxml "$work/raw.sav" | sed 's|<description>.*</description>|<description>redefined by virsh save-image-define</description>|' > "$work/defined.xml"
run $V save-image-define "$work/defined.sav" "$work/defined.xml"
run $V define "$work/guest.xml"
run $V start $name --paused
run $V managedsave $name
run cp /var/lib/libvirt/qemu/save/$name.save "$work/managed.sav"
run $V undefine $name --managed-save

for fmt in gzip bzip2 xz lzop zstd; do
  libvirt_start "$fmt"
  log "# save_image_format = \"$fmt\""
  run $V create "$work/guest.xml" --paused
  if run $V save $name "$work/$fmt.sav" 2>"$work/err"; then :; else
    log "# refused: $(cat "$work/err")"; $V destroy $name >/dev/null 2>&1 || true; rm -f "$work/$fmt.sav"
  fi
done
libvirt_stop
# Only raw.sav is kept raw; its raw variants differ in the header and XML, so they are committed
# gzipped as files (tests gunzip them) to keep the repository small.
rm -f "$out"/*.sav "$out"/*.sav.gz
for f in raw gzip bzip2 xz lzop zstd; do
  if [ -f "$work/$f.sav" ]; then cp "$work/$f.sav" "$out/$f.sav"; fi
done
for f in running xml defined managed; do gzip -9n < "$work/$f.sav" > "$out/$f.sav.gz"; done
chmod 644 "$out"/*
ls -l "$out"
