// Hex text for keys stored in the database and served by GET /keys. Private to eticket.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyun::eticket::internal {

// Lower-case hex.
[[nodiscard]] std::string ToHex(std::span<const std::uint8_t> bytes);
// Bytes of even-length hex in either case; nullopt for anything else.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> FromHex(std::string_view hex);

}  // namespace keyun::eticket::internal
