// Replays the HTTP fuzz inputs — the seed corpus in tests/fuzz/http_corpus/ and every crasher
// scripts/fuzz.sh saved in tests/api/vectors/bad/ — through the harness http_fuzz runs
// (tests/fuzz/http_serve.hpp): Beast's request parser, handle_api_request on a fresh emulator,
// the answer as the server writes it. No exception, only the statuses the API gives client
// input, JSON bodies, Azure-shaped errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/http_serve.hpp"

TEST_CASE("HTTP fuzz seeds and saved crashers are answered within the API's contract", "[api]") {
  namespace fs = std::filesystem;
  const fs::path root(MSEE_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const auto& dir : {root / "tests/fuzz/http_corpus", root / "tests/api/vectors/bad"}) {
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
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<msee::api::ApiResponse> answers;
    const auto failure = msee::fuzz::serve_http_bytes(bytes, &answers);
    if (failure) {
      FAIL(*failure);
    }
    CHECK_FALSE(answers.empty());  // every seed gets at least one answer
  }
}

TEST_CASE("HTTP fuzz harness: requests reach the handlers, parse errors are 400/413", "[api]") {
  auto statuses = [](const std::string& bytes) {
    std::vector<msee::api::ApiResponse> answers;
    const auto failure = msee::fuzz::serve_http_bytes(bytes, &answers);
    INFO(failure.value_or(""));
    CHECK_FALSE(failure.has_value());
    std::vector<unsigned> out;
    for (const auto& a : answers) {
      out.push_back(a.status);
    }
    return out;
  };
  const std::string peering = "/v1/circuits/ckt/peerings/AzurePrivatePeering";
  // Pipelined on one keep-alive connection: a change, a view of it, and two errors.
  CHECK(statuses("PATCH " + peering + " HTTP/1.1\r\nContent-Length: 21\r\n\r\n"
                 "{\"state\": \"Disabled\"}"
                 "GET " + peering + "/routeTables?path=primary HTTP/1.1\r\n\r\n"
                 "DELETE " + peering + " HTTP/1.1\r\n\r\n"
                 "GET /v1/circuits/nope HTTP/1.1\r\n\r\n") ==
        std::vector<unsigned>{200, 200, 405, 404});
  // HTTP/1.0 closes after one answer; so does a request Beast cannot parse, and one over 64 KiB.
  CHECK(statuses("GET /v1/circuits HTTP/1.0\r\n\r\nGET /v1/circuits HTTP/1.0\r\n\r\n") ==
        std::vector<unsigned>{200});
  CHECK(statuses("GET /v1/circuits HTTP/9.9\r\n\r\n") == std::vector<unsigned>{400});
  CHECK(statuses("POST /v1/reload HTTP/1.1\r\nContent-Length: 70000\r\n\r\n{}") ==
        std::vector<unsigned>{413});
  // Bytes that are not UTF-8 in the echoed name or target: still a 404 with a JSON body
  // (tests/api/vectors/bad/1f37bda6...bin: json::dump threw and the connection got no answer).
  CHECK(statuses("GET /v1/circuits/%FF HTTP/1.1\r\n\r\nGET /v1/x\xfc HTTP/1.1\r\n\r\n") ==
        std::vector<unsigned>{404, 404});
  // A token is required once the input names an Authorization header.
  CHECK(statuses("GET /metrics HTTP/1.1\r\nAuthorization: Bearer nope\r\n\r\n") ==
        std::vector<unsigned>{401});
  CHECK(statuses("GET /metrics HTTP/1.1\r\nAuthorization: Bearer fuzz-token\r\n\r\n") ==
        std::vector<unsigned>{200});
}
