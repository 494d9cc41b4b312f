// Replays every file in vectors/bad/ (fuzz crashers saved by scripts/fuzz.sh as <sha1>.bin,
// plus hand-made malformed inputs) through frame() + decode() with both four_octet_as settings,
// and re-encodes what decodes: nothing may crash, every error must be a registered
// NOTIFICATION code, and every round trip must hold (tests/fuzz/roundtrip.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/roundtrip.hpp"

using namespace msee::bgp::wire;

TEST_CASE("saved bad vectors decode or fail cleanly", "[bgp][wire][update]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(MSEE_TEST_VECTORS) / "bad";
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".bin") {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());

  std::size_t replayed = 0;
  for (const auto& path : files) {
    INFO(path.filename().string());
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    const Bytes input{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const fuzz::ReplayOutcome outcome = fuzz::replay(input);
    if (outcome.failure) {
      FAIL(*outcome.failure);
    }
    ++replayed;
  }
  // An empty or missing directory is fine; the loop must still have seen every file.
  CHECK(replayed == files.size());
}

TEST_CASE("the hand-made bad vector is an AS_PATH overrun treated as withdraw",
          "[bgp][wire][update]") {
  // vectors/bad/1208bf9ea5169f1f20a3d0493aa4f7b5de8a15fc.bin: AS_SEQUENCE claiming 5 ASNs in
  // a 6-octet AS_PATH (RFC 7606 §7.2).
  const Bytes b = from_hex(
      "ffffffffffffffffffffffffffffffff002f0200000014400101004002060205"
      "0000fde9400304c0000201180a0203");
  DecodeContext ctx;
  ctx.four_octet_as = true;
  auto r = decode(b, ctx);
  REQUIRE(r.has_value());
  const auto& u = std::get<UpdateMessage>(*r);
  CHECK(u.action == AttrAction::TreatAsWithdraw);
  REQUIRE(u.issues.size() == 1);
  CHECK(u.issues[0].subcode == UpdateSubcode::MalformedAsPath);
  CHECK_FALSE(u.attributes.as_path.has_value());
}
