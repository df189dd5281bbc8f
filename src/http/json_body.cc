#include "http/json_body.h"

#include <charconv>

namespace keyun::http {

Response Json(const nlohmann::json& body, int status) {
  Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response JsonText(std::string body, int status) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_.push_back(',');
    has_items_.back() = true;
  }
}

JsonWriter& JsonWriter::Open(char bracket) {
  BeforeValue();
  out_.push_back(bracket);
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::Close(char bracket) {
  if (!has_items_.empty()) has_items_.pop_back();
  out_.push_back(bracket);
  return *this;
}

void JsonWriter::Escaped(std::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  out_.push_back('"');
  // Runs of characters that need no escape are appended whole.
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto byte = static_cast<unsigned char>(c);
    if (c != '"' && c != '\\' && byte >= 0x20) continue;
    out_.append(text.substr(start, i - start));
    start = i + 1;
    if (byte < 0x20) {
      out_.append("\\u00");
      out_.push_back(kHex[byte >> 4]);
      out_.push_back(kHex[byte & 0xf]);
    } else {
      out_.push_back('\\');
      out_.push_back(c);
    }
  }
  out_.append(text.substr(start));
  out_.push_back('"');
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  Escaped(key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view text) {
  BeforeValue();
  Escaped(text);
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t number) {
  BeforeValue();
  out_.append(std::to_string(number));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
  return *this;
}

Result<nlohmann::json> ParseJsonObject(std::string_view body,
                                       std::initializer_list<std::string_view> allowed) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidArgument("the request body is not valid JSON; send a JSON object", "body");
  }
  if (!parsed.is_object()) {
    return InvalidArgument("the request body must be a JSON object", "body");
  }
  for (const auto& [key, value] : parsed.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) {
      std::string names;
      for (std::string_view name : allowed) {
        if (!names.empty()) names += ", ";
        names += name;
      }
      return InZh(InvalidArgument("unknown field " + Quoted(key) + "; the fields are: " + names,
                                  CutUtf8(key, kMaxQuotedChars)),
                  "未知字段 " + Quoted(key) + "；可用字段：" + names);
    }
  }
  return parsed;
}

namespace {

template <class T, class Check>
Result<std::optional<T>> Field(const nlohmann::json& object, std::string_view name, bool required,
                               Check is_type, std::string_view type_name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return InvalidArgument(std::string(name) + " is required", std::string(name));
    return std::optional<T>();
  }
  if (!is_type(*it)) {
    return InvalidArgument(std::string(name) + " must be " + std::string(type_name),
                           std::string(name));
  }
  return std::optional<T>(it->template get<T>());
}

}  // namespace

Result<std::optional<std::string>> StringField(const nlohmann::json& object, std::string_view name,
                                               bool required) {
  return Field<std::string>(
      object, name, required, [](const nlohmann::json& v) { return v.is_string(); }, "a string");
}

Result<std::optional<std::int64_t>> IntField(const nlohmann::json& object, std::string_view name,
                                             bool required) {
  return Field<std::int64_t>(
      object, name, required,
      [](const nlohmann::json& v) { return v.is_number_integer(); }, "an integer");
}

Result<std::optional<bool>> BoolField(const nlohmann::json& object, std::string_view name,
                                      bool required) {
  return Field<bool>(
      object, name, required, [](const nlohmann::json& v) { return v.is_boolean(); },
      "true or false");
}

Result<std::int64_t> IntQuery(const Request& request, std::string_view name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::optional<std::string> text = request.QueryParam(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return InvalidArgument(std::string(name) + " must be a whole number from " +
                               std::to_string(min) + " to " + std::to_string(max),
                           std::string(name));
  }
  return value;
}

}  // namespace keyun::http
