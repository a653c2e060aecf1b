"""The `kaeru` command run as an operator runs it: a process of its own on a given database."""

from __future__ import annotations

import os
import subprocess
import sys


def kaeru_command(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAERU_DATABASE_URL": url, "KAERU_ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "wms.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
