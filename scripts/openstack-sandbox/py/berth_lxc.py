"""The sandbox's compute driver: Nova's libvirt driver (virt_type = lxc) that also gives each
LXC domain the mknod capability.

Stock Zed's _set_features adds <features> only for qemu/kvm, so an LXC domain has none and
libvirt drops CAP_MKNOD from the container: `docker run` inside an instance then fails with
"unable to apply caps: operation not permitted". With
<features><capabilities policy='default'><mknod state='on'/></capabilities></features> the
board's containers run unchanged, with no sandbox-only flags in berth's user-data.

Loaded as compute_driver = berth_lxc.BerthLxcDriver: Nova imports "nova.virt." + that name, and
the sandbox starts nova-compute with this directory appended to nova.virt.__path__ (see up.sh),
so nothing under /usr is touched. Sandbox only: never in berth's product code."""
from lxml import etree
from oslo_config import cfg

from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver

CONF = cfg.CONF


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
