#!/usr/bin/env bash
# Lints the OpenAPI document with Redocly CLI's recommended rules (the
# version pinned in package-lock.json beside this script): the source,
# api/openapi.yaml, and the document exactly as Haven serves it at
# /api/v1/openapi.json. Run by `make lint`. Without the npm package it says
# so and skips, except in CI (CI set), where that is a failure; install it
# with `npm ci --prefix api/lint`.
set -euo pipefail
cd "$(dirname "$0")"
GO="${GO:-go}"

redocly=node_modules/.bin/redocly
if ! command -v node >/dev/null 2>&1 || [ ! -x "$redocly" ]; then
  msg="OpenAPI lint: Redocly CLI is not installed (needs Node.js and 'npm ci --prefix api/lint')"
  if [ -n "${CI:-}" ]; then
    echo "FAIL: $msg" >&2
    exit 1
  fi
  echo "SKIPPED: $msg" >&2
  exit 0
fi

# No telemetry and no update check: the linter makes no network request.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

served=openapi.served.json
trap 'rm -f "$served"' EXIT
(cd ../.. && "$GO" run ./api/lint/served -o "api/lint/$served")
echo "redocly lint api/openapi.yaml and the served /api/v1/openapi.json"
"$redocly" lint --config redocly.yaml --format=stylish ../openapi.yaml "$served"
