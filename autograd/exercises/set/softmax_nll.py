"""Softmax with negative log-likelihood, Zero to Hero's last micrograd exercise.

Write `nll(logits, label)`: softmax the list of Values `logits` (exp, divided by their
sum) and return the negative log of the probability at index `label`, as a Value. On
logits [0, 3, -2, 1] with label 3 the loss is 2.1755153626167147 and the gradients are
[0.041772570515350445, 0.8390245074625319, 0.005653302662216329, -0.8864503806400986].
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 3
START = '''\
def nll(logits, label):
    """-log softmax(logits)[label], as a Value."""
    counts = [logit.exp() for logit in logits]
    ...
    return ...
'''
REFERENCE = '''\
def nll(logits, label):
    counts = [logit.exp() for logit in logits]
    denominator = sum(counts)
    probs = [c * denominator ** -1 for c in counts]   # micrograd's division
    return -probs[label].log()
'''
NOTICE = ("the gradient on the logits is softmax minus the one-hot label: every wrong class is pushed down by "
          "its probability, the right one pulled up by 1 - p. The gradients sum to zero.")
LOGITS = (0.0, 3.0, -2.0, 1.0)


def cases(solution):
    logits = [Value(x, label=f"logit{k}") for k, x in enumerate(LOGITS)]
    loss = solution.nll(logits, 3)
    if not isinstance(loss, Value):
        raise TypeError(f"nll returned {type(loss).__name__}, not a Value")
    loss.label = "loss"
    loss.backward()
    return [Case("logits [0, 3, -2, 1], label 3", loss)]
