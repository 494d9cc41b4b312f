// Replays the config fuzz inputs — the seed corpus in tests/fuzz/config_corpus/ and every
// crasher scripts/fuzz.sh saved in tests/msee/config/vectors/bad/ — through the circuit half of
// config_fuzz's harness (tests/fuzz/circuit_config_check.hpp): parse_emulator_config, then the
// plan and its JSON; no exception, and every failure a list of errors with a JSON Pointer path
// and a reason. The router half is tests/speaker/config_vectors_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../../fuzz/circuit_config_check.hpp"

TEST_CASE("Config fuzz seeds and saved crashers load or fail cleanly as circuit configs",
          "[circuit-config]") {
  namespace fs = std::filesystem;
  const fs::path root(MSEE_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const auto& dir :
       {root / "tests/fuzz/config_corpus", root / "tests/msee/config/vectors/bad"}) {
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
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto failure = msee::fuzz::check_circuit_config(text);
    if (failure) {
      FAIL(*failure);
    }
  }
}
