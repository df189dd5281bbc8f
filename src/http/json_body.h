// JSON in and out of handlers: strict parsing of request bodies into fields, with errors that
// name the field, and JSON responses. Private to http/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/server.h"

namespace keyun::http {

// A 200 (or `status`) response with `body` as compact UTF-8 JSON.
[[nodiscard]] Response Json(const nlohmann::json& body, int status = 200);

// Compact JSON written straight into a string, for the hot read paths (search, availability),
// where building an nlohmann::json tree costs more than finding the answer. Strings are
// escaped (quotes, backslashes, control characters; UTF-8 passes through as it is); commas
// come by themselves. The caller nests Begin/End correctly.
//
//   JsonWriter w;
//   w.BeginObject().Field("run_id", id).Field("seats_left", 12).EndObject();
//   return JsonText(w.Take());
class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view text);
  JsonWriter& Int(std::int64_t number);
  JsonWriter& Bool(bool value);
  JsonWriter& Field(std::string_view key, std::string_view text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, const char* text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, const std::string& text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, std::int64_t number) { return Key(key).Int(number); }
  JsonWriter& Field(std::string_view key, int number) { return Key(key).Int(number); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  [[nodiscard]] std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);
  void BeforeValue();  // the comma between items, none right after a key
  void Escaped(std::string_view text);

  std::string out_;
  std::vector<bool> has_items_;  // per open object or array
  bool after_key_ = false;
};

// A 200 (or `status`) response whose body is JSON text already written (JsonWriter).
[[nodiscard]] Response JsonText(std::string body, int status = 200);

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
