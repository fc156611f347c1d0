"""callinsight: win/loss themes from sales calls."""

__version__ = "0.1.0"
