"""The exercise set: one file per exercise (the format is ``autograd.exercises.format``),
listed here easiest first."""

ORDER = (
    "tanh-local",
    "sigmoid-local",
    "neuron-by-hand",
    "accumulate",
    "pow-local",
    "zero-to-hero-f",
    "topological-sort",
    "custom-op",
    "mazur-step",
    "softmax-nll",
    "bptt",
    "conv1d-kernel",
    "vanishing-gradients",
    "xor-training",
)
