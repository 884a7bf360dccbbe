#!/usr/bin/env bash
# Real libvirt for the tests and the fixtures (issue 11): installs Debian's libvirt, runs libvirtd
# in the background as root for qemu:///system without systemd, and stops only the daemon it
# started. Source it for the functions, or run it: `bash scripts/libvirt/libvirt.sh install|start|stop`.
#
#   libvirt_install          apt packages (libvirt-daemon, the QEMU driver, virsh, the compressors)
#   libvirt_start [FORMAT]   writes a minimal qemu.conf (save_image_format=FORMAT, default raw),
#                            creates the libvirt-qemu user, starts libvirtd, waits for its socket
#   libvirt_stop             stops the libvirtd whose pid libvirt_start recorded
#   libvirt_ci               install + start, for .ci/run; a failure only skips the libvirt tests
set -u

LIBVIRT_PIDFILE=${LIBVIRT_PIDFILE:-/run/vmstate-explorer-libvirtd.pid}
LIBVIRT_LOG=${LIBVIRT_LOG:-/tmp/vmstate-explorer-libvirtd.log}
QEMU_CONF=/etc/libvirt/qemu.conf
MARK='# written by vmstate-explorer scripts/libvirt/libvirt.sh'

libvirt_install() {
  if command -v virsh >/dev/null && command -v libvirtd >/dev/null && command -v lzop >/dev/null \
     && [ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]; then
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends \
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 gzip bzip2 xz-utils lzop zstd >/dev/null \
  || { apt-get update -q -o DPkg::Lock::Timeout=900 >/dev/null && apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends \
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 gzip bzip2 xz-utils lzop zstd >/dev/null; }
}

libvirt_running() {
  [ -f "$LIBVIRT_PIDFILE" ] && kill -0 "$(cat "$LIBVIRT_PIDFILE")" 2>/dev/null
}

libvirt_start() {
  local format=${1:-raw}
  if libvirt_running; then libvirt_stop; fi
  # The QEMU driver runs QEMU as this user unless told otherwise (Debian's postinst creates it;
  # a container without it fails "Failed to parse user 'libvirt-qemu'").
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /etc/libvirt /var/lib/libvirt/qemu/save /var/cache/libvirt /run/libvirt /var/log/libvirt/qemu
  if [ -e "$QEMU_CONF" ] && ! grep -qF "$MARK" "$QEMU_CONF"; then
    [ -e "$QEMU_CONF.vmstate-explorer-orig" ] || cp "$QEMU_CONF" "$QEMU_CONF.vmstate-explorer-orig"
  fi
  # QEMU logs to a file (no virtlogd); root runs QEMU, no relabelling: a container has neither AppArmor/SELinux nor cgroup delegation.
  cat > "$QEMU_CONF" <<CONF
$MARK
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
remember_owner = 0
cgroup_controllers = []
namespaces = []
stdio_handler = "file"
save_image_format = "$format"
CONF
  local conf=/run/libvirt/vmstate-explorer-libvirtd.conf
  printf 'unix_sock_group = "root"\nunix_sock_rw_perms = "0770"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nlisten_tls = 0\nlisten_tcp = 0\n' > "$conf"
  /usr/sbin/libvirtd --config "$conf" >>"$LIBVIRT_LOG" 2>&1 &
  echo $! > "$LIBVIRT_PIDFILE"
  local i
  for i in $(seq 1 60); do
    if virsh -c qemu:///system version >/dev/null 2>&1; then return 0; fi
    libvirt_running || { echo "libvirtd exited; see $LIBVIRT_LOG" >&2; tail -5 "$LIBVIRT_LOG" >&2; return 1; }
    sleep 0.5
  done
  echo "libvirtd did not answer within 30 s; see $LIBVIRT_LOG" >&2
  return 1
}

libvirt_stop() {
  libvirt_running || { rm -f "$LIBVIRT_PIDFILE"; return 0; }
  local pid; pid=$(cat "$LIBVIRT_PIDFILE")
  kill "$pid"
  local i
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$LIBVIRT_PIDFILE"
}

libvirt_ci() {
  libvirt_install && libvirt_start raw || echo "libvirt unavailable: the libvirt tests will be skipped" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cmd=${1:-}; shift || true
  case "$cmd" in
    install) libvirt_install ;;
    start) libvirt_start "$@" ;;
    stop) libvirt_stop ;;
    ci) libvirt_ci ;;
    *) echo "usage: $0 install|start [FORMAT]|stop|ci" >&2; exit 2 ;;
  esac
fi
