#include "eticket/key_id.h"

#include <fmt/format.h>

#include <stdexcept>

namespace keyun::eticket {
namespace {

// A key id quoted in a message: only if it is short and of the key id alphabet, so that
// whatever arrived in a scanned code cannot make a misleading or huge message.
std::string_view Printable(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > 32) return "…";
  for (char c : key_id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-')) return "…";
  }
  return key_id;
}

}  // namespace

std::string_view AlgorithmName(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kEd25519:
      return "ed25519";
  }
  return "unknown";
}

std::string MakeKeyId(const core::ProvinceCode& province, SignatureAlgorithm algorithm,
                      int serial) {
  if (serial < 1 || serial > kMaxKeySerial) {
    throw std::out_of_range(fmt::format("key serial {} is out of range", serial));
  }
  return fmt::format("{}-{}-{:04}", province.str(), AlgorithmName(algorithm), serial);
}

Result<KeyIdParts> ParseKeyId(std::string_view key_id) {
  const auto malformed = [&] {
    return InvalidArgument(
        fmt::format("key id \"{}\" is not of the form {{province}}-{{algorithm}}-{{serial}}, "
                    "e.g. 37-ed25519-0001",
                    Printable(key_id)),
        "key_id");
  };
  const std::size_t first = key_id.find('-');
  const std::size_t last = key_id.rfind('-');
  if (first == std::string_view::npos || first == last) return malformed();
  Result<core::ProvinceCode> province = core::ProvinceCode::Parse(key_id.substr(0, first));
  if (!province) return malformed();
  const std::string_view algorithm_name = key_id.substr(first + 1, last - first - 1);
  const std::string_view serial_text = key_id.substr(last + 1);
  if (serial_text.size() < 4 || serial_text.size() > 9 ||
      serial_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return malformed();
  }
  int serial = 0;
  for (char c : serial_text) serial = serial * 10 + (c - '0');
  if (serial < 1) return malformed();
  if (algorithm_name != AlgorithmName(SignatureAlgorithm::kEd25519)) {
    if (algorithm_name == "sm2") {
      return FailedPrecondition(
          fmt::format("key id {} is an SM2 key, which this build does not implement",
                      Printable(key_id)),
          "key_id");
    }
    return malformed();
  }
  KeyIdParts parts{*province, SignatureAlgorithm::kEd25519, serial};
  // One spelling per key: "37-ed25519-00001" would be a second name for serial 1.
  if (MakeKeyId(parts.province, parts.algorithm, parts.serial) != key_id) return malformed();
  return parts;
}

}  // namespace keyun::eticket
