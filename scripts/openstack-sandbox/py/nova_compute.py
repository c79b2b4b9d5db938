"""nova-compute with the sandbox's compute driver on nova.virt's package path (py/berth_lxc.py),
so compute_driver = berth_lxc.BerthLxcDriver loads without installing anything under /usr.
Usage: as nova-compute, same arguments."""
import os
import sys

from nova.cmd.compute import main  # first: nova.cmd monkey-patches eventlet before anything else
import nova.virt

nova.virt.__path__.append(os.path.dirname(os.path.abspath(__file__)))

if __name__ == '__main__':
    sys.argv[0] = 'nova-compute'
    sys.exit(main())
