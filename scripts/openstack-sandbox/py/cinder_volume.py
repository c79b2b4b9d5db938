"""cinder-volume with the sandbox's volume driver (py/berth_loop.py) importable, so
volume_driver = berth_loop.BerthLoopDriver loads without installing anything under /usr.
Usage: as cinder-volume, same arguments."""
import os
import sys

from cinder.cmd.volume import main  # first: it monkey-patches eventlet before anything else

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

if __name__ == '__main__':
    sys.argv[0] = 'cinder-volume'
    sys.exit(main())
