// The circular's four forms, one file each; write_report (write.cpp) picks one.
#pragma once

#include <iosfwd>

#include "dueday/report.hpp"

namespace dueday::detail {

void write_report_html(std::ostream& out, const monthly_report& r);  // html.cpp, figures in svg.cpp
void write_report_text(std::ostream& out, const monthly_report& r);  // text.cpp
void write_report_csv(std::ostream& out, const monthly_report& r);   // data.cpp
void write_report_json(std::ostream& out, const monthly_report& r);  // data.cpp

}  // namespace dueday::detail
