// tern: start-up and shutdown. Reads the configuration (a bad setting ends
// here with one line naming it), starts the two pools and the event loops,
// and waits for SIGTERM or SIGINT to drain and exit 0. SIGHUP reloads the
// TLS certificate and key (and is harmless without TLS).
//
// `tern migrate` is the other command: it brings the database schema up to
// date and exits. `serve` never migrates by itself; scripts/dev runs
// `tern migrate` before `tern serve`, and a deployment should do the same.
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/thread_pool.hpp"
#include "db/migrate.hpp"
#include "handlers/seed_command.hpp"
#include "workers/images.hpp"

#include "handlers/app.hpp"
#include "handlers/supervisor.hpp"
#include "http/server.hpp"
#include "http/tls_context.hpp"

namespace {

// Every connection is a descriptor: raise the soft limit to the hard one
// (the default soft limit, 1024, is far below TERN_MAX_CONNECTIONS), and
// say so if even the hard limit cannot hold the configured connections.
void raise_descriptor_limit(const tern::Config& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t wanted = config.max_connections + 256;  // pools, files, logs
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted)
    tern::log::warn("only " + std::to_string(limit.rlim_cur) +
                    " file descriptors (RLIMIT_NOFILE) " +
                    "for TERN_MAX_CONNECTIONS=" + std::to_string(config.max_connections) +
                    ": connections beyond that are refused by accept (raise LimitNOFILE)");
}

int serve(const tern::Config& config) {
  tern::log::set_level(tern::log::parse_level(config.log_level));
  tern::log::set_format(config.log_json ? tern::log::Format::json : tern::log::Format::text);
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit(config);

  tern::ThreadPool cpu(config.pool_threads, config.pool_queue, {.name = "CPU pool", .nice = 10});
  tern::ThreadPool io(config.io_threads, config.io_queue, {.name = "I/O pool", .nice = 0});
  tern::metrics::Metrics metrics;
  std::optional<tern::handlers::App> made;
  try {
    made.emplace(config, tern::handlers::Pools{.cpu = cpu, .io = io}, metrics);
  } catch (const std::runtime_error& e) {  // an upload directory it cannot create, libvips
    std::fprintf(stderr, "tern: %s\n", e.what());
    return 2;
  }
  tern::handlers::App& app = *made;

  std::optional<tern::http::TlsCertificates> tls;
  if (config.tls()) {
    try {
      tls.emplace(config.tls_cert, config.tls_key);
    } catch (const tern::http::TlsError& e) {
      std::fprintf(stderr, "tern: %s\n", e.what());
      return 2;
    }
  }

  tern::http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  options.max_connections = config.max_connections;
  options.drain_timeout = config.drain_timeout;
  options.connection.max_header_bytes = config.max_header_bytes;
  options.connection.header_timeout = config.header_timeout;
  options.connection.idle_timeout = config.idle_timeout;
  options.connection.body_timeout = config.body_timeout;
  options.max_connections_per_address = config.max_connections_per_address;
  options.connection.access_log = config.access_log;
  options.connection.trusted_proxies = config.trusted_proxies;
  options.connection.hsts = config.hsts_max_age.count() > 0
                                ? "max-age=" + std::to_string(config.hsts_max_age.count())
                                : std::string();
  options.tls = tls ? &*tls : nullptr;

  options.hooks = &app.loop_hooks();
  options.metrics = &metrics;

  tern::http::Server server(options, app.router(), io);
  // Read at every scrape, from the scraping loop.
  metrics.add_pool("cpu", cpu.metrics());
  metrics.add_pool("io", io.metrics());
  metrics.add_sample({"tern_pool_queue_depth", "Jobs waiting in each worker pool's queue.", "gauge",
                      "pool=\"cpu\"", [&cpu] { return double(cpu.queue_depth()); }});
  metrics.add_sample({"tern_pool_queue_depth", "", "gauge", "pool=\"io\"",
                      [&io] { return double(io.queue_depth()); }});
  metrics.add_sample({"tern_http_connections_open", "Connections open now.", "gauge", "",
                      [&server] { return double(server.open_connections()); }});
  metrics.add_sample({"tern_log_dropped_lines_total",
                      "Log lines dropped because the log could not keep up.", "counter", "",
                      [] { return double(tern::log::dropped_lines()); }});
  try {
    server.start();
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "tern: cannot listen on %s:%u: %s\n", config.listen_host.c_str(),
                 config.listen_port, e.code().message().c_str());
    return 1;
  }
  tern::log::info(std::string("tern listening on ") + (tls ? "https://" : "http://") +
                  config.listen_host + ":" + std::to_string(server.port()) + " (" +
                  std::to_string(config.threads) + " loop threads, " +
                  std::to_string(config.pool_threads) + " CPU and " +
                  std::to_string(config.io_threads) + " I/O pool threads)");

  if (tls) tern::log::info("TLS certificate: " + tls->describe());

  // Signals are taken on this thread, never a loop thread: reading the
  // certificate files again on SIGHUP may wait for the disk.
  asio::io_context signals_io;
  asio::signal_set signals(signals_io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const std::error_code&, int)> on_signal = [&](const std::error_code& ec,
                                                                   int signo) {
    if (ec) return;
    if (signo != SIGHUP) {
      tern::log::info(std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                      ", draining");
      return;  // signals_io runs out of work: on to the drain
    }
    if (!tls) {
      tern::log::info("received SIGHUP: no TLS certificate to reload");
    } else {
      try {
        tls->reload();
        tern::log::info("received SIGHUP: TLS certificate reloaded: " + tls->describe());
      } catch (const tern::http::TlsError& e) {
        tern::log::error(std::string("received SIGHUP: ") + e.what() +
                         "; still serving the previous certificate");
      }
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  signals_io.run();
  server.shutdown();
  // Jobs still on the pools (a thumbnail, a hash) post their completion to a
  // loop's io_context: let them finish while the server still owns those.
  cpu.join();
  io.join();
  tern::log::info("stopped");
  return 0;
}

// `tern migrate` needs only DATABASE_URL, so it reads that one variable (with
// the default `tern --help` shows) instead of load_config(), which would also
// insist on the session and JWT secrets that migrating has no use for.
int migrate() {
  auto env = tern::process_env();
  std::string url = env("DATABASE_URL").value_or("postgresql://127.0.0.1:5432/tern");
  try {
    tern::db::migrate(url, std::cout);
    return 0;
  } catch (const tern::db::MigrateError& e) {
    std::fprintf(stderr, "tern migrate: %s\n", e.what());
    return 1;
  }
}

// `tern sample-image FORMAT WIDTH HEIGHT [SEED]`: a generated picture on
// stdout, for tests, benches and demos (the seed tool uses the same).
int sample_image(int argc, char** argv) {
  auto format = argc >= 5 ? tern::workers::format_from_name(argv[2]) : std::nullopt;
  int width = argc >= 5 ? std::atoi(argv[3]) : 0, height = argc >= 5 ? std::atoi(argv[4]) : 0;
  if (!format || width < 1 || height < 1 || width > 20000 || height > 20000) {
    std::fprintf(stderr, "usage: tern sample-image jpeg|png|webp|gif WIDTH HEIGHT [SEED]\n");
    return 2;
  }
  try {
    tern::workers::init_images();
    auto seed = argc >= 6 ? static_cast<unsigned>(std::strtoul(argv[5], nullptr, 10)) : 1u;
    std::cout << tern::workers::sample_image(*format, width, height, seed);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern sample-image: %s\n", e.what());
    return 1;
  }
}

constexpr const char* kCommands =
    "\nCommands:\n"
    "  serve                   serve HTTP (the default); never changes the schema\n"
    "  migrate                 apply the database migrations built into this binary to\n"
    "                          DATABASE_URL, then exit (the only variable it reads)\n"
    "  seed [--users N] [--posts M] [--seed S] [--images K] [--prefix P]\n"
    "                          fill DATABASE_URL with demo data (deterministic per S;\n"
    "                          passwords \"password1\"), images into TERN_UPLOAD_DIR\n"
    "  sample-image F W H [S]  write a generated W x H picture in format F (jpeg, png,\n"
    "                          webp, gif) to stdout, S its seed: for tests and demos\n";

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << tern::config_help() << kCommands;
    return 0;
  }
  if (command == "migrate") return migrate();
  if (command == "sample-image") return sample_image(argc, argv);
  if (command == "seed") return tern::handlers::seed_command(argc, argv);
  if (command != "serve") {
    std::fprintf(stderr, "tern: unknown command '%s' (see tern --help)\n", command.c_str());
    return 2;
  }
  tern::Config config;
  try {
    config = tern::load_config(tern::process_env());
  } catch (const tern::ConfigError& e) {
    std::fprintf(stderr, "tern: %s\n", e.what());
    return 2;
  }
  if (config.workers > 1)
    return tern::handlers::supervise(config.workers, [&config] { return serve(config); });
  return serve(config);
}
