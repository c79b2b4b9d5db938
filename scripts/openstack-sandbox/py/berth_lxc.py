"""The sandbox's compute driver: Nova's libvirt driver (virt_type = lxc) that also gives each
LXC domain the mknod capability, and takes Cinder volumes (block devices on this host) into
running LXC domains.

Stock Zed's _set_features adds <features> only for qemu/kvm, so an LXC domain has none and
libvirt drops CAP_MKNOD from the container: `docker run` inside an instance then fails with
"unable to apply caps: operation not permitted". With
<features><capabilities policy='default'><mknod state='on'/></capabilities></features> the
board's containers run unchanged, with no sandbox-only flags in berth's user-data.

Loaded as compute_driver = berth_lxc.BerthLxcDriver: Nova imports "nova.virt." + that name, and
the sandbox starts nova-compute with this directory appended to nova.virt.__path__ (see up.sh),
so nothing under /usr is touched. Sandbox only: never in berth's product code."""
import glob
import os
import subprocess

from lxml import etree
from oslo_config import cfg
from oslo_log import log as logging

from nova.virt.disk import api as disk_api
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import utils as libvirt_utils

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
# A volume's link in the guest, as udev makes it for a virtio-blk disk on KVM (serial = the
# volume id, cut to 20 characters): user-data finds its volume the same way on a real cloud.
BY_ID = '/dev/disk/by-id/virtio-%s'


class LxcMknodCapability(vconfig.LibvirtConfigGuestFeature):
    """<capabilities policy='default'><mknod state='on'/></capabilities>"""

    def __init__(self, **kwargs):
        super().__init__("capabilities", **kwargs)

    def format_dom(self):
        root = super().format_dom()
        root.set("policy", "default")
        etree.SubElement(root, "mknod", state="on")
        return root


class BerthLxcDriver(libvirt_driver.LibvirtDriver):
    def _set_features(self, guest, os_type, image_meta, flavor):
        super()._set_features(guest, os_type, image_meta, flavor)
        if CONF.libvirt.virt_type == 'lxc':
            guest.features.append(LxcMknodCapability())

    # ---- volumes on LXC. libvirt's LXC driver hot-plugs a block disk into a running container:
    # it mknods /dev/<target dev> inside and allows the device in the domain's devices cgroup.
    # Stock Zed gets three things wrong for LXC, fixed here.

    def _get_volume_config(self, instance, connection_info, disk_info):
        """Nova's disk bus for LXC is "lxc", which libvirt's XML does not know; the name Nova
        gives the disk ([libvirt] disk_prefix = vd: vdb, vdc, ...) is the node in the guest."""
        conf = super()._get_volume_config(instance, connection_info, disk_info)
        if CONF.libvirt.virt_type == 'lxc':
            conf.target_bus = 'virtio'
        return conf

    def _detach_from_live_and_wait_for_event(self, dev, guest, instance_uuid, device_name):
        """libvirt-LXC detaches synchronously and sends no device-removed event: waiting for
        one would cost device_detach_timeout (20 s) on every detach."""
        if CONF.libvirt.virt_type != 'lxc':
            return super()._detach_from_live_and_wait_for_event(dev, guest, instance_uuid, device_name)
        self._detach_sync(dev, guest, instance_uuid, device_name, persistent=False, live=True)

    def attach_volume(self, context, connection_info, instance, mountpoint,
                      disk_bus=None, device_type=None, encryption=None):
        super().attach_volume(context, connection_info, instance, mountpoint,
                              disk_bus=disk_bus, device_type=device_type, encryption=encryption)
        if CONF.libvirt.virt_type == 'lxc':
            self._lxc_volume_in_guest(instance, connection_info, mountpoint, attach=True)

    def detach_volume(self, context, connection_info, instance, mountpoint, encryption=None):
        if CONF.libvirt.virt_type == 'lxc':
            self._lxc_volume_in_guest(instance, connection_info, mountpoint, attach=False)
        super().detach_volume(context, connection_info, instance, mountpoint, encryption=encryption)

    def spawn(self, context, instance, image_meta, injected_files, admin_password, allocations,
              network_info=None, block_device_info=None, *args, **kwargs):
        super().spawn(context, instance, image_meta, injected_files, admin_password, allocations,
                      network_info, block_device_info, *args, **kwargs)
        self._lxc_link_volumes(instance, block_device_info)

    def _hard_reboot(self, context, instance, network_info, block_device_info=None, *args, **kwargs):
        r = super()._hard_reboot(context, instance, network_info, block_device_info, *args, **kwargs)
        self._lxc_link_volumes(instance, block_device_info)
        return r

    def _teardown_container(self, instance):
        """Nova tears a container down at each _destroy: at a stop, and again at the delete that
        follows, both times releasing the loop device recorded when it started. By the second, that
        device may be someone else's (a Cinder volume's, another guest's root): only a loop device
        still backed by this instance's own disk is released."""
        if CONF.libvirt.virt_type != 'lxc':
            return super()._teardown_container(instance)
        inst_path = libvirt_utils.get_instance_path(instance)
        dev = instance.system_metadata.get('rootfs_device_name')
        own = os.path.realpath(os.path.join(inst_path, 'disk'))
        if dev and 'loop' in dev and os.path.realpath(self._loop_backing(dev) or '/nonexistent') != own:
            LOG.info('%s is no longer the root of %s: left alone', dev, instance.name)
            dev = None
        disk_api.teardown_container(os.path.join(inst_path, 'rootfs'), dev)

    @staticmethod
    def _loop_backing(dev):
        """The file behind a loop device ('' when it has none)."""
        try:
            with open('/sys/block/%s/loop/backing_file' % os.path.basename(dev)) as f:
                return f.read().strip()
        except OSError:
            return ''

    def _lxc_link_volumes(self, instance, block_device_info):
        """A domain started with volumes (boot with volumes, hard reboot, start after stop) has
        their /dev nodes from libvirt, not their by-id links: make those too."""
        if CONF.libvirt.virt_type != 'lxc':
            return
        for bdm in (block_device_info or {}).get('block_device_mapping', []):
            self._lxc_volume_in_guest(instance, bdm['connection_info'], bdm['mount_device'], attach=True)

    def _lxc_volume_in_guest(self, instance, connection_info, mountpoint, attach):
        """Inside the guest (its mount namespace): the by-id link to /dev/<dev> on attach, gone
        on detach; on attach also the device allowed in every cgroup below the domain's own
        (libvirt allows it in the domain's cgroup only, and cgroup v1 copies a parent's device
        list to a child when the child is made, so the guest's systemd units, made at boot,
        could not open it)."""
        dev = mountpoint.rpartition('/')[2]
        serial = (connection_info.get('serial') or connection_info.get('data', {}).get('volume_id') or '')[:20]
        try:
            pid = self._lxc_init_pid(instance)
            if pid is None:
                LOG.warning('no init pid for %s: no by-id link for %s', instance.name, dev)
                return
            if attach:
                rdev = os.stat(connection_info['data']['device_path']).st_rdev
                rule = 'b %d:%d rwm' % (os.major(rdev), os.minor(rdev))
                for f in glob.glob('/sys/fs/cgroup/devices/machine/*%s.libvirt-lxc/**/devices.allow'
                                   % instance.name, recursive=True):
                    with open(f, 'w') as fh:
                        fh.write(rule)
                script = 'mkdir -p /dev/disk/by-id && ln -sfn ../../%s %s' % (dev, BY_ID % serial)
            else:
                script = 'rm -f %s' % (BY_ID % serial)
            subprocess.run(['nsenter', '-t', str(pid), '-m', '--', 'sh', '-c', script],
                           check=True, capture_output=True, timeout=30)
        except Exception:
            LOG.exception('could not set up %s in the guest %s', dev, instance.name)

    @staticmethod
    def _lxc_init_pid(instance):
        """The guest's PID 1, from libvirt's status file of the domain (<init pid='N'/>)."""
        try:
            root = etree.parse('/run/libvirt/lxc/%s.xml' % instance.name).getroot()
        except (OSError, etree.XMLSyntaxError):
            return None
        init = root.find('.//init')
        return int(init.get('pid')) if init is not None else None
