"""chainrule's neural-network library, built only from ``autograd.Value``."""
