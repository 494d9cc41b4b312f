// libFuzzer target for OPEN and capabilities: one OPEN message body (version octet on; the
// header is added) through the codec, fsm::negotiate() against several local configurations
// and the FSM in OpenSent, with the invariants listed in open_check.hpp. Run by
// scripts/fuzz.sh; crashers land in tests/bgp/fsm/vectors/bad/ and are replayed, with the seed
// corpus tests/fuzz/open_corpus/, by tests/bgp/fsm/open_vectors_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "open_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (auto failure = msee::bgp::fuzz::check_open({data, size})) {
    std::fprintf(stderr, "open_fuzz: invariant violated: %s\n", failure->c_str());
    std::abort();
  }
  return 0;
}
