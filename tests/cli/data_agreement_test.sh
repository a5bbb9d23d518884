# Ranks that read different copies of the data (one --data-dir per rank, as
# mpirun's MPMD form gives them) end every rank with one line naming the rank,
# the set, the file and both values, in seconds. A crafted labels file that
# claims 2^31-1 labels is rejected from its header, fast and small.
source "$(dirname "$0")/lib.sh"
need_mnist
command -v python3 >/dev/null || { fail "python3 is needed to write the crafted labels file"; finish; }
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
ARGS=(train --max-steps 2 --batch-size 64 --hidden-size 16)

# Plain copies, so bytes can be edited in place; rank 0 reads GOOD.
GOOD=$SCRATCH/good
mkdir -p "$GOOD"
for f in "${FILES[@]}"; do gunzip -c "$SEQTRAIN_MNIST_DIR/$f.gz" >"$GOOD/$f.gz"; done
variant() {  # variant NAME: a copy of the good folder to change
  mkdir -p "$SCRATCH/$1"
  cp "$GOOD"/*.gz "$SCRATCH/$1/"
  echo "$SCRATCH/$1"
}
# mpmd DIR...: one rank per folder, each with its own --data-dir.
mpmd() {
  local cmd=("$MPIEXEC") sep=()
  for d in "$@"; do
    cmd+=("${sep[@]}" -n 1 "$SEQTRAIN" "${ARGS[@]}" --data-dir "$d")
    sep=(:)
  done
  "${cmd[@]}"
}
DIFF="differs from rank 0's"

# Same count, one label changed (a shifted or stale copy): only the checksum tells.
d=$(variant label)
printf '\x07' | dd of="$d/train-labels-idx1-ubyte.gz" bs=1 seek=8 conv=notrunc status=none
cmp -s "$d/train-labels-idx1-ubyte.gz" "$GOOD/train-labels-idx1-ubyte.gz" && fail "label variant is unchanged"
expect_error same_count_other_label 1 \
  "seqtrain: error: \[rank 1\] training set $DIFF: train-labels-idx1-ubyte.gz crc32c [0-9A-F]{8} vs [0-9A-F]{8} \(rank 0\)$" \
  30 -- mpmd "$GOOD" "$d"

# One image fewer: the count is named, not a crash 116 steps later.
d=$(variant count)
python3 - "$d" <<'PY'
import struct, sys
d = sys.argv[1]
for name, item in (("train-images-idx3-ubyte.gz", 784), ("train-labels-idx1-ubyte.gz", 1)):
    path = f"{d}/{name}"
    data = bytearray(open(path, "rb").read())
    data[4:8] = struct.pack(">I", 59999)
    open(path, "wb").write(data[:-item])
PY
expect_error other_count 1 \
  "seqtrain: error: \[rank 1\] training set $DIFF: train-images-idx3-ubyte.gz holds 59999 images vs 60000 \(rank 0\)$" \
  30 -- mpmd "$GOOD" "$d"

# 3 ranks, the last with another test set (a gzip copy: other bytes as stored).
d=$(variant gz_test)
gzip -c "$GOOD/t10k-labels-idx1-ubyte.gz" >"$d/t10k-labels-idx1-ubyte.gz"
expect_error third_rank_test_set 1 \
  "seqtrain: error: \[rank 2\] test set $DIFF: t10k-labels-idx1-ubyte.gz crc32c [0-9A-F]{8} vs [0-9A-F]{8} \(rank 0\)$" \
  30 -- mpmd "$GOOD" "$GOOD" "$d"

# The same data as plain files on one rank and gzip on the other trains (the
# loader reads both); here every rank's copy is the same, so it must pass.
timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" "${ARGS[@]}" --data-dir "$GOOD" >"$SCRATCH/same.out" 2>&1 ||
  fail "identical copies on 2 ranks failed: $(cat "$SCRATCH/same.out")"

# 2 MB of gzip that declares 2^31-1 labels: the headers disagree, so no label
# is read (it took 11 s and 2.1 GB per rank).
d=$SCRATCH/huge_labels
mkdir -p "$d"
for f in train-images-idx3-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do cp "$SEQTRAIN_MNIST_DIR/$f.gz" "$d/"; done
python3 "$(dirname "$0")/make_zeros_gz.py" "$d/train-labels-idx1-ubyte.gz" 2147483647
expect_error huge_label_claim 1 \
  "seqtrain: error: .*train-labels-idx1-ubyte.gz: holds 2147483647 labels but .*train-images-idx3-ubyte.gz holds 60000 images$" \
  6 -- "$MPIEXEC" -n 2 "$SEQTRAIN" "${ARGS[@]}" --data-dir "$d"  # loader alone: < 3 s in idx_file_test
# Peak RSS from time(1), on one rank: with two, mpirun may kill one time(1) before it reports.
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f %M -o "$SCRATCH/rss" "$MPIEXEC" -n 1 /usr/bin/time -f %M -o "$SCRATCH/rss.rank" \
    "$SEQTRAIN" "${ARGS[@]}" --data-dir "$d" >/dev/null 2>&1
  kib=$(tail -1 "$SCRATCH/rss.rank")
  if [ -n "$kib" ] && [ "$kib" -lt $((300 * 1024)) ]; then
    echo "ok: huge_label_claim peak RSS: $kib KiB"
  else
    fail "huge_label_claim: peak RSS '$kib' KiB, not under 300 MiB"
  fi
fi
finish
