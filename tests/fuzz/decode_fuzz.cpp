// libFuzzer target for the sans-I/O codec (codec.hpp): frame() and decode() of arbitrary
// octets with and without four-octet AS (RFC 6793), and for every decoded message an encode()
// whose output must decode again to the same value (tests/fuzz/roundtrip.hpp lists what a
// legitimate re-encoding may change). Run by scripts/fuzz.sh; crashers are replayed by
// tests/bgp/wire/bad_vectors_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "roundtrip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace msee::bgp::wire;
  const auto outcome = fuzz::replay(ByteSpan(data, size));
  if (outcome.failure) {
    std::fprintf(stderr, "decode_fuzz: %s\n", outcome.failure->c_str());
    std::abort();
  }
  return 0;
}
