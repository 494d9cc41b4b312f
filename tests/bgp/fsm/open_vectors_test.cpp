// Replays the OPEN fuzz inputs — the seed corpus in tests/fuzz/open_corpus/ and every crasher
// scripts/fuzz.sh saved in tests/bgp/fsm/vectors/bad/ — through the harness open_fuzz runs
// (tests/fuzz/open_check.hpp): decode, re-encode, negotiate() against each local input, the
// FSM in OpenSent, make_open() of the mirrored configuration. Every invariant the fuzzer
// checks is checked here too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/open_check.hpp"

TEST_CASE("OPEN fuzz seeds and saved crashers hold every invariant", "[bgp][fsm]") {
  namespace fs = std::filesystem;
  const fs::path root(MSEE_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const auto& dir : {root / "tests/fuzz/open_corpus", root / "tests/bgp/fsm/vectors/bad"}) {
    if (fs::is_directory(dir)) {
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);  // the seed corpus is in the repository
  for (const auto& path : files) {
    INFO(path.string());
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    const std::vector<std::uint8_t> body{std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>()};
    const auto failure = msee::bgp::fuzz::check_open(body);
    if (failure) {
      FAIL(*failure);
    }
  }
}
