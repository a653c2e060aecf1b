"""`make run`: a working warehouse on the embedded default (SQLite) for a newcomer.

Applies migrations and the site configuration, loads the demo data once, starts the server and
prints the URL of each screen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wms.settings import get_settings


def main() -> None:
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    from wms.context import Kaeru
    from wms.migrations.runner import upgrade
    from wms.seed import DEMO_PASSWORD, seed_demo
    from wms.site import apply_site

    upgrade(settings.database_url)
    kaeru = Kaeru.from_settings(settings)
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    report = kaeru.db.write(lambda s: seed_demo(s, kaeru.site))
    if report.items:
        print(f"demo data loaded: {report.items} items, {report.units} units, {report.orders} orders")
    host, port = os.environ.get("KAERU_HOST", "127.0.0.1"), int(os.environ.get("KAERU_PORT", "8000"))
    base = f"http://{host}:{port}"
    print(f"""
Kaeru is starting on {base}
  API docs            {base}/docs
  health              {base}/healthz
Sign in with any of admin, manager, associate, packer, picker, receiver — password {DEMO_PASSWORD!r}
""", flush=True)
    import uvicorn

    uvicorn.run("wms.app:create_app", factory=True, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
