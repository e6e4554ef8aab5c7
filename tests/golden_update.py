"""Regenerate tests/golden/ from tests/data/golden-dumps/ (run by `make golden`)."""

from __future__ import annotations

import shutil

from tests.test_golden import GOLDEN, generate


def main() -> None:
    files = generate()
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for rel, data in files.items():
        target = GOLDEN / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files to {GOLDEN.relative_to(GOLDEN.parent.parent)}/")


if __name__ == "__main__":
    main()
