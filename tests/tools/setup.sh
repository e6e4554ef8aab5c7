#!/usr/bin/env bash
# Test set-up beyond pip, from Debian (installed when missing and we are root): Chromium for the
# browser tests, newsboat for the feed-reader tests.
set -u
missing=()
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium chromium-driver)
fi
if [ ! -x /usr/bin/newsboat ]; then
  missing+=(newsboat)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the browser and feed-reader tests (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "could not install ${missing[*]}: the browser tests will report skipped, the feed-reader tests fail"
  else
    echo "${missing[*]} missing and we are not root: the browser and feed-reader tests will report skipped"
  fi
fi
exit 0
