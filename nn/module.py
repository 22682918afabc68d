"""``Module``: what every model shares: its parameters by name, zeroing their gradients, a repr.

A module's parameters are the ``Value`` objects it holds in its public attributes: directly,
in lists or tuples, or inside sub-modules. So a model is written like micrograd's, with no
registration step:

>>> from autograd import Value
>>> class Scale(Module):
...     def __init__(self):
...         self.k = Value(2.0, label="k")
...     def __call__(self, x):
...         return self.k * x
>>> m = Scale()
>>> m.named_parameters()
[('k', Value(data=2.0, grad=0.0, label='k'))]
>>> m
Scale()  1 parameter

Attributes whose name starts with ``_`` are private and never searched: keep caches and
constants there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from autograd import Value

from . import io


class Module:
    """Base class of every model: parameters, named parameters, zero_grad, save and load."""

    # Whether the repr lists child modules (Layer sets False: 16 neurons are noise there).
    _repr_children = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        io.register(cls)  # so a file naming it can be loaded (the format lives in nn.io)

    # -- parameters --------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted path, in attribute order; a shared one once.

        >>> from nn import MLP
        >>> [name for name, p in MLP(2, [1], seed=0).named_parameters()]
        ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b']
        """
        return self._parameters(named=True)

    def _parameters(self, named: bool) -> list:
        listing = self.__dict__.get(_LISTING)
        if listing is None or not listing.holds(self):
            listing = _Listing(self)
            self.__dict__[_LISTING] = listing  # private: never walked, dropped with self
        return list(listing.named if named else listing.plain)

    def parameters(self) -> list[Value]:
        """The parameters as a list, as micrograd's ``model.parameters()``.

        >>> from nn import MLP
        >>> len(MLP(2, [16, 16, 1], seed=0).parameters())
        337
        """
        return self._parameters(named=False)

    def num_parameters(self) -> int:
        """How many parameters (scalars) the model has."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every parameter (``backward`` adds to it).

        >>> from nn import Neuron
        >>> n = Neuron(2, seed=0); n([1.0, 1.0]).backward(); n.zero_grad()
        >>> [p.grad for p in n.parameters()]
        [0.0, 0.0, 0.0]
        """
        for p in self.parameters():
            p.grad = 0.0

    def _walk(self, named: bool = True) -> Iterator[tuple[str, object]]:
        """(dotted path, object) for everything below ``self``, depth first, in order.

        An explicit stack, not recursion: one loop, whatever the nesting. A module or list
        met a second time (shared, or a child pointing back at its parent) is listed under
        its first path only, so the walk always ends. With ``named=False`` every path is
        '' (``parameters()`` needs only the objects: building the dotted names was a third
        of the walk, and micrograd's training loop calls it two or three times a step).
        """
        stack: list[tuple[str | None, object]] = [(None, self)]  # None: self, not yielded
        expanded: set[int] = set()
        while stack:
            path, obj = stack.pop()
            if obj.__class__ is not Value and not isinstance(obj, Value):
                if id(obj) in expanded:
                    continue
                expanded.add(id(obj))
            if path is not None:
                yield path, obj
            if isinstance(obj, Module):
                items = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
            elif isinstance(obj, (list, tuple)):
                items = list(enumerate(obj))
            else:
                continue
            prefix = path + "." if path else ""
            # Reversed onto the stack so they come off in attribute order.
            for key, value in reversed(items):
                if isinstance(value, (Value, Module, list, tuple)):
                    stack.append((f"{prefix}{key}" if named else "", value))

    def named_children(self) -> list[tuple[str, Module]]:
        """The modules directly inside this one (not their sub-modules), with their paths."""
        children = []
        for name, obj in self._walk():
            # A direct child: a Module whose path has no Module above it but self.
            if isinstance(obj, Module) and not any(
                    name.startswith(c + ".") for c, _ in children):
                children.append((name, obj))
        return children

    # -- state: the numbers, by name ---------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` for every parameter (plain floats, a copy).

        >>> from nn import Neuron
        >>> {k: round(v, 4) for k, v in Neuron(2, seed=1).state_dict().items()}
        {'w.0': -0.7313, 'w.1': 0.6949, 'b': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float], where: str = "load_state_dict") -> None:
        """Set every parameter from ``{name: value}``; all or nothing.

        Every check (same names, finite numbers) runs before the first parameter changes,
        so on error the model is untouched. ``where`` starts the error message.

        >>> from nn import Neuron
        >>> n = Neuron(1, seed=0); n.load_state_dict({"w.0": 0.5, "b": -1.0}); n.w[0].data
        0.5
        """
        params = self.named_parameters()
        problem = io.state_problem(state, [name for name, _ in params])
        if problem:
            raise ValueError(f"{where}: {problem}")
        for name, p in params:
            p.data = float(state[name])

    # -- construction arguments, save and load -----------------------------------------

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON types) that rebuild this architecture.

        ``save`` stores them; ``nn.load`` calls ``type(model)(**config)``. Subclasses that
        want to be saved define it.
        """
        raise NotImplementedError(
            f"{type(self).__name__} cannot be saved: define config() returning its "
            "constructor arguments as JSON types (see nn.MLP.config)")

    @classmethod
    def count_parameters(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters ``cls(**config)`` would have, or None if unknown.

        ``nn.load`` checks it before building, so a file asking for a huge model is
        refused instead of filling memory.
        """
        return None

    def save(self, path: str | os.PathLike) -> None:
        """Write architecture and parameters to a JSON file, atomically (see ``nn.save``)."""
        io.save(self, path)

    def load_state(self, path: str | os.PathLike) -> None:
        """Load parameters saved from the same architecture; on any error nothing changes."""
        io.load_state(self, path)

    # -- repr --------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside ``Name(...)`` in the repr; subclasses describe their shape."""
        return ""

    def short_repr(self) -> str:
        """One line naming the module, as error messages do: ``Layer(2 -> 16, relu)``."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def _repr_lines(self, above: frozenset = frozenset()) -> list[str]:
        """The repr's lines; ``above`` holds the ids of the modules being printed around it."""
        children = self.named_children() if self._repr_children else []
        if not children:
            return [self.short_repr()]
        # PyTorch's layout: "MLP(", the extra description if any, one line per child, ")".
        lines = [f"{type(self).__name__}("]
        extra = self.extra_repr()
        if extra:
            lines.append("  " + extra)
        above = above | {id(self)}
        for name, child in children:
            if id(child) in above:  # a reference back up the tree: name it, don't expand it
                lines.append(f"  ({name}): <{type(child).__name__}, shown above>")
                continue
            sub = child._repr_lines(above)  # as deep as the model's nesting, a handful
            lines.append(f"  ({name}): {sub[0]}")
            lines.extend("  " + line for line in sub[1:])
        lines.append(")")
        return lines

    def __repr__(self) -> str:
        """The architecture as PyTorch prints it, then the parameter count.

        >>> from nn import MLP
        >>> print(MLP(2, [16, 16, 1], seed=0))
        MLP(
          (layers.0): Layer(2 -> 16, relu)
          (layers.1): Layer(16 -> 16, relu)
          (layers.2): Layer(16 -> 1, linear)
        )  337 parameters
        """
        lines = self._repr_lines()
        n = self.num_parameters()
        lines[-1] += f"  {n} parameter{'' if n == 1 else 's'}"
        return "\n".join(lines)



# Where a module keeps its last listing (a private attribute: walks skip it).
_LISTING = "_parameter_listing"


class _Listing:
    """A module's parameters as one walk found them, with copies of the attributes of
    every module and the items of every list the walk went through, so a later call can
    tell whether they still hold.

    A training loop asks for ``parameters()`` two or three times a step (``zero_grad``,
    the L2 term, the update) and the model does not change in between: comparing what the
    walk read (C-level list and dict comparisons) costs a small part of walking again.
    Any change a walk would see (an attribute set or deleted, a list appended to or an
    item replaced) makes the comparison fail, and the next call walks again. The listing
    holds what is below its module, never the module itself, so it makes no cycle.
    """

    __slots__ = ("named", "plain", "own", "modules", "attributes", "sequences", "items")

    def __init__(self, module: Module) -> None:
        self.named: list[tuple[str, Value]] = []
        self.modules: list[Module] = []
        self.sequences: list[list | tuple] = []
        seen: set[int] = set()
        for name, obj in module._walk(named=True):
            if isinstance(obj, Value):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    self.named.append((name, obj))
            elif isinstance(obj, Module):
                self.modules.append(obj)
            else:  # a list or tuple the walk went into
                self.sequences.append(obj)
        self.plain = [p for _, p in self.named]
        self.own = _own_attributes(module)
        self.attributes = [dict(vars(m)) for m in self.modules]
        self.items = [tuple(s) for s in self.sequences]

    def holds(self, module: Module) -> bool:
        try:
            return (_own_attributes(module) == self.own
                    and list(map(tuple, self.sequences)) == self.items
                    and list(map(vars, self.modules)) == self.attributes)
        except Exception:  # an attribute whose == does not give a bool (a numpy array)
            return False


def _own_attributes(module: Module) -> dict:
    attributes = dict(vars(module))
    attributes.pop(_LISTING, None)
    return attributes
