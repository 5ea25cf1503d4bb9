// The live dashboard at GET / (pages.hpp): one self-contained page, dashboard.html, compiled in
// (cmake/embed.cmake). It fetches nothing but this service's JSON: GET /v1/summary and
// GET /v1/cases?at_risk=1 on each new event and every few seconds, GET /v1/events as a long poll.
//
// With a token (--token-file) the page itself is served without one: it is the same static bytes
// for everyone and holds no data; every request it makes for data carries the token, which the page
// asks for once and keeps in sessionStorage (this tab only, gone when it closes) and sends as
// `Authorization: Bearer`. No cookie: a browser sends a cookie with any request to the service,
// a header only with the page's own, so other sites' pages cannot make the browser feed the
// monitor (no CSRF), and the token never lands in a URL, a log or the history. The service marks
// the page with whether it needs a token, so that the page asks before its first fetch.
#include <fmt/format.h>
#include <dueday/error.hpp>

#include <span>
#include <string>
#include <string_view>

#include "detail/builtin.hpp"
#include "pages.hpp"
#include "requests.hpp"

namespace dueday::detail {
// Generated from src/service/dashboard.html by cmake/embed.cmake.
std::span<const embedded_file> service_page_files() noexcept;
}  // namespace dueday::detail

namespace dueday::service {

namespace {

// The page, with its token mark: `data-token="none"` on <html> becomes "required" with a token.
std::string page(bool token) {
  const auto files = dueday::detail::service_page_files();
  std::string html(files.front().text);
  constexpr std::string_view mark = "data-token=\"none\"";
  if (const auto p = html.find(mark); token && p != std::string::npos)
    html.replace(p, mark.size(), "data-token=\"required\"");
  return html;
}

}  // namespace

void add_page_routes(server::impl& s) {
  auto& h = s.front.http;
  h.Get("/", [html = page(!s.opt.token.empty())](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, html, "text/html; charset=utf-8");
    // Nothing but this page's own inline code and style, and requests to this service.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-cache");
  });
  h.Get(R"(/v1/reports/([^/]*))", [&s](const httplib::Request& req, httplib::Response& res) {
    answer_page(s, res, [&] { get_report(s, req, res, req.matches[1].str()); });
  });
  h.Get("/v1/summary",
        [&s](const httplib::Request&, httplib::Response& res) { answer_page(s, res, [&] { get_summary(s, res); }); });
}

}  // namespace dueday::service
