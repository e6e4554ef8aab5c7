"""Lighthouse on the pages a reader meets first: the home page and the busiest real day.

Usage: python benchmarks/lighthouse.py [--site DIR] [--pages PATH ...] [--runs N]

Serves DIR (default: site/, built by `make site`) on 127.0.0.1, gzipping text files as GitHub
Pages does (--no-gzip: as they are on disk), and runs Lighthouse's default
(mobile, simulated throttling) audit of each page with Debian's Chromium (CHROME_PATH, default
/usr/bin/chromium). Lighthouse is the npm package, installed into .cache/lighthouse/ on first use.
Prints each page's HTML size and its performance and accessibility scores (the median of
--runs runs: the VM's speed varies), and the largest HTML page of the site. Targets: HTML
<= 200 KB, performance >= 90, accessibility >= 95.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_VERSION = "12.8.2"
PAGES = ["", "days/2026-11-19/"]  # home and the busiest real day (204 new papers)
KB = 1024


TEXT = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}


class _Quiet(SimpleHTTPRequestHandler):
    gzip = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        """A text file gzipped when the browser accepts it, as GitHub Pages serves it."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the folder's URL
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.gzip and accepts and path.suffix in TEXT and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def _serve(site: Path, compress: bool) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_Quiet,), {"gzip": compress})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _audit(cli: Path, url: str, chrome: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as work:
        report = Path(work) / "report.json"
        command = [
            "node", str(cli), url, "--output=json", f"--output-path={report}", "--quiet",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        ]  # fmt: skip
        env = dict(os.environ, CHROME_PATH=chrome)
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0 or not report.is_file():
            raise SystemExit(f"lighthouse failed on {url} (exit {done.returncode}):\n{done.stderr[-2000:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
    audits = data["audits"]
    return {
        "performance": round(100 * (data["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (data["categories"]["accessibility"]["score"] or 0)),
        "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (make site)")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="paths below the site's root")
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed")
    parser.add_argument("--no-gzip", action="store_true", help="serve files as they are on disk")
    args = parser.parse_args(argv)
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not (args.site / "index.html").is_file():
        raise SystemExit(f"{args.site}/index.html not found: build the site first (make site)")
    if not Path(chrome).is_file() or shutil.which("node") is None:
        raise SystemExit(f"needs Chromium at {chrome} (or CHROME_PATH) and Node.js with npm")
    sys.path.insert(0, str(ROOT))
    from tests.npm_package import ensure

    cli = ensure("lighthouse", LIGHTHOUSE_VERSION) / "cli" / "index.js"
    pages = sorted(args.site.rglob("*.html"), key=lambda p: p.stat().st_size, reverse=True)
    largest = pages[0]
    print(f"largest HTML page: {largest.relative_to(args.site)} {largest.stat().st_size / KB:.1f} KB")
    server, base = _serve(args.site, not args.no_gzip)
    print(f"served {'as on disk' if args.no_gzip else 'gzipped, as GitHub Pages does'}")
    try:
        for path in args.pages:
            html = args.site / path / "index.html"
            runs = [_audit(cli, base + path, chrome) for _ in range(args.runs)]
            median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            print(
                f"/{path}: HTML {html.stat().st_size / KB:.1f} KB; performance {median['performance']:.0f} "
                f"(runs: {', '.join(str(r['performance']) for r in runs)}), accessibility "
                f"{median['accessibility']:.0f}; LCP {median['lcp_s']:.2f} s, TBT {median['tbt_ms']:.0f} ms, "
                f"CLS {median['cls']:.3f}"
            )
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
