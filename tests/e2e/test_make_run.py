"""`make run` end to end: `python -m simulators.demo` on a temporary SQLite database and free ports comes up,
its floor moves the dashboard's figures, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kaeru_config.settings import ROOT
from tests.live_server import free_port
from tests.polling import wait_until


def _children_of(pid: int) -> set[int]:
    """Every descendant of `pid` (by /proc), so none can hide in a new session."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    """A copy of config/ whose devices sit on free ports and temporary ptys, and the env to use it."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    site = (config / "site.yaml").read_text()
    site = site.replace("/tmp/kaeru-sim/", f"{tmp_path}/pty/")
    for old in re.findall(r"tcp://127\.0\.0\.1:(\d+)", site):
        site = site.replace(f"127.0.0.1:{old}", f"127.0.0.1:{free_port()}")
    (config / "site.yaml").write_text(site)
    return dict(os.environ) | {
        "KAERU_DATABASE_URL": f"sqlite:///{tmp_path / 'kaeru.db'}",
        "KAERU_CONFIG_DIR": str(config),
        "KAERU_MEDIA_DIR": str(tmp_path / "media"),
        "KAERU_DEMO_DIR": str(tmp_path / "demo"),
        "KAERU_PORT": str(free_port()),
        "KAERU_SMTP_PORT": str(free_port()),
        "KAERU_MAILBOX_PORT": str(free_port()),
        "KAERU_PRINTER_PAGES_PORT": "0",
        "KAERU_FLOOR_SPEED": "3000",
        "KAERU_DEMO_SUMMARY_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }


def test_make_run_comes_up_moves_the_floor_and_leaves_no_process_behind_on_ctrl_c(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115 - the child writes to it until it ends
    demo = subprocess.Popen(
        [sys.executable, "-m", "simulators.demo"],
        cwd=ROOT,
        env=demo_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{demo_env['KAERU_PORT']}"
    descendants: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, timeout=5) as client:
            token, first_scans, moved = None, None, False
            while time.monotonic() < deadline and not moved:
                time.sleep(1)
                assert demo.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
                descendants |= _children_of(demo.pid)
                try:
                    if token is None:
                        client.get("/healthz").raise_for_status()
                        token = client.post(
                            "/api/v1/auth/login", json={"username": "manager", "password": "kaeru-demo"}
                        ).json()["token"]
                    headers = {"Authorization": f"Bearer {token}"}
                    scans = client.get("/api/v1/scans", params={"limit": 500}, headers=headers).json()
                    shipped = client.get(
                        "/api/v1/orders", params={"status": "shipped"}, headers=headers
                    ).json()
                except httpx.HTTPError:
                    continue
                from_agents = [s for s in scans if s.get("device_id")]
                first_scans = len(scans) if first_scans is None else first_scans
                moved = len(scans) > first_scans and bool(from_agents) and bool(shipped)
        summary = re.compile(r"\[\w{3} \d\d:\d\d\] orders \d+ · lines picked")
        if moved:  # the floor's figures reach the terminal every KAERU_DEMO_SUMMARY_SECONDS
            wait_until(
                lambda: summary.search((tmp_path / "demo.log").read_text()), within=20, what="a summary line"
            )
        log_text = (tmp_path / "demo.log").read_text()
        assert moved, f"the floor did not move within 60 s:\n{log_text[-3000:]}"
        assert "/ui/dashboard" in log_text, "the dashboard's URL is printed"
        # The terminal holds the banner and a line of figures per period, not the floor's narration
        # (which is in its own file) nor start-up warnings above the banner.
        terminal = [line for line in log_text.splitlines() if line.strip()]
        assert terminal[0].startswith("demo data loaded"), terminal[:3]
        assert not any("WARNING" in line for line in terminal), terminal
        assert len(terminal) < 40, "\n".join(terminal)
        narration = (tmp_path / "demo" / "floor.log").read_text()
        assert "finished pick task" in narration
        assert len(descendants) >= 4, f"expected the server and three agents, saw {descendants}"
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=25)
        finally:
            if demo.poll() is None:
                demo.kill()
            log.close()
    assert demo.returncode == 0, (tmp_path / "demo.log").read_text()[-3000:]
    left = {pid for pid in descendants if _alive(pid)}
    assert not left, f"processes left behind: {left}"
