// SPDX-License-Identifier: LGPL-2.1-or-later
// The service's defences against hostile HTTP clients, on top of cpp-httplib 0.11.4 (which bounds only bodies
// with a Content-Length): every body is read through a bounded receiver (chunked bodies too), compressed bodies
// and bodies without a length are refused before they are read, GET requests carry no body, and a larger worker
// pool plus a per-connection deadline (reaper.hpp) keep slow clients from holding every worker.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

namespace akis::unlockd {

inline constexpr std::size_t kMaxBody = 64 * 1024;
inline constexpr int kWorkers = 128;  // more than clients + attackers in the load test: no connection waits for a worker
inline constexpr int kConnectionDeadlineSeconds = 10;
inline constexpr std::size_t kMaxConnectionInput = 512 * 1024;  // TLS record bytes one connection may send

// Limits, timeouts, the worker pool and the checks made before any body is read.
void harden(httplib::Server& s);

// cpp-httplib buffers a request line or a header line until its newline, without bound. This bounds what one TLS
// connection may send: OpenSSL reports each record it reads (SSL_CTX_set_msg_callback); past kMaxConnectionInput
// the socket is shut down, so the next read sees the end of the stream.
void bound_tls_input(SSL_CTX* ctx);

// POST `path`: `fn` gets the whole body, at most kMaxBody bytes (413 otherwise, the rest left unread).
using BodyHandler = std::function<void(const httplib::Request&, const std::string& body, httplib::Response&)>;
void post(httplib::Server& s, const std::string& path, BodyHandler fn);

}  // namespace akis::unlockd
