#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo start as real servers:
# unbound (DNS resolver on 127.0.0.1), postfix (a real MTA on loopback), chromium (reports).
# Idempotent: installs only what is missing. Services are not started by the package scripts;
# the tests start their own instances on loopback ports.
set -euo pipefail

need=()
command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] || need+=(unbound)
[ -x /usr/sbin/postfix ] || need+=(postfix)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# openssl: the SMTP test farm makes a self-signed certificate to offer STARTTLS.
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi

echo "setup-system: installing ${need[*]}" >&2
# Keep package scripts from starting daemons (no init here; tests start their own).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks for a configuration type otherwise.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string mailhygiene.test" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if [ "$created_policy" = "1" ]; then
    $SUDO rm -f "$policy"
fi
