#!/usr/bin/python3
"""Writes a generated sequence classification task as NumPy arrays.

usage: make_sequence_task.py DIR [--npz | --npz-compressed] [--train N] [--test N] [--seed S]

Each sequence has a length in [20, 100] of T = 100 steps of I = 4 inputs: noise
N(0, 0.5) with, at one random step inside its length, a spike of +3 on input k;
k is the class (4 classes). The padding past each length is NaN: the trainer
must never read it. Writes train_x.npy (float32), train_y.npy (int64),
train_len.npy (int64) and the same with test_, or train.npz / test.npz with
x, y, len.
"""
import argparse
import os

import numpy as np

T, I, K = 100, 4, 4


def make(count, rng):
    lengths = rng.integers(20, 101, size=count)
    y = rng.integers(0, K, size=count)
    x = rng.normal(0.0, 0.5, size=(count, T, I)).astype(np.float32)
    for n in range(count):
        spike = rng.integers(0, lengths[n])
        x[n, spike, y[n]] += 3.0
        x[n, lengths[n]:, :] = np.nan
    return x, y.astype(np.int64), lengths.astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--npz", action="store_true")
    p.add_argument("--npz-compressed", action="store_true")
    p.add_argument("--train", type=int, default=2048)
    p.add_argument("--test", type=int, default=512)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    for split, count in (("train", a.train), ("test", a.test)):
        x, y, lengths = make(count, rng)
        if a.npz or a.npz_compressed:
            save = np.savez_compressed if a.npz_compressed else np.savez
            save(os.path.join(a.dir, split + ".npz"), x=x, y=y, len=lengths)
        else:
            np.save(os.path.join(a.dir, split + "_x.npy"), x)
            np.save(os.path.join(a.dir, split + "_y.npy"), y)
            np.save(os.path.join(a.dir, split + "_len.npy"), lengths)


if __name__ == "__main__":
    main()
