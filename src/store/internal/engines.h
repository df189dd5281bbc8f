// The two Store engines' factories, called by Store::Open. Private to src/store.
#pragma once

#include <memory>
#include <string_view>

#include "store/store.h"

namespace keyun::store::internal {

// `path` is a file name or ":memory:". Errors: kUnavailable naming the path.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqlite(std::string_view path,
                                                        const OpenOptions& options);

// `url` is a postgresql:// or postgres:// URL handed to libpq as is. Errors: kUnavailable
// naming the host (never the password).
[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgres(std::string_view url,
                                                          const OpenOptions& options);

// The URL with any password removed (userinfo "user:secret@" → "user@", "password=" query
// parameter dropped), for logs and messages.
[[nodiscard]] std::string RedactPostgresUrl(std::string_view url);

}  // namespace keyun::store::internal
