// SPDX-License-Identifier: LGPL-2.1-or-later
// The service's JSON API helpers, shared by the unlock routes (service.cpp) and the E-Onay routes (eonay.cpp).
#pragma once

#include <httplib.h>

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "akis/bytes.hpp"

namespace akis::unlockd {

using nlohmann::json;

inline std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// An API error: HTTP status, a stable machine code, and an English sentence for logs and humans.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

inline void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

inline void send_error(httplib::Response& res, const ApiError& e) {
  send_json(res, e.status, {{"error", e.code}, {"message", e.message}});
}

inline json parse_body(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw ApiError{400, "malformed_json", "the request body is not valid JSON"};
  if (!j.is_object()) throw ApiError{400, "invalid_request", "the request body must be a JSON object"};
  return j;
}

inline std::string field(const json& j, const char* name, std::size_t max_len = 256) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
      it->get_ref<const std::string&>().size() > max_len)
    throw ApiError{400, "invalid_request", std::string("missing or invalid field: ") + name};
  return *it;
}

inline std::string code_field(const json& j) {
  std::string c = field(j, "code", 32);
  if (c.size() != 15 || c.find_first_not_of("0123456789") != std::string::npos)
    throw ApiError{400, "invalid_request", "the code has 15 digits"};
  return c;
}

inline Bytes hex_field(const json& j, const char* name, std::size_t min_bytes, std::size_t max_bytes) {
  std::string h = field(j, name, 2 * max_bytes);
  try {
    Bytes b = from_hex(h);
    if (b.size() < min_bytes || b.size() > max_bytes) throw std::invalid_argument("size");
    return b;
  } catch (const std::invalid_argument&) {
    throw ApiError{400, "invalid_request", std::string("invalid hex field: ") + name};
  }
}

inline std::string cookie(const httplib::Request& req, const std::string& name) {
  std::string all = req.get_header_value("Cookie");
  std::string key = name + "=";
  for (std::size_t pos = 0; pos < all.size();) {
    std::size_t end = all.find(';', pos);
    std::string part = all.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    part.erase(0, part.find_first_not_of(' '));
    if (part.rfind(key, 0) == 0) return part.substr(key.size());
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

}  // namespace akis::unlockd
