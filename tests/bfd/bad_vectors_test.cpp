// Replays the BFD fuzz scripts — the seed corpus in tests/fuzz/bfd_corpus/ and any crasher
// scripts/fuzz.sh saved in tests/bfd/vectors/bad/ — through the same harness the fuzzer runs
// (tests/fuzz/bfd_script.hpp), so every invariant it checks is also checked by the unit tests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../fuzz/bfd_script.hpp"

TEST_CASE("BFD fuzz seeds and saved crashers run without violating an invariant", "[bfd]") {
  namespace fs = std::filesystem;
  const fs::path root(MSEE_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const auto& dir : {root / "tests/fuzz/bfd_corpus", root / "tests/bfd/vectors/bad"}) {
    if (fs::is_directory(dir)) {
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 2);  // the seed corpus is in the repository
  for (const auto& path : files) {
    INFO(path.string());
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    const std::vector<std::uint8_t> script{std::istreambuf_iterator<char>(in),
                                           std::istreambuf_iterator<char>()};
    auto failure = msee::fuzz::run_bfd_script(script);
    CHECK_FALSE(failure.has_value());
  }
}
