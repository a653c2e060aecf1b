"""Audit the locked set for known vulnerabilities (pip-audit, PyPI's advisory data) and decide what fails CI.

    python deploy/audit.py deploy/requirements.lock

Every finding is printed. The build fails only on an advisory we can act on: one with a fixed release
newer than the locked version (`make lock LOCK_FLAGS=--upgrade-package NAME` takes it, unless
pyproject.toml holds it back, which is then a decision to write down in deploy/audit-ignore.txt).
An advisory with no fixed release is reported and does not fail the build: no change of ours removes
it, and a red build nobody can turn green teaches people to ignore red builds. When the advisory
service cannot be reached, or cannot tell about a package (a PyPI mirror without the per-release JSON
API answers 404, and pip-audit then skips the package), the audit says how many packages it could not
audit and does not fail either: CI must not depend on a service outside the project.

deploy/audit-ignore.txt: one advisory id a line (`GHSA-...` or `PYSEC-...`), then `#` and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ignored() -> dict[str, str]:
    path = HERE / "audit-ignore.txt"
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        vuln, _, why = line.partition("#")
        if vuln.strip():
            found[vuln.strip()] = why.strip()
    return found


def version_key(version: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def main(lock: str) -> int:
    skip = ignored()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes", "-r", lock,
            "--format", "json", "--output", str(report), "--progress-spinner", "off",
        ]  # fmt: skip
        for vuln in skip:
            command += ["--ignore-vuln", vuln]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            print("audit: pip-audit took over 10 minutes (advisory service slow); not failing the build")
            return 0
        if not report.exists():
            print(f"audit: pip-audit could not run (exit {run.returncode}); not failing the build:")
            print(run.stderr.strip()[-2000:])
            return 0
        data = json.loads(report.read_text())
    blocking, reported = [], []
    skipped = [d for d in data.get("dependencies", []) if "skip_reason" in d]
    for dependency in data.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            locked = version_key(dependency["version"])
            fixes = [v for v in vuln.get("fix_versions", []) if version_key(v) > locked]
            line = (
                f"{dependency['name']} {dependency['version']}: {vuln['id']}"
                f" ({', '.join(vuln.get('aliases', []))}) fixed in {', '.join(fixes) or 'no release yet'}"
            )
            (blocking if fixes else reported).append(line)
    audited = len(data.get("dependencies", [])) - len(skipped)
    print(
        f"audit: {audited} locked packages audited, {len(blocking) + len(reported)} known vulnerabilities;"
        f" {len(skipped)} NOT AUDITED (the advisory service had nothing on them)"
    )
    for dependency in skipped[:5]:
        print(f"  not audited: {dependency['skip_reason']}")
    for vuln, why in skip.items():
        print(f"  ignored {vuln}: {why}")
    for line in reported:
        print(f"  reported (no fixed release): {line}")
    for line in blocking:
        print(f"  FIXABLE: {line}")
    if blocking:
        print("audit: take the fixed releases (make lock LOCK_FLAGS='--upgrade-package NAME'), or record in"
              " deploy/audit-ignore.txt why not")  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(HERE / "requirements.lock")))
