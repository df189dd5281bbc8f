// Reading SQL text without a parser: just enough lexing (quotes, comments, dollar quotes,
// trigger bodies) to split migration files and to count $n parameters. Private to src/store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keyun::store::internal {

// Splits a migration into statements at each top-level ";". Semicolons inside '…' literals,
// "…" identifiers, -- and /* */ comments, $tag$…$tag$ bodies and CREATE TRIGGER … END do not
// split. Returned statements are trimmed, have no trailing ";", and blank or comment-only
// pieces are dropped.
[[nodiscard]] std::vector<std::string> SplitStatements(std::string_view sql);

// The highest n of the $n parameters in `sql` (0 if none), ignoring literals and comments.
[[nodiscard]] int HighestParameter(std::string_view sql);

}  // namespace keyun::store::internal
