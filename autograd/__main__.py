"""``python -m autograd``: the ``chainrule`` command line (see ``autograd.cli``)."""

from .cli import main

raise SystemExit(main())
