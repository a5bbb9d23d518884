#!/usr/bin/python3
"""make_heads_task.py DIR KIND: a small generated task for the export tests' heads, as NumPy
arrays (train_x.npy, train_y.npy, train_len.npy and test_*), T = 20 steps of I = 4 inputs
N(0, 1), lengths 5..20, NaN past each length (padding nobody may read).

KIND: value       y (N, 2): the mean of input 0 and the last real value of input 1
      step_class  y (N, T): at each step the input with the largest value (4 classes)
      step_value  y (N, T, 2): the running mean of inputs 0 and 1
"""
import os
import sys

import numpy as np

T, I = 20, 4


def make(kind, count, rng):
    lengths = rng.integers(5, T + 1, size=count)
    x = rng.normal(0.0, 1.0, size=(count, T, I)).astype(np.float32)
    if kind == "value":
        y = np.zeros((count, 2), np.float32)
    elif kind == "step_class":
        y = np.zeros((count, T), np.int64)
    else:
        y = np.zeros((count, T, 2), np.float32)
    for n in range(count):
        L = lengths[n]
        if kind == "value":
            y[n] = [x[n, :L, 0].mean(), x[n, L - 1, 1]]
        elif kind == "step_class":
            y[n, :L] = x[n, :L].argmax(1)
        else:
            y[n, :L] = np.cumsum(x[n, :L, :2], 0) / np.arange(1, L + 1)[:, None]
        x[n, L:] = np.nan
    return x, y, lengths.astype(np.int64)


def main():
    out, kind = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(3)
    os.makedirs(out, exist_ok=True)
    for split, count in (("train", 256), ("test", 64)):
        x, y, lengths = make(kind, count, rng)
        np.save(os.path.join(out, split + "_x.npy"), x)
        np.save(os.path.join(out, split + "_y.npy"), y)
        np.save(os.path.join(out, split + "_len.npy"), lengths)


if __name__ == "__main__":
    main()
