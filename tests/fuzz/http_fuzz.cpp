// libFuzzer target for the REST API: the bytes of one client connection through Beast's
// request parser and handle_api_request, served as src/api/server.cpp serves them, against a
// fresh emulator that is built but not started (http_serve.hpp has the setup and the
// invariants). Run by scripts/fuzz.sh with tests/fuzz/http_corpus/ and tests/fuzz/http.dict;
// crashers land in tests/api/vectors/bad/ and are replayed by tests/api/http_vectors_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "http_serve.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto failure = msee::fuzz::serve_http_bytes(bytes)) {
    std::fprintf(stderr, "http_fuzz: invariant violated: %s\n", failure->c_str());
    std::abort();
  }
  return 0;
}
