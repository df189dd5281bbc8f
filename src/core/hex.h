// Hex text for binary keys and hashes stored in the database or sent over the API.
//
//   std::string text = ToHex(key);                       // "e0b05c49…", lower case
//   std::optional<std::vector<std::uint8_t>> bytes = FromHex(text);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyun::core {

// Lower-case hex.
[[nodiscard]] std::string ToHex(std::span<const std::uint8_t> bytes);
// Bytes of even-length hex in either case; nullopt for anything else.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> FromHex(std::string_view hex);

}  // namespace keyun::core
