"""Where the repository's sample data lives."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CALLS = REPO / "sample_calls"
SAMPLE_CONFIG = SAMPLE_CALLS / "callinsight.yaml"
SHARED_DATA = REPO.parent / "shared" / "data"
