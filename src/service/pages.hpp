// The service's pages for people and what they read (README.md, "serve: the monitor over HTTP"):
// the live dashboard at GET / (dashboard.cpp, the page itself in dashboard.html, compiled in), the
// monthly circular at GET /v1/reports/YYYY-MM and the counts the dashboard shows at GET /v1/summary
// (reports.cpp).
#pragma once

#include <httplib.h>

#include <functional>
#include <string_view>

#include "impl.hpp"

namespace dueday::service {

// Runs `f`, answering what it throws: request_error with its status, a store's failure or a
// stopping service 503, another dueday::error 500 (routes.cpp; every route's handler runs in it).
void answer_page(const server::impl& s, httplib::Response& res, const std::function<void()>& f);

// GET /v1/reports/... and GET /v1/summary (reports.cpp).
void get_report(server::impl& s, const httplib::Request& req, httplib::Response& res, std::string_view month);
void get_summary(server::impl& s, httplib::Response& res);

}  // namespace dueday::service
