// SPDX-License-Identifier: LGPL-2.1-or-later
#include "http_limits.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace akis::unlockd {

namespace {
void refuse(httplib::Response& res, int status, const char* code, const char* message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Connection", "close");  // the unread body must not be taken for the next request
  res.set_content(nlohmann::json{{"error", code}, {"message", message}}.dump(), "application/json");
}
int input_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void on_record(int write_p, int, int content_type, const void* buf, std::size_t len, SSL* ssl, void*) {
  if (write_p || content_type != SSL3_RT_HEADER || len < 5) return;
  const auto* h = static_cast<const unsigned char*>(buf);
  auto total = reinterpret_cast<std::uintptr_t>(SSL_get_ex_data(ssl, input_index())) + (h[3] << 8 | h[4]);
  SSL_set_ex_data(ssl, input_index(), reinterpret_cast<void*>(total));
  if (total > kMaxConnectionInput) ::shutdown(SSL_get_fd(ssl), SHUT_RDWR);
}
}  // namespace

void bound_tls_input(SSL_CTX* ctx) {
  input_index();
  SSL_CTX_set_msg_callback(ctx, on_record);
}

void harden(httplib::Server& s) {
  s.set_payload_max_length(kMaxBody);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(100);  // fewer TLS handshakes; the reaper still ends every connection at 10 s
  s.set_keep_alive_timeout(3);
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  // Runs after the headers, before any byte of the body is read.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    const std::string te = req.get_header_value("Transfer-Encoding");
    const bool chunked = te == "chunked";
    const bool has_length = req.has_header("Content-Length");
    if (!te.empty() && !chunked) return refuse(res, 400, "invalid_request", "unsupported transfer encoding"), R::Handled;
    if (req.method != "POST") {
      if (chunked || (has_length && req.get_header_value("Content-Length") != "0"))
        return refuse(res, 400, "invalid_request", "this request takes no body"), R::Handled;
      return R::Unhandled;
    }
    const std::string ce = req.get_header_value("Content-Encoding");
    if (!ce.empty() && ce != "identity")
      return refuse(res, 415, "unsupported_encoding", "compressed request bodies are not accepted"), R::Handled;
    if (!chunked && !has_length) return refuse(res, 411, "length_required", "the request needs a Content-Length"), R::Handled;
    return R::Unhandled;
  });
}

void post(httplib::Server& s, const std::string& path, BodyHandler fn) {
  s.Post(path, [fn = std::move(fn)](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    std::string body;
    bool too_large = false;
    bool complete = reader([&](const char* data, std::size_t n) {
      if (body.size() + n > kMaxBody) {
        too_large = true;
        return false;  // stop reading: the rest of a huge or endless body never enters memory
      }
      body.append(data, n);
      return true;
    });
    // A Content-Length beyond the limit: httplib reads and drops the body (bounded by bound_tls_input and the
    // connection deadline), so the client gets the answer, and sets 413.
    if (too_large || res.status == 413) return refuse(res, 413, "too_large", "the request body is larger than 64 KiB");
    if (!complete) return refuse(res, 400, "invalid_request", "the request body is incomplete");
    fn(req, body, res);
  });
}

}  // namespace akis::unlockd
