// Small POSIX helpers for files that must survive a crash: the gate's journal and the node's
// key file both write whole records, sync them, and sync the directory after creating or
// renaming a file so that its name is durable too.
#pragma once

#include <string>
#include <string_view>

namespace keyun::core {

// Writes all of `text` to `fd` (retrying short writes and EINTR); false with errno set on an
// error. Does not sync: the caller chooses fsync or fdatasync.
[[nodiscard]] bool WriteAll(int fd, std::string_view text);

// fsync of the directory holding `path`; false with errno set if it cannot be opened or synced.
[[nodiscard]] bool SyncDirectoryOf(const std::string& path);

}  // namespace keyun::core
