"""What deployments and `callinsight schedule` load (prefect.yaml points here).

A deployment's flow object fixes its task runner when it is loaded, so this module builds
it from the worker's environment (``CALLINSIGHT_TASK_RUNNER``, ``CALLINSIGHT_DASK_ADDRESS``,
``CALLINSIGHT_WORKERS``). That is its only job; ``flows/nightly.py`` loads nothing at import.
"""

from callinsight.settings import load_settings
from flows.nightly import with_task_runner

nightly_insights = with_task_runner(load_settings())

__all__ = ["nightly_insights"]
