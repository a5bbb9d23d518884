#!/usr/bin/env bash
# Downloads the four MNIST files into DIR, for `seqtrain train --data-dir DIR`:
#   tools/fetch_mnist.sh DIR
# Each file is taken from the first mirror that serves it with the known SHA-256; a mirror that is
# down, lacks the file or serves other bytes is reported and the next one tried. A file is
# written under a temporary name and renamed once its sum holds, so DIR never holds half a file.
# Files already in DIR with the right sum are kept. SEQTRAIN_MNIST_MIRRORS (base URLs, separated
# by spaces) replaces the mirror list. Exit 0 when all four are there, 1 when one could not be
# had from any mirror, 2 for a wrong command line.
set -euo pipefail
usage="usage: tools/fetch_mnist.sh DIR   (mirrors: \$SEQTRAIN_MNIST_MIRRORS, base URLs)"
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "$usage" >&2
  exit 2
fi
dir=$1
read -r -a mirrors <<<"${SEQTRAIN_MNIST_MIRRORS:-https://ossci-datasets.s3.amazonaws.com/mnist \
https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist}"
if [ ${#mirrors[@]} -eq 0 ]; then
  echo "fetch_mnist: error: SEQTRAIN_MNIST_MIRRORS is set but names no mirror" >&2
  exit 2
fi
# The sums of the files as LeCun published them (the same bytes on every mirror).
files=(
  "train-images-idx3-ubyte.gz 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
  "train-labels-idx1-ubyte.gz 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
  "t10k-images-idx3-ubyte.gz 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
  "t10k-labels-idx1-ubyte.gz f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
)
mkdir -p "$dir" || { echo "fetch_mnist: error: cannot create $dir" >&2; exit 1; }
partial=
trap '[ -z "$partial" ] || rm -f "$partial"' EXIT
trap 'exit 130' INT TERM

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# download URL FILE: exit 0 with FILE written, or non-zero with the reason on stdout.
download() {
  local out
  if command -v curl >/dev/null; then
    out=$(curl --fail --silent --show-error --location --connect-timeout 15 --max-time 600 \
      --output "$2" "$1" 2>&1) || { echo "${out##*curl: }"; return 1; }
  elif command -v wget >/dev/null; then
    out=$(wget --no-verbose --timeout=15 --tries=1 --output-document="$2" "$1" 2>&1) ||
      { out=${out%$'\n'}; echo "wget: ${out##*$'\n'}"; return 1; }
  else
    out=$(python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
      "$1" "$2" 2>&1) || { echo "${out##*$'\n'}"; return 1; }
  fi
}

failed=0
for entry in "${files[@]}"; do
  name=${entry%% *}
  sum=${entry##* }
  target=$dir/$name
  if [ -f "$target" ] && [ "$(sha256_of "$target")" = "$sum" ]; then
    echo "fetch_mnist: $target: already there"
    continue
  fi
  reasons=
  done_one=0
  for mirror in "${mirrors[@]}"; do
    url=${mirror%/}/$name
    partial=$(mktemp "$dir/.$name.partial.XXXXXX")
    if reason=$(download "$url" "$partial"); then
      got=$(sha256_of "$partial")
      if [ "$got" = "$sum" ]; then
        chmod 0644 "$partial"
        mv -f "$partial" "$target"
        partial=
        echo "fetch_mnist: $target: from $url"
        done_one=1
        break
      fi
      reason="SHA-256 $got, expected $sum"
    fi
    rm -f "$partial"
    partial=
    echo "fetch_mnist: warning: $url: $reason; trying the next mirror" >&2
    reasons+="${reasons:+; }$url: $reason"
  done
  if [ $done_one = 0 ]; then
    echo "fetch_mnist: error: $name: no mirror served it with the expected SHA-256 ($reasons)" >&2
    failed=1
  fi
done
if [ $failed = 1 ]; then
  echo "fetch_mnist: error: $dir is incomplete; set SEQTRAIN_MNIST_MIRRORS to other mirrors or copy the files there" >&2
  exit 1
fi
echo "fetch_mnist: $dir holds the four MNIST files; train with: launch/local.sh -n 2 train --data-dir $dir"
