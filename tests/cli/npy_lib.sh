# Shared by the npy cli tests (after lib.sh): a small generated task in GOOD, the 2-rank
# command, and variant NAME PYTHON, a copy of GOOD changed by PYTHON (numpy as np).
PY=/usr/bin/python3
"$PY" -c 'import numpy' 2>/dev/null || { fail "$PY with numpy is needed (python3-numpy)"; finish; }
GOOD=$SCRATCH/good
"$PY" "$(dirname "$0")/make_sequence_task.py" "$GOOD" --train 64 --test 32 || fail "writing the task failed"
MODEL=(--set model.time_steps=100 --set model.input_size=4 --set model.num_classes=4 --hidden-size 8
       --batch-size 16)
RUN2=("$MPIEXEC" -n 2 "$SEQTRAIN" train --max-steps 1 "${MODEL[@]}")
# variant NAME PYTHON: a copy of the good folder, changed by PYTHON (numpy as np, d the folder).
variant() {
  mkdir -p "$SCRATCH/$1"
  cp "$GOOD"/* "$SCRATCH/$1/"
  (cd "$SCRATCH/$1" && "$PY" -c "import numpy as np; d='.'; $2") >&2 || fail "variant $1"
  echo "$SCRATCH/$1"
}
X=train_x.npy
Y=train_y.npy
L=train_len.npy

