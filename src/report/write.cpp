// write_report (dueday/report.hpp): the form asked for, each written by its own file (render.hpp).
#include <ostream>

#include "report/render.hpp"

namespace dueday {

void write_report(std::ostream& out, const monthly_report& r, report_format format) {
  switch (format) {
    case report_format::html:
      detail::write_report_html(out, r);
      return;
    case report_format::text:
      detail::write_report_text(out, r);
      return;
    case report_format::csv:
      detail::write_report_csv(out, r);
      return;
    case report_format::json:
      detail::write_report_json(out, r);
      return;
  }
}

}  // namespace dueday
