// Whether text is well-formed UTF-8, judged by the decoder that escape() uses (error.cpp).
#pragma once

#include <string_view>

namespace dueday::detail {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF, no sequence cut short).
[[nodiscard]] bool is_utf8(std::string_view s);

}  // namespace dueday::detail
