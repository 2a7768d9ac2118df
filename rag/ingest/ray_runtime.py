"""Starting or joining Ray for ingestion: a local Ray bound to 127.0.0.1, or a cluster.

A local Ray (no address) is kept on this machine and offline:
- `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` (read when ray is imported) keeps the node address
  at 127.0.0.1 instead of the first network interface;
- `~/ray_bootstrap_config.yaml` is created (empty) if missing: without it Ray's usage-stats
  module probes the cloud metadata address 169.254.169.254, even with usage stats off;
- no dashboard, no usage stats, logs at ERROR.
Starting it takes 16-22 s on this 2-core machine, so a process starts it once
(`ray_session` joins a Ray that is already up and leaves it running).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Iterator

from rag.core.config import RaySettings

QUIET_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_DATA_LOG_LEVEL": "ERROR",  # no "execution finished" / progress lines
    "RAY_BACKEND_LOG_LEVEL": "fatal",  # no C++ core worker lines on stderr
}


def start_ray(settings: RaySettings):
    """Start a local Ray (settings.address == "") or join a cluster; returns the module."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    import ray

    if ray.is_initialized():
        return ray
    if settings.address:
        ray.init(address=settings.address, logging_level=logging.ERROR, log_to_driver=False)
    else:
        bootstrap = Path.home() / "ray_bootstrap_config.yaml"
        if not bootstrap.exists():
            bootstrap.write_text("{}\n")
        ray.init(num_cpus=settings.num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 logging_level=logging.ERROR, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    return ray


@contextlib.contextmanager
def ray_session(settings: RaySettings) -> Iterator[object]:
    """Ray for one pipeline run: started here (and shut down after), or the one already up."""
    already = "ray" in sys.modules and sys.modules["ray"].is_initialized()
    ray = start_ray(settings)
    try:
        yield ray
    finally:
        if not already:
            ray.shutdown()
