"""``python -m sim`` is the same as the ``sosim`` command."""

from sim.cli import entry

entry()
