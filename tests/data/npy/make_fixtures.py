#!/usr/bin/python3
"""Writes the .npy/.npz fixtures of npy_file_test and the npy fuzz corpus with NumPy itself
(the independent writer the reader is checked against). Rerun from this folder:
/usr/bin/python3 make_fixtures.py
Values: x = arange(N*T*I).reshape(N, T, I) / 4 (exact in every float type), y = arange(N) % 3.
"""
import io

import numpy as np
from numpy.lib import format as npf

N, T, I = 3, 4, 2
x = (np.arange(N * T * I).reshape(N, T, I) / 4.0)


def save(name, a, version):
    with open(name, "wb") as f:
        npf.write_array(f, a, version=version)


save("x_f4_v1.npy", x.astype("<f4"), (1, 0))
save("x_f8_v2.npy", x.astype("<f8"), (2, 0))
save("x_u1_v3.npy", (np.arange(N * T * I).reshape(N, T, I) * 10).astype("|u1"), (3, 0))
for d in ("|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8"):
    save("y_%s.npy" % d[1:], (np.arange(N) % 3).astype(d), (1, 0))
save("y_i8_negative.npy", np.array([-1, 0, 2**40], dtype="<i8"), (1, 0))
save("scalar_f8.npy", np.array(2.5), (1, 0))
save("fortran_f4.npy", np.asfortranarray(x.astype("<f4")), (1, 0))
save("big_endian_f4.npy", x.astype(">f4"), (1, 0))
save("structured.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]), (1, 0))
save("empty_f4.npy", np.zeros((0, T, I), dtype="<f4"), (1, 0))
lengths = np.array([4, 1, 3], dtype="<i8")
y = (np.arange(N) % 3).astype("<i8")
np.savez("stored.npz", x=x.astype("<f4"), y=y, len=lengths)
np.savez_compressed("deflated.npz", x=x.astype("<f4"), y=y, len=lengths)

# stored.npz with its end records in zip64 form (as an archive of > 65535 members or > 4 GiB
# has them): a zip64 end of central directory record and its locator before the end record,
# whose own fields say 0xFFFF...; Python's zipfile reads it back.
import struct
import zipfile

b = open("stored.npz", "rb").read()
end = b.rindex(b"PK\x05\x06")
_, _, _, entries, _, cd_size, cd_offset, _ = struct.unpack("<IHHHHIIH", b[end:end + 22])
record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, entries, entries, cd_size,
                     cd_offset)
locator = struct.pack("<IIQI", 0x07064B50, 0, end, 1)
eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
open("zip64_end.npz", "wb").write(b[:end] + record + locator + eocd)
with zipfile.ZipFile("zip64_end.npz") as z:
    assert z.namelist() == ["x.npy", "y.npy", "len.npy"]
assert (np.load("zip64_end.npz")["x"] == x.astype("<f4")).all()
