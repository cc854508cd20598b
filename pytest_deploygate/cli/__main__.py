"""``python -m pytest_deploygate.cli``: the deploygate command."""

import sys

from pytest_deploygate.cli import main

sys.exit(main())
