// libFuzzer target for BFD (src/bfd): runs the operation script of bfd_script.hpp on one
// passive session. Run by scripts/fuzz.sh; crashers land in tests/bfd/vectors/bad/ and are
// replayed by tests/bfd/bad_vectors_test.cpp.
#include <cstdio>
#include <cstdlib>

#include "bfd_script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (auto failure = msee::fuzz::run_bfd_script({data, size})) {
    std::fprintf(stderr, "bfd_fuzz: invariant violated: %s\n", failure->c_str());
    std::abort();
  }
  return 0;
}
