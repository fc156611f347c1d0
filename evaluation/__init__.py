"""Evaluation and synthetic corpora: benchmarks and tests only, not installed."""
