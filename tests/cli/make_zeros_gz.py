# make_zeros_gz.py PATH COUNT: a valid gzip IDX labels file declaring COUNT labels,
# all zeros, written without holding them (2^31-1 labels: ~2 MB of gzip).
import struct
import sys
import zlib

path, count = sys.argv[1], int(sys.argv[2])
header = b"\x00\x00\x08\x01" + struct.pack(">I", count)
piece_size = 1 << 24
zeros = bytes(piece_size)


def deflate(data, finish):
    # A raw deflate piece ending in a full flush can be followed by any other.
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if finish else zlib.Z_FULL_FLUSH)


piece = deflate(zeros, False)
with open(path, "wb") as out:
    out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
    out.write(deflate(header, False))
    crc = zlib.crc32(header)
    done = 0
    while count - done > piece_size:
        out.write(piece)
        crc = zlib.crc32(zeros, crc)
        done += piece_size
    rest = bytes(count - done)
    out.write(deflate(rest, True))
    crc = zlib.crc32(rest, crc)
    out.write(struct.pack("<II", crc, (count + len(header)) & 0xFFFFFFFF))
