"""Run the feeds command as `python -m feeds.cli`."""

import sys

from . import main

sys.exit(main())
