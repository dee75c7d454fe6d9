#include "http/client_address.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>

#include "http/text.hpp"

namespace tern::http {

std::optional<std::string> canonical_address(std::string_view text) {
  std::error_code ec;
  auto a = asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

bool is_trusted_proxy(std::string_view peer, const std::vector<std::string>& trusted) {
  if (trusted.empty()) return false;
  auto canonical = canonical_address(peer);
  return canonical && std::find(trusted.begin(), trusted.end(), *canonical) != trusted.end();
}

namespace {

// The right-most hop of `list` (X-Forwarded-For lines joined by ", ") that
// is not a trusted proxy; the peer of a trusted proxy already checked.
std::string walk(std::string_view peer, std::string_view list,
                 const std::vector<std::string>& trusted) {
  // Each hop appended the address it received from: read from the right.
  std::string last;
  while (!list.empty()) {
    auto comma = list.rfind(',');
    std::string_view hop = trim_ows(comma == list.npos ? list : list.substr(comma + 1));
    list = comma == list.npos ? std::string_view{} : list.substr(0, comma);
    if (hop.empty()) continue;
    auto canonical = canonical_address(hop);
    if (!canonical) break;  // garbage: trust nothing further left
    if (std::find(trusted.begin(), trusted.end(), *canonical) == trusted.end()) return *canonical;
    last = std::move(*canonical);
  }
  return last.empty() ? std::string(peer) : last;
}

}  // namespace

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<std::string>& trusted) {
  if (!forwarded_for || !is_trusted_proxy(peer, trusted)) return std::string(peer);
  return walk(peer, *forwarded_for, trusted);
}

std::string client_address(std::string_view peer, const std::vector<Header>& headers,
                           const std::vector<std::string>& trusted) {
  if (!is_trusted_proxy(peer, trusted)) return std::string(peer);
  std::string joined;
  for (const auto& h : headers) {
    if (h.name != "x-forwarded-for") continue;
    if (!joined.empty()) joined += ", ";
    joined += h.value;
  }
  return walk(peer, joined, trusted);
}

std::string address_bucket(std::string_view address) {
  std::error_code ec;
  auto a = asio::ip::make_address(std::string(address), ec);
  if (ec) return std::string(address);
  if (a.is_v4()) return a.to_string();
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < 16; ++i)
    bytes[i] = 0;
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace tern::http
