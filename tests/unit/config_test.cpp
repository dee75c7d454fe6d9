#include <doctest/doctest.h>

#include <map>

#include "core/config.hpp"

using namespace tern;

namespace {

EnvLookup env(std::map<std::string, std::string> vars) {
  vars.try_emplace("TERN_SESSION_SECRET", std::string(32, 's'));
  vars.try_emplace("TERN_JWT_SECRET", std::string(32, 'j'));
  return [vars](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(std::map<std::string, std::string> vars) {
  try {
    load_config(env(std::move(vars)));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("defaults") {
  auto c = load_config(env({}));
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 8080);
  CHECK(c.max_upload_bytes == 5u << 20);
  CHECK(c.max_header_bytes == 16u << 10);
  CHECK(c.session_store == SessionStoreKind::redis);
  CHECK(c.public_origin == "http://127.0.0.1:8080");
  CHECK(c.threads >= 1);
}

TEST_CASE("values are parsed") {
  auto c = load_config(env({{"TERN_LISTEN", "0.0.0.0:9000"},
                            {"TERN_THREADS", "3"},
                            {"TERN_IDLE_TIMEOUT_MS", "1500"},
                            {"TERN_ACCESS_LOG", "off"},
                            {"TERN_SESSION_STORE", "memory"}}));
  CHECK(c.listen_host == "0.0.0.0");
  CHECK(c.listen_port == 9000);
  CHECK(c.threads == 3);
  CHECK(c.idle_timeout == std::chrono::milliseconds(1500));
  CHECK_FALSE(c.access_log);
  CHECK(c.session_store == SessionStoreKind::memory);
}

TEST_CASE("bad values name the variable") {
  CHECK(error_of({{"TERN_LISTEN", "nope"}}).starts_with("TERN_LISTEN:"));
  CHECK(error_of({{"TERN_THREADS", "0"}}).starts_with("TERN_THREADS:"));
  CHECK(error_of({{"TERN_THREADS", "2x"}}).starts_with("TERN_THREADS:"));
  CHECK(error_of({{"TERN_SESSION_STORE", "files"}}).starts_with("TERN_SESSION_STORE:"));
  CHECK(error_of({{"DATABASE_URL", "mysql://x"}}).starts_with("DATABASE_URL:"));
  CHECK(error_of({{"TERN_JWT_SECRET", "short"}}).starts_with("TERN_JWT_SECRET:"));
  // deploy/tern.env.example's placeholders are long enough, and refused.
  CHECK(error_of({{"TERN_SESSION_SECRET", "CHANGE-ME-session-secret-at-least-32-characters"}})
            .starts_with("TERN_SESSION_SECRET:"));
  CHECK(error_of({{"TERN_JWT_KEYS", "k2:CHANGE-ME-jwt-secret-at-least-32-characters-long"}})
            .starts_with("TERN_JWT_KEYS:"));
  CHECK(error_of({{"TERN_ACCESS_LOG", "maybe"}}).starts_with("TERN_ACCESS_LOG:"));
}

TEST_CASE("required secrets") {
  auto lookup = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  CHECK_THROWS_WITH_AS(load_config(lookup),
                       "TERN_SESSION_SECRET: is required but not set (see tern --help)",
                       ConfigError);
}

TEST_CASE(".env parsing") {
  auto v = parse_dotenv("# comment\nA=1\nexport B = two \nC=\"quoted value\"\nD='x'\nbad line\n\n");
  CHECK(v.size() == 4);
  CHECK(v["A"] == "1");
  CHECK(v["B"] == "two");
  CHECK(v["C"] == "quoted value");
  CHECK(v["D"] == "x");
}

TEST_CASE("help lists every variable") {
  auto h = config_help();
  for (const char* name :
       {"TERN_LISTEN", "TERN_THREADS", "TERN_WORKERS", "DATABASE_URL", "REDIS_URL",
        "TERN_SESSION_STORE", "TERN_SESSION_SECRET", "TERN_JWT_SECRET", "TERN_UPLOAD_DIR",
        "TERN_MAX_UPLOAD_BYTES", "TERN_PUBLIC_ORIGIN"})
    CHECK(h.find(name) != std::string::npos);
}

TEST_CASE("help never cuts a variable's name") {
  auto h = config_help();
  CHECK(h.find("TERN_DB_STATEMENT_TIMEOUT_MS  ") != std::string::npos);
}

TEST_CASE("TERN_PUBLIC_ORIGIN is normalised as a browser spells an origin") {
  auto origin_of = [](std::string v) {
    return load_config(env({{"TERN_PUBLIC_ORIGIN", std::move(v)}})).public_origin;
  };
  CHECK(origin_of("https://Example.COM/") == "https://example.com");
  CHECK(origin_of("HTTPS://example.com:443") == "https://example.com");
  CHECK(origin_of("http://example.com:80/") == "http://example.com");
  CHECK(origin_of("http://example.com:8080") == "http://example.com:8080");
  CHECK(origin_of("http://[::1]:8080") == "http://[::1]:8080");
  CHECK(origin_of("http://[0:0::1]:8080") == "http://[::1]:8080");  // as a browser spells it
  CHECK(origin_of("http://[2001:DB8::1]") == "http://[2001:db8::1]");
  CHECK(origin_of("http://my_app.internal:3000") == "http://my_app.internal:3000");
  for (const char* bad :
       {"example.com", "ftp://example.com", "https://example.com/app", "https://user@example.com",
        "https://example.com:0", "https://example.com:99999", "https://", "null",
        "https://example.com?x=1", "https://[::1]x", "https://[evil", "https://[::1", "https://[]",
        "https://a:b:c"}) {
    CAPTURE(bad);
    CHECK(error_of({{"TERN_PUBLIC_ORIGIN", bad}}).find("TERN_PUBLIC_ORIGIN") != std::string::npos);
  }
}

TEST_CASE("JWT keys: TERN_JWT_SECRET as k1, or TERN_JWT_KEYS instead of it") {
  auto c = load_config(env({}));
  REQUIRE(c.jwt_keys.size() == 1);
  CHECK(c.jwt_keys[0].kid == "k1");
  CHECK(c.jwt_keys[0].secret == std::string(32, 'j'));
  std::string a(32, 'a'), b(32, 'b');
  c = load_config(env({{"TERN_JWT_KEYS", "k2:" + a + ",k1:" + b}}));
  REQUIRE(c.jwt_keys.size() == 2);
  CHECK(c.jwt_keys[0].kid == "k2");
  CHECK(error_of({{"TERN_JWT_KEYS", "k2:short"}}).starts_with("TERN_JWT_KEYS:"));
  CHECK(error_of({{"TERN_JWT_KEYS", "k 2:" + a}}).starts_with("TERN_JWT_KEYS:"));
  // With keys, the single secret may be absent.
  auto keys_only = [&](std::string_view k) -> std::optional<std::string> {
    if (k == "TERN_SESSION_SECRET") return std::string(32, 's');
    if (k == "TERN_JWT_KEYS") return "k9:" + a;
    return std::nullopt;
  };
  CHECK(load_config(keys_only).jwt_keys[0].kid == "k9");
  CHECK(c.rate_free == 60);
  CHECK(load_config(env({{"TERN_RATE_PREMIUM", "5"}})).rate_premium == 5);
}
