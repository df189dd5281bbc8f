#include "cli/after_sale_policy_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace keyun::cli {
namespace {

using core::AfterSalePolicy;
using core::Money;
using core::Rounding;
using std::chrono::minutes;

constexpr std::pair<std::string_view, Rounding> kRoundings[] = {
    {"fen", Rounding::kHalfUp},  {"fen_down", Rounding::kDown},        {"fen_up", Rounding::kUp},
    {"jiao", Rounding::kToJiao}, {"half_yuan", Rounding::kToHalfYuan}, {"yuan", Rounding::kToYuan},
};

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with decimals";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

std::string Join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Reads one file; every error goes through At(), so each names the file, the line and the key.
class PolicyFileReader final {
 public:
  explicit PolicyFileReader(std::string path) : path_(std::move(path)) {}

  Result<core::AfterSalePolicyBook> Read(const toml::table& root) {
    if (auto keys = CheckKeys(root, "", {"refund", "change", "override"}); !keys) {
      return Propagate(keys);
    }
    AfterSalePolicy province_default = AfterSalePolicy::Default();
    if (auto r = ReadPolicy(root, "", province_default); !r) return Propagate(r);
    Result<core::AfterSalePolicyBook> book = core::AfterSalePolicyBook::Create(province_default);
    if (!book) return At(root.source(), book.error().field, book.error().message);

    const toml::node* overrides = root.get("override");
    if (overrides == nullptr) return book;
    const toml::array* list = overrides->as_array();
    if (list == nullptr) {
      return At(overrides->source(), "override",
                fmt::format("expected [[override]] tables, found {}", TypeName(*overrides)));
    }
    std::vector<core::PolicyScope> scopes;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string key = fmt::format("override[{}]", i);
      const toml::table* table = (*list)[i].as_table();
      if (table == nullptr) {
        return At((*list)[i].source(), key,
                  fmt::format("expected a table, found {}", TypeName((*list)[i])));
      }
      auto scope = ReadOverride(*table, key, province_default, scopes, *book);
      if (!scope) return Propagate(scope);
      scopes.push_back(std::move(*scope));
    }
    return book;
  }

 private:
  // InvalidArgument "<path> line <n>: <key>: <message>", field = key.
  tl::unexpected<Error> At(const toml::source_region& where, std::string_view key,
                           std::string_view message) const {
    return InvalidArgument(fmt::format("{} line {}: {}: {}", path_, where.begin.line,
                                       key.empty() ? "(top level)" : key, message),
                           std::string(key));
  }

  static std::string Key(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
  }

  // A typo must not be silently ignored: every key of `table` is one of `allowed`.
  Result<void> CheckKeys(const toml::table& table, std::string_view prefix,
                         std::initializer_list<std::string_view> allowed) const {
    for (auto&& [name, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), name.str()) != allowed.end()) continue;
      return At(name.source(), Key(prefix, name.str()),
                fmt::format("unknown key; expected one of: {}", Join(allowed)));
    }
    return {};
  }

  Result<const toml::table*> SubTable(const toml::table& parent, std::string_view prefix,
                                      std::string_view name) const {
    const toml::node* node = parent.get(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      return At(node->source(), Key(prefix, name),
                fmt::format("expected a table, found {}", TypeName(*node)));
    }
    return node->as_table();
  }

  Result<void> ReadBool(const toml::table& table, std::string_view prefix, std::string_view name,
                        bool& out) const {
    const toml::node* node = table.get(name);
    if (node == nullptr) return {};
    if (!node->is_boolean()) {
      return At(node->source(), Key(prefix, name),
                fmt::format("expected true or false, found {}", TypeName(*node)));
    }
    out = node->as_boolean()->get();
    return {};
  }

  // An integer that fits an int; the policy's Validate() judges its range.
  Result<void> ReadInt(const toml::table& table, std::string_view prefix, std::string_view name,
                       int& out) const {
    const toml::node* node = table.get(name);
    if (node == nullptr) return {};
    if (!node->is_integer()) {
      return At(node->source(), Key(prefix, name),
                fmt::format("expected a whole number, found {}", TypeName(*node)));
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      return At(node->source(), Key(prefix, name), fmt::format("{} is out of range", value));
    }
    out = static_cast<int>(value);
    return {};
  }

  Result<void> ReadMinutes(const toml::table& table, std::string_view prefix, std::string_view name,
                           minutes& out) const {
    int count = static_cast<int>(out.count());
    if (auto r = ReadInt(table, prefix, name, count); !r) return r;
    out = minutes(count);
    return {};
  }

  // A percent of the fare, 0 to 100 with at most 2 decimals, as basis points exactly:
  // 12.5 → 1250. TOML numbers are binary doubles, so "at most 2 decimals" means value × 100
  // is within 1e-6 of a whole number: 12.345 and 10.005 are refused, not rounded.
  Result<void> ReadPercent(const toml::table& table, std::string_view prefix, std::string_view name,
                           int& basis_points) const {
    const toml::node* node = table.get(name);
    if (node == nullptr) return {};
    const std::string key = Key(prefix, name);
    double value = 0;
    if (node->is_integer()) {
      value = static_cast<double>(node->as_integer()->get());
    } else if (node->is_floating_point()) {
      value = node->as_floating_point()->get();
    } else {
      return At(node->source(), key,
                fmt::format("expected a percent such as 10 or 12.5, found {}", TypeName(*node)));
    }
    if (!std::isfinite(value) || value < 0 || value > 100) {
      return At(node->source(), key, fmt::format("expected a percent 0 to 100, not {}", value));
    }
    const double hundredths = value * 100;
    const double whole = std::round(hundredths);
    if (std::fabs(hundredths - whole) > 1e-6) {
      return At(node->source(), key,
                fmt::format("a percent has at most 2 decimals (0.01 % is one basis point), not "
                            "{}",
                            value));
    }
    basis_points = static_cast<int>(whole);
    return {};
  }

  // Yuan as a string with at most two decimals ("0.50"), so no amount goes through a double.
  Result<void> ReadMoney(const toml::table& table, std::string_view prefix, std::string_view name,
                         Money& out) const {
    const toml::node* node = table.get(name);
    if (node == nullptr) return {};
    const std::string key = Key(prefix, name);
    if (!node->is_string()) {
      return At(
          node->source(), key,
          fmt::format("expected yuan as a string such as \"0.50\", found {}", TypeName(*node)));
    }
    Result<Money> money = Money::Parse(node->as_string()->get());
    if (!money) {
      return At(node->source(), key,
                fmt::format("{} (expected yuan such as \"0.50\")", money.error().message));
    }
    out = *money;
    return {};
  }

  Result<void> ReadRounding(const toml::table& table, std::string_view prefix,
                            std::string_view name, Rounding& out) const {
    const toml::node* node = table.get(name);
    if (node == nullptr) return {};
    const std::string key = Key(prefix, name);
    const std::string expected = "fen, fen_down, fen_up, jiao, half_yuan or yuan";
    if (!node->is_string()) {
      return At(node->source(), key,
                fmt::format("expected one of {}, found {}", expected, TypeName(*node)));
    }
    const std::string& text = node->as_string()->get();
    for (const auto& [rounding_name, rounding] : kRoundings) {
      if (text == rounding_name) {
        out = rounding;
        return {};
      }
    }
    return At(node->source(), key,
              fmt::format("unknown rounding \"{}\"; expected one of {}", text, expected));
  }

  Result<void> ReadFeeRule(const toml::table& table, std::string_view prefix,
                           std::string_view minutes_key, minutes& at, int& basis_points,
                           Money& minimum_fee) const {
    if (auto k = CheckKeys(table, prefix, {minutes_key, "fee_percent", "minimum_fee_yuan"}); !k) {
      return k;
    }
    for (std::string_view required :
         {minutes_key, std::string_view("fee_percent"), std::string_view("minimum_fee_yuan")}) {
      if (!table.contains(required)) {
        return At(table.source(), Key(prefix, required),
                  fmt::format("missing; a fee rule sets {}, fee_percent and minimum_fee_yuan",
                              minutes_key));
      }
    }
    if (auto r = ReadMinutes(table, prefix, minutes_key, at); !r) return r;
    if (auto r = ReadPercent(table, prefix, "fee_percent", basis_points); !r) return r;
    return ReadMoney(table, prefix, "minimum_fee_yuan", minimum_fee);
  }

  Result<void> ReadRefund(const toml::table& table, std::string_view prefix,
                          core::RefundPolicy& refund) const {
    if (auto k =
            CheckKeys(table, prefix,
                      {"fee_rounding", "changed_ticket_refundable", "tiers", "after_departure"});
        !k) {
      return k;
    }
    if (auto r = ReadRounding(table, prefix, "fee_rounding", refund.fee_rounding); !r) return r;
    if (auto r =
            ReadBool(table, prefix, "changed_ticket_refundable", refund.changed_ticket_refundable);
        !r) {
      return r;
    }
    if (const toml::node* tiers = table.get("tiers"); tiers != nullptr) {
      const std::string key = Key(prefix, "tiers");
      const toml::array* list = tiers->as_array();
      if (list == nullptr) {
        return At(tiers->source(), key,
                  fmt::format("expected an array of tier tables, found {}", TypeName(*tiers)));
      }
      refund.tiers.clear();
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string tier_key = fmt::format("{}[{}]", key, i);
        const toml::table* tier_table = (*list)[i].as_table();
        if (tier_table == nullptr) {
          return At((*list)[i].source(), tier_key,
                    fmt::format("expected a table {{ at_least_before_minutes, fee_percent, "
                                "minimum_fee_yuan }}, found {}",
                                TypeName((*list)[i])));
        }
        core::RefundTier tier;
        if (auto r = ReadFeeRule(*tier_table, tier_key, "at_least_before_minutes",
                                 tier.at_least_before, tier.fee_basis_points, tier.minimum_fee);
            !r) {
          return r;
        }
        refund.tiers.push_back(tier);
      }
    }
    auto late = SubTable(table, prefix, "after_departure");
    if (!late) return Propagate(late);
    if (*late != nullptr) {
      core::LateRefundRule rule;
      if (auto r = ReadFeeRule(**late, Key(prefix, "after_departure"), "within_minutes",
                               rule.within, rule.fee_basis_points, rule.minimum_fee);
          !r) {
        return r;
      }
      refund.after_departure = rule;
    }
    return {};
  }

  Result<void> ReadChange(const toml::table& table, std::string_view prefix,
                          core::ChangePolicy& change) const {
    if (auto k = CheckKeys(
            table, prefix,
            {"max_changes", "free_changes", "fee_percent", "minimum_fee_yuan", "fee_rounding",
             "same_route_only", "same_vehicle_class_only", "cutoff_before_departure_minutes"});
        !k) {
      return k;
    }
    if (auto r = ReadInt(table, prefix, "max_changes", change.max_changes); !r) return r;
    if (auto r = ReadInt(table, prefix, "free_changes", change.free_changes); !r) return r;
    if (auto r = ReadPercent(table, prefix, "fee_percent", change.fee_basis_points); !r) {
      return r;
    }
    if (auto r = ReadMoney(table, prefix, "minimum_fee_yuan", change.minimum_fee); !r) return r;
    if (auto r = ReadRounding(table, prefix, "fee_rounding", change.fee_rounding); !r) return r;
    if (auto r = ReadBool(table, prefix, "same_route_only", change.same_route_only); !r) return r;
    if (auto r = ReadBool(table, prefix, "same_vehicle_class_only", change.same_vehicle_class_only);
        !r) {
      return r;
    }
    return ReadMinutes(table, prefix, "cutoff_before_departure_minutes",
                       change.cutoff_before_departure);
  }

  // [refund] and [change] of `section` (the file or one override) into `policy`, then the
  // policy's own Validate(), its error reported at the key it names.
  Result<void> ReadPolicy(const toml::table& section, std::string_view prefix,
                          AfterSalePolicy& policy) const {
    auto refund = SubTable(section, prefix, "refund");
    if (!refund) return Propagate(refund);
    if (*refund != nullptr) {
      if (auto r = ReadRefund(**refund, Key(prefix, "refund"), policy.refund); !r) return r;
    }
    auto change = SubTable(section, prefix, "change");
    if (!change) return Propagate(change);
    if (*change != nullptr) {
      if (auto r = ReadChange(**change, Key(prefix, "change"), policy.change); !r) return r;
    }
    if (auto valid = policy.Validate(); !valid) {
      return AtPolicyField(section, prefix, valid.error());
    }
    return {};
  }

  // A Validate() error names a field of the C++ policy ("refund.tiers[1].fee_basis_points");
  // report it under the file's key ("refund.tiers[1].fee_percent") at that key's line, or at
  // the nearest enclosing key the file has when the value came from the default.
  tl::unexpected<Error> AtPolicyField(const toml::table& section, std::string_view prefix,
                                      const Error& error) const {
    static constexpr std::pair<std::string_view, std::string_view> kFileNames[] = {
        {"fee_basis_points", "fee_percent"},
        {"minimum_fee", "minimum_fee_yuan"},
        {"at_least_before", "at_least_before_minutes"},
        {"within", "within_minutes"},
        {"cutoff_before_departure", "cutoff_before_departure_minutes"},
    };
    std::string path = error.field;
    const std::size_t dot = path.rfind('.');
    const std::size_t last = dot == std::string::npos ? 0 : dot + 1;
    for (const auto& [field, file_name] : kFileNames) {
      if (std::string_view(path).substr(last) == field) {
        path = path.substr(0, last) + std::string(file_name);
        break;
      }
    }
    const toml::source_region* where = &section.source();
    for (std::string probe = path; !probe.empty();) {
      if (const toml::node* node = section.at_path(probe).node(); node != nullptr) {
        where = &node->source();
        break;
      }
      const std::size_t cut = probe.find_last_of(".[");
      probe = cut == std::string::npos ? std::string() : probe.substr(0, cut);
    }
    return At(*where, Key(prefix, path), error.message);
  }

  Result<core::PolicyScope> ReadOverride(const toml::table& table, const std::string& key,
                                         const AfterSalePolicy& province_default,
                                         const std::vector<core::PolicyScope>& earlier,
                                         core::AfterSalePolicyBook& book) const {
    if (auto k = CheckKeys(table, key, {"station", "carrier", "channel", "refund", "change"}); !k) {
      return Propagate(k);
    }
    core::PolicyScope scope;
    for (std::string_view dimension : {"station", "carrier", "channel"}) {
      const toml::node* node = table.get(dimension);
      if (node == nullptr) continue;
      const std::string dimension_key = Key(key, dimension);
      if (!node->is_string()) {
        return At(node->source(), dimension_key,
                  fmt::format("expected a string, found {}", TypeName(*node)));
      }
      const std::string& text = node->as_string()->get();
      if (dimension == "station") {
        Result<core::StationCode> station = core::StationCode::Parse(text);
        if (!station) return At(node->source(), dimension_key, station.error().message);
        scope.station = *station;
      } else if (dimension == "carrier") {
        Result<core::CreditCode> carrier = core::CreditCode::Parse(text);
        if (!carrier) return At(node->source(), dimension_key, carrier.error().message);
        scope.carrier = *carrier;
      } else {
        scope.channel = text;
      }
    }
    AfterSalePolicy policy = province_default;
    if (auto r = ReadPolicy(table, key, policy); !r) return Propagate(r);
    if (auto added = book.Add(scope, std::move(policy)); !added) {
      const Error& error = added.error();
      if (error.code == ErrorCode::kAlreadyExists) {
        const auto same = std::find(earlier.begin(), earlier.end(), scope);
        return At(table.source(), key,
                  fmt::format("the same station, carrier and channel as override[{}]; give each "
                              "scope one [[override]]",
                              same - earlier.begin()));
      }
      if (error.field == "scope.channel") {
        return At(table.get("channel")->source(), Key(key, "channel"), error.message);
      }
      return At(
          table.source(), key,
          fmt::format("{}; expected at least one of station, carrier, channel", error.message));
    }
    return scope;
  }

  std::string path_;
};

}  // namespace

Result<core::AfterSalePolicyBook> ParseAfterSalePolicy(const std::string& text,
                                                       const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    return InvalidArgument(fmt::format("{} line {}: not valid TOML: {}", path,
                                       error.source().begin.line, error.description()),
                           "");
  }
  return PolicyFileReader(path).Read(root);
}

Result<core::AfterSalePolicyBook> LoadAfterSalePolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound(
        fmt::format("cannot read the after-sale policy file {}: {}", path, std::strerror(errno)),
        "after-sale-policy");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseAfterSalePolicy(text.str(), path);
}

}  // namespace keyun::cli
