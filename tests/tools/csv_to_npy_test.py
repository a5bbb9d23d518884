#!/usr/bin/python3
"""tools/csv_to_npy.py: a small long-format CSV converted and checked value by value, the
split options, one-line errors with exit 1, and the output loaded by seqtrain.

usage: csv_to_npy_test.py TOOL SEQTRAIN SCRATCH
"""
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

TOOL, SEQTRAIN, SCRATCH = sys.argv[1:4]

# Rows out of order on purpose: sequences are kept in order of first appearance, steps sorted.
CSV = """sequence_id,step,a,b,label
s1,1,1.5,-1,run
s2,0,7,8,walk
s1,0,0.5,-2,run
s3,0,3,3,sit
s1,2,2.5,0,run
s3,2,5,5,sit
s3,1,4,4,sit
s4,0,9,9,walk
s4,1,10,10,walk
s3,3,6,6,sit
"""


def run(*args, expect=0):
    p = subprocess.run(["/usr/bin/python3", TOOL, *args], capture_output=True, text=True)
    if p.returncode != expect:
        raise AssertionError("exit %d, expected %d: %s %s" % (p.returncode, expect, p.stdout, p.stderr))
    return p


class CsvToNpy(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(SCRATCH, self.id().split(".")[-1])
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.csv = os.path.join(self.dir, "data.csv")
        with open(self.csv, "w") as f:
            f.write(CSV)

    def load(self, split):
        out = os.path.join(self.dir, "out")
        return [np.load(os.path.join(out, "%s_%s.npy" % (split, k))) for k in ("x", "y", "len")]

    def test_converts_pads_and_names_classes(self):
        with open(os.path.join(self.dir, "test_ids.txt"), "w") as f:
            f.write("s3\n")
        p = run(self.csv, os.path.join(self.dir, "out"), "--target-column", "label",
                "--test-ids", os.path.join(self.dir, "test_ids.txt"))
        self.assertIn("--set model.time_steps=4 --set model.input_size=2 --set model.num_classes=3",
                      p.stdout)
        x, y, n = self.load("train")
        self.assertEqual((x.dtype.str, y.dtype.str, n.dtype.str), ("<f4", "<i8", "<i8"))
        self.assertEqual(x.shape, (3, 4, 2))  # s1, s2, s4 padded to s3's 4 steps
        np.testing.assert_array_equal(x[0], [[0.5, -2], [1.5, -1], [2.5, 0], [0, 0]])
        np.testing.assert_array_equal(x[1], [[7, 8], [0, 0], [0, 0], [0, 0]])
        np.testing.assert_array_equal(x[2], [[9, 9], [10, 10], [0, 0], [0, 0]])
        np.testing.assert_array_equal(n, [3, 1, 2])
        # Classes sorted by name: run 0, sit 1, walk 2.
        np.testing.assert_array_equal(y, [0, 2, 2])
        with open(os.path.join(self.dir, "out", "classes.txt")) as f:
            self.assertEqual(f.read(), "run\nsit\nwalk\n")
        tx, ty, tn = self.load("test")
        np.testing.assert_array_equal(tx, [[[3, 3], [4, 4], [5, 5], [6, 6]]])
        np.testing.assert_array_equal(ty, [1])
        np.testing.assert_array_equal(tn, [4])

    def test_feature_choice_integer_targets_and_a_seeded_split(self):
        with open(self.csv, "w") as f:
            f.write(CSV.replace("run", "2").replace("walk", "0").replace("sit", "1")
                    .replace("label", "target"))
        out = os.path.join(self.dir, "out")
        run(self.csv, out, "--features", "b", "--test-fraction", "0.5", "--seed", "3")
        x, y, n = self.load("train")
        tx, ty, tn = self.load("test")
        self.assertEqual(x.shape[1:], (4, 1))
        self.assertEqual(len(y) + len(ty), 4)
        self.assertEqual(len(ty), 2)
        self.assertFalse(os.path.exists(os.path.join(out, "classes.txt")))
        lengths = {"s1": 3, "s2": 1, "s3": 4, "s4": 2}
        targets = {"s1": 2, "s2": 0, "s3": 1, "s4": 0}
        self.assertEqual(sorted(list(n) + list(tn)), sorted(lengths.values()))
        self.assertEqual(sorted(list(y) + list(ty)), sorted(targets.values()))
        # The same seed gives the same split.
        run(self.csv, out + "2", "--features", "b", "--test-fraction", "0.5", "--seed", "3")
        np.testing.assert_array_equal(np.load(out + "2/test_y.npy"), ty)
        np.testing.assert_array_equal(np.load(out + "2/test_len.npy"), tn)

    def test_errors_are_one_line_with_file_and_line(self):
        out = os.path.join(self.dir, "out")
        cases = [
            (CSV.replace("s1,2,2.5,0,run", "s1,2,2.5,0,walk"),
             "data.csv:6: label = 'walk' but sequence 's1' has 'run' (line 2): one target per sequence"),
            (CSV.replace("s3,2,5,5", "s3,2,five,5"), "data.csv:7: a = 'five': not a number"),
            (CSV.replace("s3,2,5,5", "s3,1,5,5"),
             "data.csv:8: step 1 of sequence 's3' again (first on line 7)"),
            (CSV.replace("s4,0,9,9,walk", "s4,0,9,walk"), "data.csv:9: 4 fields, the header has 5"),
            (CSV.replace("s4,0,9,9", "s4,0,nan,9"), "data.csv:9: a = nan: not finite"),
        ]
        for text, message in cases:
            with open(self.csv, "w") as f:
                f.write(text)
            p = run(self.csv, out, "--target-column", "label", expect=1)
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
            self.assertTrue(p.stderr.startswith("csv_to_npy.py: error: " + self.csv), p.stderr)
            self.assertIn(message, p.stderr)
        p = run(self.csv, out, expect=1)  # no column "target"
        self.assertIn("data.csv:1: no column 'target' (columns: sequence_id, step, a, b, label)",
                      p.stderr)

    def test_seqtrain_trains_on_the_output(self):
        out = os.path.join(self.dir, "out")
        with open(os.path.join(self.dir, "test_ids.txt"), "w") as f:
            f.write("s3\ns4\n")
        run(self.csv, out, "--target-column", "label", "--test-ids",
            os.path.join(self.dir, "test_ids.txt"))
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        p = subprocess.run([SEQTRAIN, "train", "--data-dir", out, "--set", "model.time_steps=4",
                            "--set", "model.input_size=2", "--set", "model.num_classes=3",
                            "--hidden-size", "4", "--batch-size", "2", "--max-steps", "2"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Optimization Finished!", p.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
