// Bounds-checked big-endian reader and writer. Every parser reads only through ByteReader:
// no pointer arithmetic in parser bodies, no read past the end (a short read sets a sticky
// failure flag and returns zeros, so a parser checks ok() once per field group).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace msee::bgp::wire {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data, std::size_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool ok() const { return ok_; }
  bool empty() const { return pos_ >= data_.size(); }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  // Offset of the next byte from the start of the whole message (for error reports).
  std::size_t offset() const { return base_ + pos_; }

  std::uint8_t read_u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t read_u16() {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t read_u32() {
    if (!need(4)) return 0;
    std::uint32_t v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
                      (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  ByteSpan read_bytes(std::size_t n) {
    if (!need(n)) return {};
    ByteSpan s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A reader over the next n bytes (a length-prefixed TLV body); advances this reader.
  ByteReader sub_reader(std::size_t n) {
    std::size_t start = offset();
    ByteSpan s = read_bytes(n);
    ByteReader r(s, start);
    r.ok_ = ok_;
    return r;
  }
  ByteSpan rest() { return read_bytes(remaining()); }

 private:
  bool need(std::size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteSpan data_;
  std::size_t base_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 24));
    out_.push_back(static_cast<std::uint8_t>(v >> 16));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  std::size_t size() const { return out_.size(); }
  // Reserve a length field to patch once the body is written.
  std::size_t placeholder_u8() { u8(0); return out_.size() - 1; }
  std::size_t placeholder_u16() { u16(0); return out_.size() - 2; }
  void patch_u8(std::size_t at, std::uint8_t v) { out_[at] = v; }
  void patch_u16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }

 private:
  Bytes& out_;
};

}  // namespace msee::bgp::wire
