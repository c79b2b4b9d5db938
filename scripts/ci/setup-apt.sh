#!/usr/bin/env bash
# Debian packages the board's tests need: a real browser for the end-to-end test.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apt_install chromium fonts-noto-cjk
