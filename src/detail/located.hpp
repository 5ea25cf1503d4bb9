// How dueday names a place in an input: "file:line: message", or "file: message" for line 0.
#pragma once

#include <string>
#include <string_view>

namespace dueday::detail {

std::string located(const std::string& source, int line, std::string_view message);

}  // namespace dueday::detail
