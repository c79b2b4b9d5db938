#!/usr/bin/env bash
# Debian packages the tests need: a real browser for the end-to-end test; the openssl CLI for
# the OpenStack client's TLS tests (a CA and a certificate made per run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apt_install chromium fonts-noto-cjk openssl
