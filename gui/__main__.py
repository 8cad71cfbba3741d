"""`python -m gui ...`: LayerLab's command line (see gui/cli.py)."""

import sys

from gui.cli import main

sys.exit(main())
