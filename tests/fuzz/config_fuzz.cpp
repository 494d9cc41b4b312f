// libFuzzer target for the config parsers behind `msee-emu --check`: the router config
// (speaker::parse_router_config) and the circuit config (config::parse_emulator_config, then
// the plan), both run on every input whatever its kind. Invariants: router_config_check.hpp and
// circuit_config_check.hpp. Run by scripts/fuzz.sh with tests/fuzz/config_corpus/ and
// tests/fuzz/config.dict; crashers land in tests/msee/config/vectors/bad/ and are replayed by
// tests/speaker/config_vectors_test.cpp and tests/msee/config/config_vectors_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "circuit_config_check.hpp"
#include "router_config_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto check : {&msee::fuzz::check_router_config, &msee::fuzz::check_circuit_config}) {
    if (auto failure = check(text)) {
      std::fprintf(stderr, "config_fuzz: invariant violated: %s\n", failure->c_str());
      std::abort();
    }
  }
  return 0;
}
