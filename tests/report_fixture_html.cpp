// Writes the HTML circular of the hand-built October 2026 report (tests/report_fixture.hpp) to a
// file, for the browser check (tests/browser) and for looking at it:
//   report_fixture_html OUT.html [october|empty|hostile]
#include <fstream>
#include <iostream>
#include <string_view>

#include "report/render.hpp"
#include "report_fixture.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: report_fixture_html OUT.html [october|empty|hostile]\n";
    return 2;
  }
  const std::string_view which = argc == 3 ? argv[2] : "october";
  dueday::monthly_report r;
  if (which == "october")
    r = dueday::test::october_report();
  else if (which == "empty")
    r = dueday::test::empty_report();
  else if (which == "hostile")
    r = dueday::test::hostile_report();
  else {
    std::cerr << "report_fixture_html: unknown report '" << which << "'\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  dueday::detail::write_report_html(out, r);
  out.close();
  if (!out) {
    std::cerr << "report_fixture_html: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
