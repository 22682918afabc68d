"""Typical wrong answers to every exercise of the set, with the node each must be named by.

Each entry: exercise name -> list of (what the mistake is, the solution file's text, the node
the checker must name). Used by tests/test_exercises.py; the docs' screenshots use two of them.
"""

WRONG: dict[str, list[tuple[str, str, str]]] = {
    "tanh-local": [
        ("the square forgotten", "def tanh_local(x, out):\n    return 1 - out\n", "n"),
        ("a sign error", "def tanh_local(x, out):\n    return 1 + out * out\n", "n"),
        ("x in place of the output", "def tanh_local(x, out):\n    return 1 - x * x\n", "n"),
    ],
    "sigmoid-local": [
        ("a sign error", "def sigmoid_local(x, out):\n    return out * (1 + out)\n", "n"),
        ("tanh's rule", "def sigmoid_local(x, out):\n    return 1 - out * out\n", "n"),
    ],
    "neuron-by-hand": [
        ("tanh's square forgotten",
         "o = 0.7071067811865476\nd = 1 - o\nGRADS = {'o': 1.0, 'n': d, 'x1*w1 + x2*w2': d, 'b': d, 'x1*w1': d, "
         "'x2*w2': d, 'x1': -3 * d, 'w1': 2 * d, 'x2': d, 'w2': 0.0}\n", "n"),
        ("a product's inputs swapped",
         "d = 0.5\nGRADS = {'o': 1.0, 'n': d, 'x1*w1 + x2*w2': d, 'b': d, 'x1*w1': d, "
         "'x2*w2': d, 'x1': 2 * d, 'w1': -3 * d, 'x2': d, 'w2': 0.0}\n", "x1"),
    ],
    "accumulate": [
        ("= in place of +=",
         "def backward(order):\n    order[-1].grad = 1.0\n    for node in reversed(order):\n"
         "        for parent, local in zip(node.parents, node.local_grads):\n"
         "            parent.grad = local * node.grad\n", "a"),
        ("the output's gradient not seeded",
         "def backward(order):\n    for node in reversed(order):\n"
         "        for parent, local in zip(node.parents, node.local_grads):\n"
         "            parent.grad += local * node.grad\n", "b"),
        ("walked inputs first",
         "def backward(order):\n    order[-1].grad = 1.0\n    for node in order:\n"
         "        for parent, local in zip(node.parents, node.local_grads):\n"
         "            parent.grad += local * node.grad\n", "x"),
    ],
    "pow-local": [
        ("ln a forgotten", "def pow_local(a, b, out):\n    return b * a ** (b - 1), out\n", "b"),
        ("the exponent not lowered", "import math\ndef pow_local(a, b, out):\n    return b * a ** b, out * math.log(a)\n",
         "a"),
    ],
    "zero-to-hero-f": [
        ("sin(3b)'s chain factor forgotten",
         "import math\ndef gradf(a, b, c):\n    return [-3 * a**2 - 0.5 * a**-0.5, math.cos(3 * b) + 2.5 * b**1.5, c**-2]\n",
         "b"),
        ("a sign error in -1/c",
         "import math\ndef gradf(a, b, c):\n    return [-3 * a**2 - 0.5 * a**-0.5, 3 * math.cos(3 * b) + 2.5 * b**1.5, -c**-2]\n",
         "c"),
    ],
    "topological-sort": [
        ("micrograd's recursive build_topo",
         "def topological_order(root):\n    topo, visited = [], set()\n    def build(v):\n        if v not in visited:\n"
         "            visited.add(v)\n            for p in v.parents:\n                build(p)\n            topo.append(v)\n"
         "    build(root)\n    return topo\n", "y"),
        ("no visited set: shared nodes twice",
         "def topological_order(root):\n    order, stack = [], [(root, False)]\n    while stack:\n"
         "        node, expanded = stack.pop()\n        if expanded:\n            order.append(node)\n        else:\n"
         "            stack.append((node, True))\n            stack.extend((p, False) for p in node.parents)\n"
         "    return order\n", "x"),
        ("reversed breadth-first order",
         "def topological_order(root):\n    order, seen, queue = [], {root}, [root]\n    while queue:\n"
         "        node = queue.pop(0)\n        order.append(node)\n        for p in node.parents:\n"
         "            if p not in seen:\n                seen.add(p)\n                queue.append(p)\n    return order[::-1]\n",
         "x"),
    ],
    "custom-op": [
        ("the denominator forgotten",
         "import math\nfrom autograd import apply, defop\n"
         "SOFTPLUS = defop('softplus', 'softplus', lambda x: math.log1p(math.exp(x)), lambda out, x: (math.exp(x),))\n"
         "def softplus(v):\n    return apply(SOFTPLUS, v)\n", "n"),
        ("a sign error in the exponent",
         "import math\nfrom autograd import apply, defop\n"
         "SOFTPLUS = defop('softplus', 'softplus', lambda x: math.log1p(math.exp(x)), "
         "lambda out, x: (1 / (1 + math.exp(x)),))\ndef softplus(v):\n    return apply(SOFTPLUS, v)\n", "n"),
    ],
    "mazur-step": [
        ("the ½ of the squared error forgotten",
         "def total_error(w, b):\n    i1, i2 = 0.05, 0.10\n"
         "    h1 = (w['w1'] * i1 + w['w2'] * i2 + b['b1']).sigmoid()\n"
         "    h2 = (w['w3'] * i1 + w['w4'] * i2 + b['b1']).sigmoid()\n"
         "    o1 = (w['w5'] * h1 + w['w6'] * h2 + b['b2']).sigmoid()\n"
         "    o2 = (w['w7'] * h1 + w['w8'] * h2 + b['b2']).sigmoid()\n"
         "    return (0.01 - o1) ** 2 + (0.99 - o2) ** 2\n"
         "def step(weight, lr):\n    return weight.data - lr * weight.grad\n", "E_total"),
        ("a step up the gradient",
         "def total_error(w, b):\n    i1, i2 = 0.05, 0.10\n"
         "    h1 = (w['w1'] * i1 + w['w2'] * i2 + b['b1']).sigmoid()\n"
         "    h2 = (w['w3'] * i1 + w['w4'] * i2 + b['b1']).sigmoid()\n"
         "    o1 = (w['w5'] * h1 + w['w6'] * h2 + b['b2']).sigmoid()\n"
         "    o2 = (w['w7'] * h1 + w['w8'] * h2 + b['b2']).sigmoid()\n"
         "    return 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2\n"
         "def step(weight, lr):\n    return weight.data + lr * weight.grad\n", "w5 after one step"),
    ],
    "softmax-nll": [
        ("the minus sign forgotten",
         "def nll(logits, label):\n    counts = [l.exp() for l in logits]\n    total = sum(counts)\n"
         "    return (counts[label] / total).log()\n", "loss"),
        ("not normalised",
         "def nll(logits, label):\n    return -logits[label].exp().log()\n", "loss"),
    ],
    "bptt": [
        ("tanh's factor forgotten",
         "import math\ndef bptt(w, u, xs, target):\n    hs = [0.0]\n    for x in xs:\n"
         "        hs.append(math.tanh(w * hs[-1] + u * x))\n    grads = {'w': 0.0, 'u': 0.0}\n"
         "    dh = 2 * (hs[-1] - target)\n    for t in range(len(xs), 0, -1):\n        grads[f'h{t}'] = dh\n"
         "        grads['w'] += dh * hs[t - 1]\n        grads['u'] += dh * xs[t - 1]\n        dh = dh * w\n"
         "    return grads\n", "h2"),
        ("only the last step counted",
         "import math\ndef bptt(w, u, xs, target):\n    hs = [0.0]\n    for x in xs:\n"
         "        hs.append(math.tanh(w * hs[-1] + u * x))\n    grads = {}\n"
         "    dh = 2 * (hs[-1] - target)\n    for t in range(len(xs), 0, -1):\n        grads[f'h{t}'] = dh\n"
         "        dz = dh * (1 - hs[t] ** 2)\n        grads['w'] = dz * hs[t - 1]\n        grads['u'] = dz * xs[t - 1]\n"
         "        dh = dz * w\n    return grads\n", "w"),
    ],
    "conv1d-kernel": [
        ("the kernel flipped",
         "def kernel_grad(x, w, dy):\n    K = len(w)\n"
         "    return [sum(dy[i] * x[i + K - 1 - k] for i in range(len(dy))) for k in range(K)]\n", "w0"),
        ("no sum over positions",
         "def kernel_grad(x, w, dy):\n    return [dy[0] * x[k] for k in range(len(w))]\n", "w0"),
    ],
    "vanishing-gradients": [
        ("sigmoid in place of its slope",
         "import math\ndef layer_grads(x, weight, depth):\n    hs = [x]\n    for _ in range(depth):\n"
         "        hs.append(1 / (1 + math.exp(-weight * hs[-1])))\n    grads = [1.0]\n"
         "    for k in range(depth, 0, -1):\n        grads.append(grads[-1] * hs[k] * weight)\n    return grads\n", "h7"),
        ("the weight forgotten",
         "import math\ndef layer_grads(x, weight, depth):\n    hs = [x]\n    for _ in range(depth):\n"
         "        hs.append(1 / (1 + math.exp(-weight * hs[-1])))\n    grads = [1.0]\n"
         "    for k in range(depth, 0, -1):\n        grads.append(grads[-1] * hs[k] * (1 - hs[k]))\n    return grads\n",
         "h7"),
    ],
    "xor-training": [
        ("no hidden layer: one neuron",
         "import random\nfrom autograd import Value\nXOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]\n"
         "def train():\n    random.seed(0)\n    w = [Value(random.uniform(-1, 1)) for _ in range(2)]\n    b = Value(0.0)\n"
         "    for _ in range(200):\n        loss = sum((((w[0] * x1 + w[1] * x2 + b) - (2 * y - 1)) ** 2 for (x1, x2), y in XOR), Value(0.0))\n"
         "        for p in w + [b]:\n            p.grad = 0.0\n        loss.backward()\n"
         "        for p in w + [b]:\n            p.data -= 0.05 * p.grad\n"
         "    return lambda x1, x2: int((w[0] * x1 + w[1] * x2 + b).data > 0)\n", "the class of (0, 1)"),
        ("a step up the gradient",
         "import random\nfrom autograd import Value\nXOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]\n"
         "def train():\n    random.seed(0)\n    w1 = [[Value(random.uniform(-1, 1)) for _ in range(2)] for _ in range(4)]\n"
         "    w2 = [Value(random.uniform(-1, 1)) for _ in range(4)]\n    params = [p for r in w1 for p in r] + w2\n"
         "    def logit(x1, x2):\n        return sum((v * (r[0] * x1 + r[1] * x2).tanh() for v, r in zip(w2, w1)), Value(0.0))\n"
         "    for _ in range(300):\n        loss = sum(((logit(*x) - (2 * y - 1)) ** 2 for x, y in XOR), Value(0.0))\n"
         "        for p in params:\n            p.grad = 0.0\n        loss.backward()\n"
         "        for p in params:\n            p.data += 0.05 * p.grad\n"
         "    return lambda x1, x2: int(logit(x1, x2).data > 0)\n", "the class of (0, 1)"),
    ],
}
