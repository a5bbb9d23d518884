// The .npy and .npz readers against files NumPy wrote (tests/data/npy/make_fixtures.py)
// and against damaged copies of them: every problem is one line naming the file.
#include "data/npy_file.h"

#include <gtest/gtest.h>

#include <cstring>

#include "data/data_source.h"
#include "data/npz_archive.h"
#include "support/error_of.h"
#include "support/idx_writer.h"
#include "support/npy_writer.h"
#include "util/error.h"

namespace seqtrain::testing {
namespace {

const std::string kFixtures = SEQTRAIN_NPY_FIXTURES;

std::string Fixture(const std::string& name) { return kFixtures + "/" + name; }

std::string ParseError(const std::vector<uint8_t>& bytes, int64_t max_bytes = data::kMaxNpyBytes) {
  return ErrorOf([&] { data::ParseNpy(bytes, "a.npy", max_bytes); });
}

void ExpectX(const data::NpyArray& a, double scale) {
  ASSERT_EQ(a.shape(), (std::vector<int64_t>{3, 4, 2}));
  ASSERT_EQ(a.count(), 24);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(a.ValueAt(i), i * scale) << a.name << " " << i;
}

TEST(NpyFile, ReadsWhatNumPyWroteInEachVersion) {
  const data::NpyArray f4 = data::ReadNpyFile(Fixture("x_f4_v1.npy"));
  EXPECT_EQ(f4.header.descr, "<f4");
  EXPECT_TRUE(f4.is_float());
  ExpectX(f4, 0.25);
  EXPECT_EQ(f4.ShapeText(), "(3, 4, 2)");
  const data::NpyArray f8 = data::ReadNpyFile(Fixture("x_f8_v2.npy"));
  EXPECT_EQ(f8.header.itemsize, 8);
  ExpectX(f8, 0.25);
  const data::NpyArray u1 = data::ReadNpyFile(Fixture("x_u1_v3.npy"));
  EXPECT_EQ(u1.header.descr, "|u1");
  ExpectX(u1, 10);
  const data::NpyArray scalar = data::ReadNpyFile(Fixture("scalar_f8.npy"));
  EXPECT_TRUE(scalar.shape().empty());
  EXPECT_EQ(scalar.count(), 1);
  EXPECT_EQ(scalar.ValueAt(0), 2.5);
  EXPECT_EQ(scalar.ShapeText(), "()");
  EXPECT_EQ(data::ReadNpyFile(Fixture("empty_f4.npy")).count(), 0);
}

TEST(NpyFile, ReadsEveryIntegerType) {
  for (const char* t : {"i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"}) {
    const data::NpyArray y = data::ReadNpyFile(Fixture(std::string("y_") + t + ".npy"));
    ASSERT_EQ(y.shape(), (std::vector<int64_t>{3})) << t;
    EXPECT_EQ(y.ShapeText(), "(3,)");
    for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(y.IntegerAt(i), i % 3) << t;
  }
  const data::NpyArray n = data::ReadNpyFile(Fixture("y_i8_negative.npy"));
  EXPECT_EQ(n.IntegerAt(0), -1);
  EXPECT_EQ(n.IntegerAt(2), int64_t{1} << 40);
  // Sign extension of the narrow types.
  const data::NpyArray i1 =
      data::ParseNpy(NpyBytes("|i1", {2}, {0xFF, 0x80}), "i1.npy", data::kMaxNpyBytes);
  EXPECT_EQ(i1.IntegerAt(0), -1);
  EXPECT_EQ(i1.IntegerAt(1), -128);
  const data::NpyArray u8 =
      data::ParseNpy(NpyBytes("<u8", {1}, std::vector<uint8_t>(8, 0xFF)), "u8.npy");
  EXPECT_EQ(u8.IntegerAt(0), INT64_MAX);
}

TEST(NpyFile, MemoryAndFileReadTheSameAndTheChecksumIsTheFiles) {
  const std::string path = Fixture("x_f4_v1.npy");
  data::FileChecksum sum;
  const data::NpyArray from_file = data::ReadNpyFile(path, nullptr, &sum);
  const data::NpyArray from_memory = data::ParseNpy(ReadFile(path), "m.npy");
  EXPECT_EQ(from_file.bytes, from_memory.bytes);
  const data::FileChecksum stored = data::ChecksumFile(path);
  EXPECT_EQ(sum.size, stored.size);
  EXPECT_EQ(sum.crc32c, stored.crc32c);
  int polls = 0;
  EXPECT_THROW(data::ReadNpyFile(path,
                                 [&] {
                                   ++polls;
                                   return true;
                                 }),
               data::LoadStopped);
  EXPECT_EQ(polls, 1);
}

TEST(NpyFile, RefusesWhatItDoesNotReadWithOneLine) {
  EXPECT_EQ(ErrorOf([] { data::ReadNpyFile(Fixture("fortran_f4.npy")); }),
            Fixture("fortran_f4.npy") +
                ": fortran_order = True: only C order is read (save np.ascontiguousarray(a))");
  EXPECT_EQ(ErrorOf([] { data::ReadNpyFile(Fixture("big_endian_f4.npy")); }),
            Fixture("big_endian_f4.npy") +
                ": descr = '>f4': only little-endian data is read (save a.astype('<f4'))");
  EXPECT_EQ(ErrorOf([] { data::ReadNpyFile(Fixture("structured.npy")); }),
            Fixture("structured.npy") +
                ": descr is not a simple type (a structured dtype?): only plain numeric arrays "
                "are read");
  EXPECT_EQ(ParseError(NpyBytes("<f2", {1}, {0, 0})),
            "a.npy: descr = '<f2': not a supported dtype (<f4, <f8, |i1, <i2, <i4, <i8, |u1, "
            "<u2, <u4, <u8)");
  EXPECT_EQ(ParseError(NpyBytes("|b1", {1}, {0})).substr(0, 35),
            "a.npy: descr = '|b1': not a support");
  EXPECT_EQ(ErrorOf([] { data::ReadNpyFile(kFixtures + "/no_such.npy"); }),
            kFixtures + "/no_such.npy: cannot open: No such file or directory");
}

TEST(NpyFile, HeaderDamageIsNamed) {
  const std::vector<uint8_t> good = NpyFloat32({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_EQ(ParseError(good), "");
  std::vector<uint8_t> b = good;
  b[1] = 'X';
  EXPECT_EQ(ParseError(b), "a.npy: not a .npy file (no \\x93NUMPY magic)");
  b = good;
  b[6] = 4;
  EXPECT_EQ(ParseError(b), "a.npy: format version 4.0: only 1.0, 2.0 and 3.0 are read");
  b = good;
  b[8] = 0xFF;
  b[9] = 0xFF;
  EXPECT_EQ(ParseError(b), "a.npy: truncated: the header claims 65535 bytes, 142 are there");
  const std::vector<uint8_t> v2 = NpyBytes("<f4", {1}, {0, 0, 0, 0}, 2);
  EXPECT_EQ(ParseError(v2), "");
  b = v2;
  b[10] = 0xFF;
  b[11] = 0xFF;  // 4 GiB header
  EXPECT_EQ(ParseError(b), "a.npy: header of 4294901876 bytes: more than the 65536 accepted");
  auto with_header = [](std::string dict) {
    dict += '\n';
    std::vector<uint8_t> out = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(dict.size()), 0};
    for (const char c : dict) out.push_back(static_cast<uint8_t>(c));
    return out;
  };
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'shape': (0,)}")),
            "a.npy: header has no 'fortran_order'");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), "
                                   "'extra': 1}")),
            "a.npy: header has key 'extra': expected only descr, fortran_order, shape");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'descr': '<f4'}")),
            "a.npy: header has 'descr' twice");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'fortran_order': false, 'shape': (0,)}")),
            "a.npy: header: fortran_order is false, not True or False");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}")),
            "a.npy: header: shape holds '-', not a non-negative integer");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}")),
            "a.npy: header: expected ',' or ')' in shape, found '3'");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x")),
            "a.npy: header: 'x' after the closing '}'");
  EXPECT_EQ(ParseError(with_header("{'descr': '<f4")), "a.npy: header: unexpected 0x0a in descr");
  // Python 2 era headers: "L" suffixes, double quotes, no trailing comma.
  EXPECT_EQ(ParseError(with_header("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": "
                                   "(0L, 3L)}")),
            "");
}

TEST(NpyFile, SizesAreCheckedBeforeAllocating) {
  const std::vector<uint8_t> good = NpyFloat32({2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<uint8_t> cut(good.begin(), good.end() - 1);
  EXPECT_EQ(ParseError(cut),
            "a.npy: truncated: shape (2, 3) of <f4 is 24 data bytes, the file holds 23");
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_EQ(ParseError(longer),
            "a.npy: trailing bytes: shape (2, 3) of <f4 is 24 data bytes, the file holds 25");
  // Claims that would overflow int64 or exceed the cap are refused from the header alone.
  EXPECT_EQ(ParseError(NpyBytes("<f8", {int64_t{1} << 40, int64_t{1} << 40}, {})),
            "a.npy: shape (1099511627776, 1099511627776) of <f8: more than the 17179869184 "
            "bytes accepted");
  EXPECT_EQ(ParseError(NpyBytes("<f8", {(int64_t{1} << 31) + 1}, {})),
            "a.npy: shape (2147483649,) of <f8: more than the 17179869184 bytes accepted");
  EXPECT_EQ(ParseError(NpyBytes("<f8", {0, int64_t{1} << 62, 4}, {})), "");
  EXPECT_EQ(ParseError(NpyBytes("<f4", {100}, {}), 256),
            "a.npy: shape (100,) of <f4: more than the 256 bytes accepted");
  // A file claiming 1 TiB with 8 bytes of data: an error, fast and small.
  const std::string dir = MakeTempDir("npy_file_huge");
  WriteFile(dir + "/huge.npy", NpyBytes("<f8", {int64_t{1} << 30}, std::vector<uint8_t>(8)));
  EXPECT_EQ(ErrorOf([&] { data::ReadNpyFile(dir + "/huge.npy"); }),
            dir +
                "/huge.npy: truncated: shape (1073741824,) of <f8 is 8589934592 data bytes, the "
                "file holds 8");
}

// The npz fixtures hold x (the f4 fixture's array), y and len.
void ExpectArchive(const data::NpzArchive& npz) {
  EXPECT_EQ(npz.ArrayNames(), (std::vector<std::string>{"x", "y", "len"}));
  const data::NpyArray x = npz.ReadArray("x");
  EXPECT_EQ(x.name, npz.name() + ":x.npy");
  ExpectX(x, 0.25);
  EXPECT_EQ(x.bytes, ReadFile(Fixture("x_f4_v1.npy")));
  const data::NpyArray n = npz.ReadArray("len");
  EXPECT_EQ(n.IntegerAt(0), 4);
  EXPECT_EQ(n.IntegerAt(1), 1);
  EXPECT_EQ(npz.ReadArray("y").IntegerAt(2), 2);
  EXPECT_EQ(npz.Find("z"), nullptr);
  EXPECT_EQ(ErrorOf([&] { npz.ReadArray("z"); }),
            npz.name() + ": no array 'z' (it holds: x, y, len)");
}

TEST(NpzArchive, ReadsStoredAndDeflatedArchivesFromFilesAndMemory) {
  // zip64_end.npz: stored.npz with zip64 end records, which point to the same directory.
  for (const char* name : {"stored.npz", "deflated.npz", "zip64_end.npz"}) {
    SCOPED_TRACE(name);
    const data::NpzArchive file = data::NpzArchive::OpenFile(Fixture(name));
    EXPECT_EQ(file.members()[0].method, std::string(name) == "deflated.npz" ? 8 : 0);
    ExpectArchive(file);
    ExpectArchive(data::NpzArchive::FromMemory(ReadFile(Fixture(name)), name));
  }
}

std::string ArchiveError(const std::vector<uint8_t>& bytes, const char* array = "x") {
  return ErrorOf([&] { data::NpzArchive::FromMemory(bytes, "a.npz").ReadArray(array); });
}

size_t Find(const std::vector<uint8_t>& b, const std::string& what, size_t from = 0) {
  for (size_t i = from; i + what.size() <= b.size(); ++i) {
    if (std::memcmp(&b[i], what.data(), what.size()) == 0) return i;
  }
  ADD_FAILURE() << what << " not found";
  return 0;
}

TEST(NpzArchive, DamageIsNamedWithTheMember) {
  const std::vector<uint8_t> stored = ReadFile(Fixture("stored.npz"));
  const std::vector<uint8_t> deflated = ReadFile(Fixture("deflated.npz"));
  ASSERT_EQ(ArchiveError(stored), "");
  std::vector<uint8_t> b = stored;
  b[Find(b, "NUMPY") + 200] ^= 1;  // a byte of x's data
  const std::string crc = ArchiveError(b);
  EXPECT_EQ(crc.substr(0, 21), "a.npz: x.npy: CRC-32 ") << crc;
  EXPECT_EQ(crc.substr(29), ", its entry says ED506730") << crc;
  EXPECT_EQ(ArchiveError(b, "y"), "");  // the other members are intact
  b = deflated;
  b[80] ^= 0xFF;  // inside x's deflate stream (after 30 + 5 name + 20 zip64 extra bytes)
  EXPECT_NE(ArchiveError(b).find("a.npz: x.npy: "), std::string::npos) << ArchiveError(b);
  b.assign(stored.begin(), stored.end() - 10);
  EXPECT_EQ(ArchiveError(b), "a.npz: not a zip archive (no end of central directory)");
  EXPECT_EQ(ArchiveError({}), "a.npz: not a zip archive (too short)");
  EXPECT_EQ(ArchiveError(ReadFile(Fixture("x_f4_v1.npy"))),
            "a.npz: not a zip archive (no end of central directory)");
  // The central directory's method of x (offset 10 in its entry) says bzip2.
  b = stored;
  const size_t entry = Find(b, "PK\x01\x02");
  b[entry + 10] = 12;
  EXPECT_EQ(ArchiveError(b),
            "a.npz: x.npy: compression method 12 (only stored (0) and deflated (8) are read)");
  b = stored;
  b[entry + 8] |= 1;
  EXPECT_EQ(ArchiveError(b), "a.npz: x.npy: encrypted (not supported)");
  // The directory's size of x, one less: the member's sizes disagree.
  b = stored;
  b[entry + 24] -= 1;
  EXPECT_EQ(ArchiveError(b), "a.npz: x.npy: stored, but its sizes differ (224 vs 223)");
  // A local header that names another member.
  b = stored;
  b[Find(b, "x.npy")] = 'q';
  EXPECT_EQ(ArchiveError(b), "a.npz: x.npy: the local header names it 'q.npy'");
  // A member that claims 2^40 bytes from a few deflated ones is refused before allocating.
  b = deflated;
  const size_t d_entry = Find(b, "PK\x01\x02");
  b[d_entry + 24] = 0xFF;
  b[d_entry + 25] = 0xFF;
  b[d_entry + 26] = 0xFF;
  b[d_entry + 27] = 0x7F;
  EXPECT_NE(ArchiveError(b).find("deflated bytes"), std::string::npos) << ArchiveError(b);
  // The end record's entry count, wrong.
  b = stored;
  b[Find(b, "PK\x05\x06") + 10] = 4;
  EXPECT_EQ(ArchiveError(b), "a.npz: a multi-disk zip archive (not supported)");
  // The zip64 end record's directory offset, moved.
  b = ReadFile(Fixture("zip64_end.npz"));
  ASSERT_EQ(ArchiveError(b), "");
  b[Find(b, "PK\x06\x06") + 48] += 1;
  EXPECT_EQ(ArchiveError(b).substr(0, 42), "a.npz: central directory (155 bytes at off")
      << ArchiveError(b);
}

}  // namespace
}  // namespace seqtrain::testing
