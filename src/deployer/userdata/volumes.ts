// A service's data on a block-storage volume (the openstack target's Cinder volume): the
// user-data waits for the volume's disk to appear, makes a filesystem on it only when it holds
// none (`blkid` says so; anything it cannot tell is an error, never a format), mounts it (and puts
// it in /etc/fstab, before Docker starts on a reboot) and gives the container a directory on it.
// Only user-data of a server with volumes carries these lines, so the others' hash is unchanged.
import { sq } from './quote.js';

/** Where a volume is mounted on the VM; the container gets its `data` directory. */
export const volumeMount = (project: string, service: string, volume: string) => `/var/lib/berth/${project}/volumes/${service}-${volume}`;

/**
 * The disk of a volume: found by its serial (the first 20 characters of the volume id, which is
 * what virtio and SCSI disks report), in /dev/disk/by-id or in /sys/block. Waited for: Nova
 * attaches the volume after the server is ACTIVE, while this already runs.
 */
export const VOLUME_PRELUDE = String.raw`volume_disk() {
  local short d
  short=$(printf %.20s "$1")
  for d in /dev/disk/by-id/*"$short"*; do
    [ -b "$d" ] && { readlink -f "$d"; return 0; }
  done
  for d in /sys/block/*; do
    [ "$(cat "$d/serial" 2>/dev/null)" = "$short" ] && [ -b "/dev/$(basename "$d")" ] && { echo "/dev/$(basename "$d")"; return 0; }
  done
  return 1
}

# Mounts volume $1 at $2: a filesystem is made only when blkid finds none on the disk (exit 2);
# any other answer it cannot give is a failure, so a disk with data is never formatted.
mount_volume() {
  local dev="" rc=0 uuid _ fstab
  fstab=$(printenv BERTH_FSTAB || echo /etc/fstab) # a test writes elsewhere
  log "waiting for volume $1"
  # Found and readable: blkid answers "nothing found" (2) for a disk it cannot open, too.
  for _ in $(seq 1 1200); do
    dev=$(volume_disk "$1") && dd if="$dev" of=/dev/null bs=4096 count=1 status=none 2>/dev/null && break
    dev=""
    sleep 0.5
  done
  [ -n "$dev" ] || fail "volume $1 did not appear on this server, or cannot be read (openstack server show; openstack volume show $1)"
  blkid -p "$dev" >/dev/null 2>&1 || rc=$?
  case $rc in
    0) log "volume $1 ($dev) holds a filesystem: mounting it as it is" ;;
    2) log "volume $1 ($dev) is empty: making a filesystem"
       mkfs.ext4 -q -L berth-data "$dev" >>"$LOG" 2>&1 || fail "mkfs.ext4 $dev failed" ;;
    *) fail "cannot tell whether volume $1 ($dev) holds data (blkid exit $rc): not formatting it" ;;
  esac
  install -d -m 0755 "$2"
  mountpoint -q "$2" || mount "$dev" "$2" >>"$LOG" 2>&1 || fail "cannot mount $dev on $2"
  uuid=$(blkid -s UUID -o value "$dev")
  grep -q "UUID=$uuid " "$fstab" || echo "UUID=$uuid $2 auto defaults,nofail,x-systemd.before=docker.service 0 2" >>"$fstab"
  install -d -m 0755 "$2/data"
  log "volume $1 is mounted on $2"
}`;

export const mountLine = (volumeId: string, dir: string) => `mount_volume ${sq(volumeId)} ${sq(dir)}`;
