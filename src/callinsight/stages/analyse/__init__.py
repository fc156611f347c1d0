"""stages.analyse."""
