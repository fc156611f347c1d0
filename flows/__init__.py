"""Prefect flows wiring callinsight stages."""
