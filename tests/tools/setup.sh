#!/usr/bin/env bash
# Test set-up beyond pip: Debian's Chromium for the browser tests (installed when missing and we are root).
set -u
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium for the browser tests (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "could not install Chromium: the browser tests will report skipped"
  else
    echo "Chromium is missing and we are not root: the browser tests will report skipped"
  fi
fi
exit 0
