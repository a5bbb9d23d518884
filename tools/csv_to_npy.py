#!/usr/bin/python3
"""Converts a long-format CSV of sequences into seqtrain's npy layout.

One row per step: a sequence id, a step number, feature columns and the sequence's
target (class), e.g.

    sequence_id,step,accel_x,accel_y,label
    walk-01,0,0.12,0.80,walk
    walk-01,1,0.10,0.82,walk
    ...

Writes OUT/train_x.npy (N, T, I) float32, OUT/train_y.npy (N,) int64,
OUT/train_len.npy (N,) int64, and the same with test_ for the held-out part:
each sequence's rows sorted by step, padded with zeros to the longest sequence
(T). Targets that are all integers are the class ids; otherwise the distinct
values, sorted, become ids 0, 1, ... and OUT/classes.txt lists them in that
order. Then: seqtrain train --data-dir OUT --set model.time_steps=T
--set model.input_size=I --set model.num_classes=K (printed at the end).

usage: csv_to_npy.py CSV OUT [--id-column C] [--step-column C] [--target-column C]
                     [--features A,B,...] [--test-fraction F | --test-ids FILE] [--seed S]
"""
import argparse
import csv
import os
import sys

import numpy as np


class InputError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv", help="the long-format CSV file (with a header row)")
    p.add_argument("out", help="folder for train_*.npy and test_*.npy (created)")
    p.add_argument("--id-column", default="sequence_id")
    p.add_argument("--step-column", default="step")
    p.add_argument("--target-column", default="target")
    p.add_argument("--features", help="comma-separated feature columns (default: every other one)")
    p.add_argument("--test-fraction", type=float, default=0.2,
                   help="share of the sequences held out as the test set (default 0.2)")
    p.add_argument("--test-ids", help="file with one sequence id per line: these are the test set")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    a = p.parse_args(argv)
    if not 0 <= a.test_fraction < 1:
        p.error("--test-fraction %g: must be in [0, 1)" % a.test_fraction)
    return a


def read_sequences(path, a):
    """{id: (rows of (step, features), target)} in order of first appearance, and the features."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("%s: empty file (expected a header row)" % path)
        header = [h.strip() for h in header]
        for column in (a.id_column, a.step_column, a.target_column):
            if column not in header:
                raise InputError("%s:1: no column '%s' (columns: %s)" % (path, column, ", ".join(header)))
        fixed = {a.id_column, a.step_column, a.target_column}
        features = a.features.split(",") if a.features else [h for h in header if h not in fixed]
        for column in features:
            if column not in header:
                raise InputError("%s:1: no feature column '%s' (columns: %s)" % (path, column, ", ".join(header)))
        if not features:
            raise InputError("%s:1: no feature columns" % path)
        index = {h: i for i, h in enumerate(header)}
        sequences = {}
        for line, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise InputError("%s:%d: %d fields, the header has %d" % (path, line, len(row), len(header)))
            sid = row[index[a.id_column]].strip()
            try:
                step = int(row[index[a.step_column]])
            except ValueError:
                raise InputError("%s:%d: %s = '%s': not an integer step" % (path, line, a.step_column, row[index[a.step_column]]))
            values = []
            for column in features:
                text = row[index[column]]
                try:
                    v = float(text)
                except ValueError:
                    raise InputError("%s:%d: %s = '%s': not a number" % (path, line, column, text))
                if not np.isfinite(v):
                    raise InputError("%s:%d: %s = %s: not finite" % (path, line, column, text))
                values.append(v)
            target = row[index[a.target_column]].strip()
            rows, first_target, first_line = sequences.setdefault(sid, ([], target, line))
            if target != first_target:
                raise InputError("%s:%d: %s = '%s' but sequence '%s' has '%s' (line %d): one target "
                                 "per sequence" % (path, line, a.target_column, target, sid, first_target, first_line))
            rows.append((step, line, values))
    if not sequences:
        raise InputError("%s: no data rows" % path)
    return sequences, features


def class_ids(targets):
    """Class ids for the targets, and the class names when they are not integers already."""
    try:
        ids = [int(t) for t in targets]
        if min(ids) < 0:
            raise InputError("target %d: class ids must not be negative" % min(ids))
        return ids, None
    except ValueError:
        names = sorted(set(targets))
        return [names.index(t) for t in targets], names


def arrays(path, sequences, ids, steps, inputs):
    x = np.zeros((len(ids), steps, inputs), dtype="<f4")
    lengths = np.zeros(len(ids), dtype="<i8")
    for n, sid in enumerate(ids):
        rows = sorted(sequences[sid][0])
        for k in range(1, len(rows)):
            if rows[k][0] == rows[k - 1][0]:
                raise InputError("%s:%d: step %d of sequence '%s' again (first on line %d)"
                                 % (path, rows[k][1], rows[k][0], sid, rows[k - 1][1]))
        for t, (_, _, values) in enumerate(rows):
            x[n, t] = values
        lengths[n] = len(rows)
    return x, lengths


def main(argv):
    a = parse_args(argv)
    try:
        sequences, features = read_sequences(a.csv, a)
        order = list(sequences)
        ids, names = class_ids([sequences[s][1] for s in order])
        target_of = dict(zip(order, ids))
        if a.test_ids:
            with open(a.test_ids) as f:
                wanted = {line.strip() for line in f if line.strip()}
            unknown = sorted(wanted - set(order))
            if unknown:
                raise InputError("%s: sequence '%s' is not in %s" % (a.test_ids, unknown[0], a.csv))
            test = [s for s in order if s in wanted]
        else:
            shuffled = np.random.default_rng(a.seed).permutation(len(order))
            count = int(round(a.test_fraction * len(order)))
            test = [order[i] for i in sorted(shuffled[:count])]
        test_set = set(test)
        train = [s for s in order if s not in test_set]
        if not train:
            raise InputError("%s: every sequence went to the test set" % a.csv)
        steps = max(len(sequences[s][0]) for s in order)
        os.makedirs(a.out, exist_ok=True)
        for split, part in (("train", train), ("test", test)):
            if not part:
                continue
            x, lengths = arrays(a.csv, sequences, part, steps, len(features))
            np.save(os.path.join(a.out, split + "_x.npy"), x)
            np.save(os.path.join(a.out, split + "_y.npy"), np.array([target_of[s] for s in part], dtype="<i8"))
            np.save(os.path.join(a.out, split + "_len.npy"), lengths)
        if names is not None:
            with open(os.path.join(a.out, "classes.txt"), "w") as f:
                f.write("".join(n + "\n" for n in names))
    except (InputError, OSError) as e:
        print("csv_to_npy.py: error: %s" % e, file=sys.stderr)
        return 1
    classes = len(names) if names is not None else max(ids) + 1
    print("%s: %d train and %d test sequences of up to %d steps of %d features (%s), %d classes"
          % (a.out, len(train), len(test), steps, len(features), ", ".join(features), classes))
    print("train with: seqtrain train --data-dir %s --set model.time_steps=%d --set model.input_size=%d "
          "--set model.num_classes=%d" % (a.out, steps, len(features), classes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
