"""listen: stop lurking on the people you network with."""

__version__ = "0.1.0"
