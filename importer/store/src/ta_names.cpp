// SPDX-License-Identifier: MIT
#include "teescope/store/ta_names.h"

#include <cctype>

namespace teescope::store {

std::string normalize_uuid(std::string_view text)
{
    if (text.size() != 36)
        return {};
    std::string out(text);
    for (size_t i = 0; i < out.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const auto c = static_cast<unsigned char>(out[i]);
        if (dash ? c != '-' : !std::isxdigit(c))
            return {};
        out[i] = static_cast<char>(std::tolower(c));
    }
    return out;
}

} // namespace teescope::store
