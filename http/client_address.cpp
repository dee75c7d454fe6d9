#include "http/client_address.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>

#include "http/text.hpp"

namespace tern::http {
namespace {

bool is_trusted(std::string_view address, const std::vector<std::string>& trusted) {
  return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
}

}  // namespace

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<std::string>& trusted) {
  if (!forwarded_for || !is_trusted(peer, trusted)) return std::string(peer);
  // Walk from the right: each hop appends the address it received from.
  std::string_view list = *forwarded_for;
  std::string_view last;
  while (!list.empty()) {
    auto comma = list.rfind(',');
    std::string_view hop = trim_ows(comma == list.npos ? list : list.substr(comma + 1));
    list = comma == list.npos ? std::string_view{} : list.substr(0, comma);
    if (hop.empty()) continue;
    std::error_code ec;
    asio::ip::make_address(std::string(hop), ec);
    if (ec) break;  // garbage: trust nothing further left
    if (!is_trusted(hop, trusted)) return std::string(hop);
    last = hop;
  }
  return std::string(last.empty() ? peer : last);
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
