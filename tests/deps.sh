#!/bin/sh
# Installs the Debian packages iddl needs, only those that are missing.
# Build: gcc make pkg-config liblua5.4-dev libreadline-dev libopenblas-dev
# Run:   lua5.4 gnuplot-nox
# Tests: libcmocka-dev lua-busted python3-pexpect (python3-numpy regenerates goldens)
set -e
PKGS="gcc make pkg-config liblua5.4-dev lua5.4 libreadline-dev libopenblas-dev \
gnuplot-nox libcmocka-dev lua-busted python3-pexpect python3-numpy"
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
