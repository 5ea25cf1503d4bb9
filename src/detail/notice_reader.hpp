// How load_calendar (io.cpp) reads a notice: as parse_notice, also telling where `region` stands.
#pragma once

#include <string>
#include <string_view>

#include "dueday/calendar.hpp"

namespace dueday::detail {

// parse_notice(text, source), and in `region_line` the line `region` stands on (0 when absent),
// which load_calendar names when it finds a local overlay among the national notices. Throws as
// parse_notice.
notice read_notice(std::string_view text, std::string source, int& region_line);

}  // namespace dueday::detail
