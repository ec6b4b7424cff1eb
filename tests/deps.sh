#!/bin/sh
# Installs the Debian packages iddl needs, only those that are missing.
# Build: gcc make pkg-config liblua5.4-dev libreadline-dev libopenblas-dev zlib1g-dev
# Run:   lua5.4 gnuplot-nox lua-cjson lua-argparse
# Tests: libcmocka-dev lua-busted python3-pexpect
#        (python3-numpy and python3-torch regenerate golden files and are the
#        benchmarks' peer)
set -e
PKGS="gcc make pkg-config liblua5.4-dev lua5.4 libreadline-dev libopenblas-dev \
zlib1g-dev gnuplot-nox lua-cjson lua-argparse libcmocka-dev lua-busted \
python3-pexpect python3-numpy python3-torch"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "iddl: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
