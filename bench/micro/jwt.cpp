// Signing and verifying one tern access token (the claims /v2/token issues),
// 300,000 each, on one thread: what every /v2 request pays before its work.
//
//   g++ -O2 -std=c++20 -I. bench/micro/jwt.cpp core/jwt.cpp core/hmac.cpp \
//       core/base64url.cpp core/json_writer.cpp -lcrypto -lsimdjson -o build/jwt_bench
//   taskset -c 1 build/jwt_bench
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "core/jwt.hpp"

int main() {
  const int kRuns = std::getenv("RUNS") ? std::atoi(std::getenv("RUNS")) : 300000;
  tern::JwtCodec codec({.keys = {{"k2", std::string(40, 'n')}, {"k1", std::string(40, 'j')}}});
  tern::JwtClaims claims;
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  claims.sub = "1234", claims.nick = "nodebird", claims.tier = "premium", claims.domain = 17;
  claims.iat = now, claims.exp = now + 900, claims.jti = "Zm9vYmFyYmF6cXV4MTIzNA";
  std::size_t sink = 0;
  std::string token;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    token = codec.sign(claims);
    sink += token.size();
  }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i)
    sink += codec.verify(token, now).claims.sub.size();
  auto t2 = std::chrono::steady_clock::now();
  if (codec.verify(token, now).status != tern::JwtStatus::ok) return 1;
  auto ns = [&](auto d) { return std::chrono::duration<double, std::nano>(d).count() / kRuns; };
  std::printf("token: %zu bytes\nsign:   %.0f ns\nverify: %.0f ns\n(sink %zu)\n", token.size(),
              ns(t1 - t0), ns(t2 - t1), sink);
}
