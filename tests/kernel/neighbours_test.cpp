// The neighbour table over rtnetlink (kernel/neighbours.cpp, R17, R84): lo's table dumped
// without privileges, unknown interface indexes, and the RTM_GETNEIGH dump parser fed
// hand-built, truncated and hostile replies.
#include <catch2/catch.hpp>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "kernel/links.hpp"

using namespace msee;
namespace kernel = msee::kernel;
using bgp::wire::IpAddress;
using Status = kernel::detail::DumpChunk::Status;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// Builds netlink replies byte by byte, the way the kernel lays them out.
class Reply {
 public:
  // Starts a message; attributes follow through attr(); end() fixes its length.
  Reply& begin(std::uint16_t type, std::uint32_t seq, std::uint16_t flags = NLM_F_MULTI) {
    start_ = buf_.size();
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    put(&h, sizeof h);
    return *this;
  }
  Reply& neigh(std::uint8_t family, int ifindex, std::uint16_t state, std::uint8_t flags = 0) {
    ndmsg m{};
    m.ndm_family = family;
    m.ndm_ifindex = ifindex;
    m.ndm_state = state;
    m.ndm_flags = flags;
    put(&m, sizeof m);
    return *this;
  }
  Reply& attr(std::uint16_t type, const void* data, std::size_t len) {
    rtattr a{};
    a.rta_len = static_cast<unsigned short>(sizeof a + len);
    a.rta_type = type;
    put(&a, sizeof a);
    put(data, len);
    buf_.resize((buf_.size() + 3) & ~std::size_t{3}, 0);  // RTA_ALIGN
    return *this;
  }
  Reply& raw(const void* data, std::size_t len) {
    put(data, len);
    return *this;
  }
  Reply& end() {
    const auto len = static_cast<std::uint32_t>(buf_.size() - start_);
    std::memcpy(buf_.data() + start_, &len, sizeof len);
    buf_.resize((buf_.size() + 3) & ~std::size_t{3}, 0);
    return *this;
  }
  Reply& done(std::uint32_t seq, int code = 0) {
    return begin(NLMSG_DONE, seq).raw(&code, sizeof code).end();
  }
  std::vector<std::uint8_t>& bytes() { return buf_; }

 private:
  void put(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  std::vector<std::uint8_t> buf_;
  std::size_t start_ = 0;
};

const std::uint8_t kV4[4] = {10, 255, 0, 1};
const std::uint8_t kMac[6] = {0x02, 0xab, 0xcd, 0x00, 0x00, 0x01};

Reply& arp_entry(Reply& r, std::uint32_t seq, int ifindex, std::uint16_t state) {
  nda_cacheinfo ci{};
  ci.ndm_updated = 4200;  // 42 s at USER_HZ 100
  return r.begin(RTM_NEWNEIGH, seq)
      .neigh(AF_INET, ifindex, state)
      .attr(NDA_DST, kV4, sizeof kV4)
      .attr(NDA_LLADDR, kMac, sizeof kMac)
      .attr(NDA_CACHEINFO, &ci, sizeof ci)
      .end();
}

}  // namespace

TEST_CASE("the neighbour table of lo can be dumped without privileges", "[kernel]") {
  const int lo = static_cast<int>(if_nametoindex("lo"));
  REQUIRE(lo > 0);
  auto table = kernel::neighbours(lo);
  REQUIRE(table.has_value());
  for (const auto& n : *table) {
    CHECK_FALSE(n.state.empty());
  }
  CHECK_FALSE(kernel::neighbour(lo, ip("192.0.2.123")));

  SECTION("an interface index that does not exist is an error with a reason") {
    for (int bad : {0, -1, 0x7ffffff0}) {
      auto r = kernel::neighbours(bad);
      REQUIRE_FALSE(r.has_value());
      CHECK_FALSE(r.error().empty());
    }
  }
}

TEST_CASE("a neighbour dump reply is parsed from raw netlink bytes", "[kernel]") {
  using kernel::detail::parse_neighbour_chunk;
  constexpr std::uint32_t kSeq = 7;
  constexpr int kIf = 5;
  Reply r;

  SECTION("an entry with address, MAC and age, then NLMSG_DONE") {
    arp_entry(r, kSeq, kIf, NUD_REACHABLE).done(kSeq);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    REQUIRE(c.status == Status::Done);
    REQUIRE(c.neighbours.size() == 1);
    CHECK(c.neighbours[0].address == ip("10.255.0.1"));
    CHECK(c.neighbours[0].mac == "02:ab:cd:00:00:01");
    CHECK(c.neighbours[0].state == "REACHABLE");
    CHECK(c.neighbours[0].updated_seconds_ago == 42);
    CHECK_FALSE(c.interrupted);
  }
  SECTION("a multi-part dump without NLMSG_DONE asks for more") {
    arp_entry(r, kSeq, kIf, NUD_STALE);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    CHECK(c.status == Status::More);
    CHECK(c.neighbours.size() == 1);
    CHECK(parse_neighbour_chunk({}, kIf, kSeq, 100).status == Status::More);
  }
  SECTION("an unresolved IPv6 entry has no MAC") {
    std::uint8_t v6[16] = {0xfe, 0x80};
    v6[15] = 1;
    r.begin(RTM_NEWNEIGH, kSeq).neigh(AF_INET6, kIf, NUD_FAILED).attr(NDA_DST, v6, 16).end();
    r.done(kSeq);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    REQUIRE(c.neighbours.size() == 1);
    CHECK(c.neighbours[0].address == ip("fe80::1"));
    CHECK(c.neighbours[0].mac.empty());
    CHECK(c.neighbours[0].state == "FAILED");
    CHECK(kernel::cisco_mac(c.neighbours[0].mac) == "Incomplete");
  }
  SECTION("other links, other families, proxies and stale sequence numbers are skipped") {
    arp_entry(r, kSeq, kIf + 1, NUD_REACHABLE);
    arp_entry(r, kSeq + 1, kIf, NUD_REACHABLE);
    r.begin(RTM_NEWNEIGH, kSeq).neigh(AF_BRIDGE, kIf, NUD_PERMANENT)
        .attr(NDA_LLADDR, kMac, sizeof kMac).end();
    r.begin(RTM_NEWNEIGH, kSeq).neigh(AF_INET, kIf, NUD_NONE, NTF_PROXY)
        .attr(NDA_DST, kV4, sizeof kV4).end();
    r.done(kSeq + 1, -EBUSY);  // not ours: must not fail this dump
    r.done(kSeq);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    CHECK(c.status == Status::Done);
    CHECK(c.neighbours.empty());
  }
  SECTION("an entry with a malformed attribute is dropped, the rest survive") {
    const std::uint8_t short_dst[3] = {10, 0, 0};
    r.begin(RTM_NEWNEIGH, kSeq).neigh(AF_INET, kIf, NUD_STALE)
        .attr(NDA_DST, short_dst, sizeof short_dst).end();
    // An attribute whose length claims more than the message holds.
    r.begin(RTM_NEWNEIGH, kSeq).neigh(AF_INET, kIf, NUD_STALE);
    rtattr liar{};
    liar.rta_len = 200;
    liar.rta_type = NDA_DST;
    r.raw(&liar, sizeof liar).raw(kV4, sizeof kV4).end();
    arp_entry(r, kSeq, kIf, NUD_DELAY).done(kSeq);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    CHECK(c.status == Status::Done);
    REQUIRE(c.neighbours.size() == 1);
    CHECK(c.neighbours[0].state == "DELAY");
  }
  SECTION("a message longer than the datagram fails the dump") {
    arp_entry(r, kSeq, kIf, NUD_REACHABLE);
    auto& b = r.bytes();
    b.resize(b.size() - 8);
    auto c = parse_neighbour_chunk(b, kIf, kSeq, 100);
    CHECK(c.status == Status::Failed);
    CHECK_THAT(c.error, Catch::Contains("truncated"));
  }
  SECTION("a header length below the header size fails the dump") {
    r.begin(RTM_NEWNEIGH, kSeq).end();
    const std::uint32_t tiny = 4;
    std::memcpy(r.bytes().data(), &tiny, sizeof tiny);
    CHECK(parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100).status == Status::Failed);
  }
  SECTION("NLMSG_ERROR and an error in NLMSG_DONE carry the errno text") {
    nlmsgerr e{};
    e.error = -EPERM;
    r.begin(NLMSG_ERROR, kSeq, 0).raw(&e, sizeof e).end();
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    CHECK(c.status == Status::Failed);
    CHECK_THAT(c.error, Catch::Contains(std::strerror(EPERM)));

    Reply d;
    d.done(kSeq, -ENOBUFS);
    auto c2 = parse_neighbour_chunk(d.bytes(), kIf, kSeq, 100);
    CHECK(c2.status == Status::Failed);
    CHECK_THAT(c2.error, Catch::Contains(std::strerror(ENOBUFS)));
  }
  SECTION("an interrupted dump is flagged so that the caller retries") {
    r.begin(RTM_NEWNEIGH, kSeq, NLM_F_MULTI | NLM_F_DUMP_INTR)
        .neigh(AF_INET, kIf, NUD_PERMANENT)
        .attr(NDA_DST, kV4, sizeof kV4)
        .end()
        .done(kSeq);
    auto c = parse_neighbour_chunk(r.bytes(), kIf, kSeq, 100);
    CHECK(c.interrupted);
    REQUIRE(c.neighbours.size() == 1);
    CHECK(c.neighbours[0].state == "PERMANENT");
  }
}
