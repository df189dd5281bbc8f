// The after-sale policy file: a province's refund (退票) and change (改签) fee table, read from
// TOML by `keyun serve --after-sale-policy FILE` (DESIGN.md §3: every number is a policy
// setting, never a constant). The format is documented in docs/after-sale.md, with every key
// written out at its default in docs/after-sale-policy.example.toml.
//
//   Result<core::AfterSalePolicyBook> book = LoadAfterSalePolicy("/etc/keyun/after-sale.toml");
//   if (!book) return Fail(book.error());  // "after-sale.toml line 7: refund.tiers[1]...: ..."
//   options.sales_policy.after_sale = std::move(*book);
//
// toml++ is used here only (DESIGN.md §7); no TOML type leaves this part.
#pragma once

#include <string>

#include "core/after_sale_policy.h"
#include "core/result.h"

namespace keyun::cli {

// Reads the policy file at `path`: the province default from [refund] and [change] (any key
// left out keeps AfterSalePolicy::Default()'s value), and one override per [[override]]
// table, which starts from that province default.
//   NotFound if the file cannot be read (the message names the path and why).
//   InvalidArgument for a TOML syntax error, an unknown key, a value of the wrong type or out
//   of range, a percent with more than 2 decimals, a policy that fails Validate(), or two
//   overrides for the same scope. The message reads "<path> line <n>: <key>: <what is wrong
//   and what is expected>"; `field` is the key ("override[0].refund.tiers[1].fee_percent").
// Thread-safe: reads only the file and its arguments.
[[nodiscard]] Result<core::AfterSalePolicyBook> LoadAfterSalePolicy(const std::string& path);

// The same from TOML text already in memory; `path` names it in messages.
[[nodiscard]] Result<core::AfterSalePolicyBook> ParseAfterSalePolicy(const std::string& text,
                                                                     const std::string& path);

}  // namespace keyun::cli
