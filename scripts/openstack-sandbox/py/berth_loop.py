"""The sandbox's Cinder volume driver: each volume is a sparse file, handed to Nova as a loop
device on the same host (connection type `local`, which Nova's libvirt driver attaches as a
plain block device, LibvirtVolumeDriver).

Why not a stock backend: this machine kind has loop devices but no device-mapper (no LVM), no
configfs (no LIO iSCSI target) and no NFS. The volume service and nova-compute share the host,
so a block device path is all an attachment needs.

- create: `<berth_volumes_dir>/volume-<id>`, a sparse file of the volume's size.
- attach (initialize_connection): `losetup` on that file (the one already set up is reused) and
  a link `<berth_volumes_dir>/dev/volume-<id>` to the loop device; connection_info
  {'driver_volume_type': 'local', 'data': {'device_path': <that link>}}. Nova keeps the
  connection_info for as long as the volume is attached and uses it again when it makes the
  domain anew (hard reboot, start): a link of the volume's own, not /dev/loopN, whose number
  another file may hold by then.
- cinder-volume start (ensure_export, for each volume in use): loop device and link set up
  again, e.g. after the sandbox's `down` detached every loop device.
- detach (terminate_connection): the file's loop devices are detached, the link removed; the
  bytes stay in the file.
- delete: loop devices detached, link and file removed.
Loaded as volume_driver = berth_loop.BerthLoopDriver, with this directory on sys.path (see
py/cinder_volume.py). Sandbox only: never in berth's product code."""
import os
import subprocess

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import units

from cinder import exception
from cinder.volume import driver

LOG = logging.getLogger(__name__)
opts = [cfg.StrOpt('berth_volumes_dir', default='/var/lib/cinder/berth-volumes',
                   help='Where the volumes\' files live')]


def _run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


class BerthLoopDriver(driver.VolumeDriver):
    VERSION = '1.0.0'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(opts)
        self.backend_name = self.configuration.safe_get('volume_backend_name') or 'local'

    def _dir(self):
        return self.configuration.berth_volumes_dir

    def _path(self, volume):
        return os.path.join(self._dir(), 'volume-%s' % volume.id)

    def _link(self, volume):
        return os.path.join(self._dir(), 'dev', 'volume-%s' % volume.id)

    def _loops(self, path):
        """The loop devices set up on `path` (losetup -j matches the backing file)."""
        out = _run('losetup', '-n', '-O', 'NAME', '-j', path)
        return [line.strip() for line in out.splitlines() if line.strip()]

    def _detach_loops(self, path):
        for dev in self._loops(path):
            LOG.info('detaching %s from %s', dev, path)
            subprocess.run(['losetup', '-d', dev], check=False)

    def _connect(self, volume):
        """The volume's loop device (made when there is none) behind the volume's link."""
        path = self._path(volume)
        if not os.path.exists(path):
            raise exception.VolumeBackendAPIException(data='volume file %s is missing' % path)
        loops = self._loops(path)
        dev = loops[0] if loops else _run('losetup', '--find', '--show', path)
        link = self._link(volume)
        tmp = link + '.new'
        if os.path.lexists(tmp):
            os.remove(tmp)
        # relative: libvirt starting a domain resolves disk paths under the old root (/.oldroot)
        os.symlink(os.path.relpath(dev, os.path.dirname(link)), tmp)
        os.replace(tmp, link)   # atomic: the link never points nowhere
        LOG.info('volume %s on %s (%s)', volume.id, dev, link)
        return link

    def _disconnect(self, volume):
        self._detach_loops(self._path(volume))
        if os.path.lexists(self._link(volume)):
            os.remove(self._link(volume))

    def do_setup(self, context):
        os.makedirs(os.path.join(self._dir(), 'dev'), mode=0o700, exist_ok=True)

    def check_for_setup_error(self):
        if not os.path.exists('/dev/loop-control'):
            raise exception.VolumeBackendAPIException(data='no /dev/loop-control: loop devices needed')

    def create_volume(self, volume):
        path = self._path(volume)
        with open(path, 'xb') as f:       # a create never takes over an existing file
            f.truncate(volume.size * units.Gi)
        os.chmod(path, 0o600)
        return {'provider_location': path}

    def delete_volume(self, volume):
        self._disconnect(volume)
        if os.path.exists(self._path(volume)):
            os.remove(self._path(volume))

    def extend_volume(self, volume, new_size):
        os.truncate(self._path(volume), new_size * units.Gi)
        for dev in self._loops(self._path(volume)):
            _run('losetup', '-c', dev)

    def ensure_export(self, context, volume):
        if volume.status == 'in-use' and os.path.exists(self._path(volume)):
            self._connect(volume)

    def create_export(self, context, volume, connector):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self._connect(volume), 'volume_id': volume.id}}

    def terminate_connection(self, volume, connector, **kwargs):
        # Volumes are not multi-attach here: the last attachment going away frees the device.
        self._disconnect(volume)

    def _update_volume_stats(self):
        st = os.statvfs(self._dir())
        total = st.f_blocks * st.f_frsize / units.Gi
        free = st.f_bavail * st.f_frsize / units.Gi
        self._stats = {
            'volume_backend_name': self.backend_name, 'vendor_name': 'berth sandbox',
            'driver_version': self.VERSION, 'storage_protocol': 'local',
            'pools': [{'pool_name': self.backend_name, 'total_capacity_gb': round(total, 1),
                       'free_capacity_gb': round(free, 1), 'reserved_percentage': 0,
                       'thin_provisioning_support': True, 'thick_provisioning_support': False,
                       'max_over_subscription_ratio': 20.0, 'QoS_support': False,
                       'multiattach': False}],
        }
