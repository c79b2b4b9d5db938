#!/usr/bin/env bash
# Debian packages the tests need: a real browser for the end-to-end tests, ansible-core for
# reading berth's dynamic inventory (ansible-inventory), shellcheck for the generated user-data.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apt_install chromium fonts-noto-cjk ansible-core shellcheck
