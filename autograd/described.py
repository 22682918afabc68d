"""What a node is called and where it was made: its label, drawing scope, role and, in
anomaly mode, the line of user code that made it.

They are kept in a ``mode.Meta`` record that all the nodes made in one scope call share
(None for most nodes, which so pay nothing for them). ``Described``, which ``graph.Node``
derives from, holds the record in its one slot and gives a node the readers and setters;
a setter gives the node a record of its own, never writing to a shared one.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); x.role = "param"
>>> x.label, x.role, x.scope, metas([x])[0].role
('x', 'param', (), 'param')
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from .mode import Meta

# What a node without a record of its own (``_meta`` None, most nodes) reads as one.
NO_META = Meta()


class Described:
    """A node's label, scope, role and site, read from its shared ``Meta`` record."""

    __slots__ = ("_meta",)
    _meta: Meta | None

    @property
    def label(self) -> str:
        return (self._meta or NO_META).label

    @label.setter
    def label(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(label=str(text))

    @property
    def scope(self) -> tuple[str, ...]:
        """The drawing scopes this node was made in, outermost first."""
        return (self._meta or NO_META).scope

    @property
    def role(self) -> str:
        """'param' for model parameters (set by nn), else ''."""
        return (self._meta or NO_META).role

    @role.setter
    def role(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(role=str(text))

    @property
    def site(self) -> str:
        """The line of user code that made this node, if made under ``detect_anomaly``."""
        return (self._meta or NO_META).site

    @site.setter
    def site(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(site=str(text))


_meta_of = attrgetter("_meta")


def metas(nodes: Sequence[Described]) -> tuple[Meta | None, ...]:
    """Each node's record (None for none), read from the slot in C: most nodes share a
    few, so a view that groups nodes by them (the graph table's label, scope and role
    columns, a pickle) reads each record once."""
    return tuple(map(_meta_of, nodes))


__all__ = ["Described", "NO_META", "metas"]
