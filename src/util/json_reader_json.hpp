// Shared reader for the JSON config files (router and circuit configs): typed accessors that
// record every problem with its JSON Pointer path instead of stopping at the first. Included
// only by *_json.cpp files (scripts/check-layers.sh), which are the only JSON adapters.
#pragma once

#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "util/config_error.hpp"
#include "util/text.hpp"

namespace msee::util {

class JsonReader {
 public:
  using json = nlohmann::json;
  std::vector<ConfigError> errors;

  void fail(const std::string& path, std::string reason) {
    // A required key the user typo'd was already reported once, with "did you mean".
    if (reason == "required" && std::find(suggested.begin(), suggested.end(), path) !=
                                    suggested.end()) {
      return;
    }
    errors.push_back({path.empty() ? "/" : path, std::move(reason)});
  }

  // An unknown key, with the known key it most likely meant; that key's own path is then
  // remembered so its "required" is not reported a second time.
  void unknown_key(const std::string& path, const std::string& key,
                   const std::vector<const char*>& known) {
    auto guess = closest(key, known);
    if (guess.empty()) {
      fail(path + "/" + key, "unknown key");
      return;
    }
    fail(path + "/" + key, "unknown key; did you mean \"" + guess + "\"?");
    suggested.push_back(path + "/" + guess);
  }
  // Paths of keys an "unknown key; did you mean" finding named.
  std::vector<std::string> suggested;

  // Reports keys of `obj` that are not in `known`.
  void only_keys(const json& obj, const std::string& path,
                 std::initializer_list<const char*> known) {
    only_keys(obj, path, std::vector<const char*>(known));
  }
  void only_keys(const json& obj, const std::string& path, const std::vector<const char*>& known) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (const char* k : known) {
        ok = ok || key == k;
      }
      if (!ok) {
        unknown_key(path, key, known);
      }
    }
  }

  bool is_object(const json& j, const std::string& path) {
    if (!j.is_object()) {
      fail(path, "must be an object");
      return false;
    }
    return true;
  }

  // Calls fn(element, "/key/i") for each object of the optional top-level array `key`;
  // reports a non-array and non-object elements.
  template <class Fn>
  void each_object(const json& root, const char* key, Fn&& fn) {
    if (!root.contains(key)) {
      return;
    }
    const auto& arr = root.at(key);
    if (!arr.is_array()) {
      fail(fmt::format("/{}", key), "must be an array");
      return;
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto path = fmt::format("/{}/{}", key, i);
      if (is_object(arr[i], path)) {
        fn(arr[i], path);
      }
    }
  }

  template <class Int>
  std::optional<Int> integer(const json& obj, const std::string& path, const char* key,
                             std::uint64_t min, std::uint64_t max, bool required) {
    if (!obj.contains(key)) {
      if (required) {
        fail(path + "/" + key, "required");
      }
      return std::nullopt;
    }
    const auto& v = obj.at(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      fail(path + "/" + key, fmt::format("must be an integer in {}..{}", min, max));
      return std::nullopt;
    }
    auto n = v.get<std::uint64_t>();
    if (n < min || n > max) {
      fail(path + "/" + key, fmt::format("{} is out of range {}..{}", n, min, max));
      return std::nullopt;
    }
    return static_cast<Int>(n);
  }

  std::optional<bool> boolean(const json& obj, const std::string& path, const char* key) {
    if (!obj.contains(key)) {
      return std::nullopt;
    }
    if (!obj.at(key).is_boolean()) {
      fail(path + "/" + key, "must be true or false");
      return std::nullopt;
    }
    return obj.at(key).get<bool>();
  }

  std::optional<std::string> string(const json& obj, const std::string& path, const char* key,
                                    bool required) {
    if (!obj.contains(key)) {
      if (required) {
        fail(path + "/" + key, "required");
      }
      return std::nullopt;
    }
    if (!obj.at(key).is_string()) {
      fail(path + "/" + key, "must be a string");
      return std::nullopt;
    }
    return obj.at(key).get<std::string>();
  }

  // The string at `key` parsed by `parse` (returning an optional); a string it refuses is
  // reported as "'<text>' is not <what>".
  template <class T, class ParseFn>
  std::optional<T> parsed(const json& obj, const std::string& path, const char* key,
                          bool required, ParseFn parse, const char* what) {
    auto s = string(obj, path, key, required);
    if (!s) {
      return std::nullopt;
    }
    std::optional<T> v = parse(*s);
    if (!v) {
      fail(path + "/" + key, fmt::format("'{}' is not {}", *s, what));
    }
    return v;
  }

  // A list of strings each parsed by `parse`; bad entries are reported by index.
  template <class T, class ParseFn>
  std::vector<T> string_list(const json& obj, const std::string& path, const char* key,
                             ParseFn parse, const char* what) {
    std::vector<T> out;
    if (!obj.contains(key)) {
      return out;
    }
    const auto& arr = obj.at(key);
    if (!arr.is_array()) {
      fail(path + "/" + key, "must be an array");
      return out;
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto p = fmt::format("{}/{}/{}", path, key, i);
      if (!arr[i].is_string()) {
        fail(p, "must be a string");
        continue;
      }
      auto v = parse(arr[i].get<std::string>());
      if (!v) {
        fail(p, fmt::format("'{}' is not a valid {}", arr[i].get<std::string>(), what));
        continue;
      }
      out.push_back(*v);
    }
    return out;
  }

};

}  // namespace msee::util
