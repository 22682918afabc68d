"""The ``chainrule`` command line: expressions parsed with ``ast`` and a whitelist
(``expr``), and the commands that draw, explain and print them (``commands``)."""

from .commands import main

__all__ = ["main"]
