// Boost.Beast peer for tern's benchmarks (see docs/BENCHMARKS.md).
//
// The shape of Beast's example/http/server/async, trimmed to what a fair
// comparison needs: one thread, one io_context, HTTP/1.1 keep-alive, and the
// two TechEmpower endpoints served by the same rules tern follows:
//   GET /plaintext -> 200 text/plain        "Hello, World!"
//   GET /json      -> 200 application/json  {"message":"Hello, World!"}
//   GET /healthz   -> 200 text/plain        "ok"
// Every response carries Server and Date headers, as TechEmpower requires.
//
// "Reasonably optimised" here means what a careful Beast user would do, not
// tricks a Beast user would not: the read buffer and the response message
// (fields and body string) live as long as the connection and are reused for
// every request; the Date header is formatted once per second by a timer; no
// per-request logging; TCP_NODELAY on every connection. It uses a plain
// tcp::socket rather than beast::tcp_stream: the latter re-arms a timer
// around every read and write, and the benchmark clients never stall, so
// timeouts would only add cost here (nginx's timers are cheaper, see
// docs/BENCHMARKS.md for what this means for comparisons).
//
// Build (scripts/bench does this when the binary is missing or stale):
//   g++ -std=c++20 -O2 -DNDEBUG bench/peers/beast/beast_server.cpp
//       -o build/bench/beast_server -lpthread
// Run:
//   build/bench/beast_server PORT [ADDRESS]     (ADDRESS defaults to 127.0.0.1)

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

namespace {

constexpr beast::string_view kServer = "beast";
constexpr beast::string_view kHello = "Hello, World!";

// The Date header changes once per second; formatting it per request would be
// wasted work that neither nginx nor tern does. The timer fires on each
// wall-clock second boundary so the value is never more than a tick stale.
class DateCache {
public:
    explicit DateCache(net::io_context& ioc) : timer_(ioc) {
        refresh();
        arm();
    }
    beast::string_view value() const { return value_; }

private:
    void refresh() {
        // Not std::time(): it reads the kernel's coarse clock, which can
        // still show the previous second when the timer fires on the
        // boundary, leaving Date a second behind all the time.
        std::time_t now = std::chrono::system_clock::to_time_t(
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buf[64];
        std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        value_.assign(buf, n);
    }
    void arm() {
        using namespace std::chrono;
        auto next = ceil<seconds>(system_clock::now() + milliseconds(1));
        timer_.expires_at(next);
        timer_.async_wait([this](error_code ec) {
            if (ec) return;  // cancelled at shutdown
            refresh();
            arm();
        });
    }

    net::system_timer timer_;
    std::string value_;
};

// TechEmpower requires the JSON body to be produced by a serializer for each
// request rather than sent as a constant. Boost.JSON only arrived in 1.75 and
// Debian 12 ships 1.74, so this is a minimal serializer for a string value:
// it escapes what JSON requires and writes into a reused buffer.
void append_json_string(std::string& out, beast::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (c < 0x20) {
                    out.append("\\u00");
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xf]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const DateCache& date)
        : socket_(std::move(socket)), date_(date) {}

    void start() {
        error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        // The response's constant fields are set once per connection; only
        // Date, Content-Type and the length change between requests.
        res_.set(http::field::server, kServer);
        do_read();
    }

private:
    void do_read() {
        // A parser handles exactly one message, so each request gets a fresh
        // one; it is constructed in place (no allocation) and reads from the
        // connection's buffer, which keeps any pipelined bytes.
        parser_.emplace();
        parser_->header_limit(8 * 1024);
        parser_->body_limit(64 * 1024);
        http::async_read(socket_, buffer_, *parser_,
                         [self = shared_from_this()](error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(error_code ec) {
        if (ec) {
            // end_of_stream is the client closing an idle keep-alive
            // connection; anything else is a broken client. Either way the
            // connection is done and the shared_ptr chain ends here.
            close();
            return;
        }
        const auto& req = parser_->get();
        build_response(req);
        http::async_write(socket_, res_,
                          [self = shared_from_this()](error_code ec, std::size_t) {
                              self->on_write(ec);
                          });
    }

    void build_response(const http::request<http::string_body>& req) {
        res_.version(req.version());
        res_.keep_alive(req.keep_alive());
        res_.set(http::field::date, date_.value());
        std::string& body = res_.body();
        body.clear();  // keeps capacity: no allocation in the steady state

        const bool get = req.method() == http::verb::get;
        const beast::string_view target = req.target();
        if (get && target == "/plaintext") {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "text/plain");
            body.append(kHello.data(), kHello.size());
        } else if (get && target == "/json") {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "application/json");
            body.append("{\"message\":");
            append_json_string(body, kHello);
            body.push_back('}');
        } else if (get && target == "/healthz") {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "text/plain");
            body.append("ok");
        } else {
            res_.result(get ? http::status::not_found : http::status::method_not_allowed);
            res_.set(http::field::content_type, "text/plain");
            body.append(get ? "Not Found" : "Method Not Allowed");
        }
        res_.prepare_payload();  // Content-Length
    }

    void on_write(error_code ec) {
        if (ec || !res_.keep_alive()) {
            close();
            return;
        }
        do_read();
    }

    void close() {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        socket_.close(ignored);
    }

    tcp::socket socket_;
    const DateCache& date_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
};

class Listener {
public:
    Listener(net::io_context& ioc, const tcp::endpoint& ep, const DateCache& date)
        : acceptor_(ioc), backoff_(ioc), date_(date) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        // SOMAXCONN (4096 on this kernel): the idle-connection scenario
        // opens thousands of connections quickly.
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

    void start() { do_accept(); }
    void stop() {
        error_code ignored;
        acceptor_.close(ignored);
        backoff_.cancel();
    }

private:
    void do_accept() {
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted) return;  // stopping
            if (ec) {
                // EMFILE and friends: accepting again at once would spin, so
                // pause briefly and let connections close.
                std::fprintf(stderr, "beast_server: accept: %s\n", ec.message().c_str());
                backoff_.expires_after(std::chrono::milliseconds(50));
                backoff_.async_wait([this](error_code ec2) {
                    if (!ec2) do_accept();
                });
                return;
            }
            std::make_shared<Session>(std::move(socket), date_)->start();
            do_accept();
        });
    }

    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    const DateCache& date_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s PORT [ADDRESS]\n", argv[0]);
        return 2;
    }
    try {
        const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
        const auto address = net::ip::make_address(argc == 3 ? argv[2] : "127.0.0.1");

        // Concurrency hint 1: a single thread runs the io_context, so Asio
        // can skip the locking it would otherwise need.
        net::io_context ioc{1};
        DateCache date(ioc);
        Listener listener(ioc, tcp::endpoint{address, port}, date);
        listener.start();

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](error_code, int) {
            listener.stop();
            ioc.stop();
        });

        std::fprintf(stderr, "beast_server: listening on %s:%u\n",
                     address.to_string().c_str(), static_cast<unsigned>(port));
        ioc.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "beast_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
