"""Builders shared by tests (corpora, audio, paths): plain helpers, not tests."""
