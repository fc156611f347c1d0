"""Shared fixtures. Tests run offline: no model hub is ever contacted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))  # tests/support: shared builders

import pytest  # noqa: E402

from support.paths import REPO, SAMPLE_CALLS, SAMPLE_CONFIG  # noqa: E402,F401


@pytest.fixture(scope="session")
def prefect_server():
    """A real temporary Prefect server (SQLite) for tests that run flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_run(prefect_server, tmp_path_factory):
    """One real run of the nightly flow over sample_calls/ (real models, real audio)."""
    from flows.nightly import nightly_insights

    out = tmp_path_factory.mktemp("sample-run") / "out"
    summary = nightly_insights(calls=str(SAMPLE_CALLS / "calls.csv"),
                               deals=str(SAMPLE_CALLS / "deals.csv"), out=str(out),
                               config=str(SAMPLE_CONFIG))
    return out, summary


@pytest.fixture(scope="session")
def library_out(tmp_path_factory, prefect_server):
    """The phrase library's run (``support.library``), shared by search, web and browser tests."""
    from support.library import library_run

    return library_run(tmp_path_factory)
