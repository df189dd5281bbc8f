// JSON in and out of handlers: strict parsing of request bodies into fields, with errors that
// name the field, and JSON responses. Private to http/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/server.h"

namespace keyun::http {

// A 200 (or `status`) response with `body` as compact UTF-8 JSON.
[[nodiscard]] Response Json(const nlohmann::json& body, int status = 200);

// The body as a JSON object. Errors (kInvalidArgument): not JSON, not an object, or a key not
// in `allowed` (a typo in a field name is an error, not silently ignored).
[[nodiscard]] Result<nlohmann::json> ParseJsonObject(std::string_view body,
                                                     std::initializer_list<std::string_view> allowed);

// Typed field access; `required` fields that are absent or null give kInvalidArgument naming
// the field; a present field of the wrong type always does.
[[nodiscard]] Result<std::optional<std::string>> StringField(const nlohmann::json& object,
                                                             std::string_view name, bool required);
[[nodiscard]] Result<std::optional<std::int64_t>> IntField(const nlohmann::json& object,
                                                           std::string_view name, bool required);
[[nodiscard]] Result<std::optional<bool>> BoolField(const nlohmann::json& object,
                                                    std::string_view name, bool required);

// A query parameter parsed as an integer in [min, max]; `fallback` when absent.
[[nodiscard]] Result<std::int64_t> IntQuery(const Request& request, std::string_view name,
                                            std::int64_t fallback, std::int64_t min,
                                            std::int64_t max);

}  // namespace keyun::http
