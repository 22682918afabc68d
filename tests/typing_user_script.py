"""A user's script that uses every operator and method of ``Value``, for the type checkers.

tests/test_typing.py runs mypy and pyright on this file and expects no error: each
``assert_type`` says what a checker must infer (``Any`` would not pass), so a method the
checkers cannot see, or see with the wrong types, fails the test. It also runs as a plain
script (``python tests/typing_user_script.py``), so every line here is real, working code.
"""

from __future__ import annotations

from typing import assert_type

import autograd
from autograd import Value, no_grad
from autograd.graph import Node
from autograd.ops import Op
from nn import MLP

x = Value(2.0, label="x")
w = Value(-3.0, label="w")
i = 3  # an int and a float on either side of every binary operator
f = 0.5

# Binary operators: Value with Value, Value with a number, a number with Value.
assert_type(x + w, Value)
assert_type(x + i, Value)
assert_type(x + f, Value)
assert_type(i + x, Value)
assert_type(f + x, Value)
assert_type(x - w, Value)
assert_type(x - i, Value)
assert_type(f - x, Value)
assert_type(i - x, Value)
assert_type(x * w, Value)
assert_type(x * f, Value)
assert_type(i * x, Value)
assert_type(f * x, Value)
assert_type(x / w, Value)
assert_type(x / i, Value)
assert_type(i / x, Value)
assert_type(f / x, Value)
assert_type(x**w, Value)
assert_type(x**i, Value)
assert_type(x**f, Value)
assert_type(i**x, Value)
assert_type(f**x, Value)

# Unary operators and every elementwise method.
assert_type(-x, Value)
assert_type(+x, Value)
assert_type(abs(x), Value)
assert_type(x.exp(), Value)
assert_type(x.log(), Value)
assert_type(x.sqrt(), Value)
assert_type(x.tanh(), Value)
assert_type(x.sigmoid(), Value)
assert_type(x.relu(), Value)
assert_type(x.sin(), Value)
assert_type(x.cos(), Value)
assert_type(x.leaky_relu(), Value)
assert_type(x.leaky_relu(0.2), Value)
slope = Value(0.1, label="slope")  # a Value slope is learned (PReLU)
assert_type(x.leaky_relu(slope), Value)

# The plain functions, the n-ary ops, and any table entry by ``apply``.
assert_type(autograd.tanh(x), Value)
assert_type(autograd.exp(1.0), Value)
assert_type(autograd.leaky_relu(x, slope), Value)
assert_type(autograd.sum([x, w, 1.0]), Value)
assert_type(autograd.dot([x, w], [1.0, 2.0]), Value)
assert_type(autograd.apply(autograd.ops.MUL, x, 2), Value)

# A whole expression, then gradients.
y = (x * w + 1).tanh() + x.leaky_relu(slope) * 2 - autograd.sum([x, w]) / 3
assert_type(y, Value)
assert_type(y.backward(), None)
g: float = x.grad
assert_type(x.grad, float)
assert_type(x.data, float)
x.data -= 0.01 * x.grad  # an SGD step
x.grad = 0.0
y.zero_grad()
grads = y.backward(create_graph=True)
assert_type(grads, dict[Node, Value])
assert_type(grads[x], Value)
assert_type(grads[x].backward(), None)

# Reading a node.
assert_type(x.detach(), Value)
assert_type(y.tree(), str)
assert_type(y.op, str)
assert_type(y.label, str)
y.label = "y"
assert_type(y.parents, tuple[Value, ...])
assert_type(y.local_grads, tuple[float, ...])
assert_type(y.is_leaf, bool)
assert_type(y.scope, tuple[str, ...])
assert_type(y.rule, Op)
assert_type(f"{y:.3f}", str)
assert_type(repr(y), str)

with no_grad():  # where nothing records, a Value may also turn into a plain number
    assert_type(x * 2, Value)
    assert_type(float(y), float)

# A network: its output is a Value, and its parameters are Values.
model = MLP(2, [4, 1])
out = model([x, 1.0])
assert_type(out, Value | list[Value])  # one output neuron gives a Value, more a list
score = out if isinstance(out, Value) else out[0]
loss = (1 - score).relu() + sum((p * p for p in model.parameters()), Value(0.0))
loss.backward()
for p in model.parameters():
    p.data -= 0.1 * p.grad
