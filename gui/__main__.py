"""`python -m gui ...`: LayerLab's command line (see gui/cli/)."""

import sys

from gui.cli import main

sys.exit(main())
