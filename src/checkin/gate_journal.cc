#include "checkin/gate_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <string_view>

#include "core/durable_file.h"

namespace keyun::checkin {
namespace {

constexpr std::string_view kTag = "K1";

std::uint64_t Fnv1a64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

bool Clean(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return false;  // no tabs, line breaks or control characters
  }
  return true;
}

std::string Line(const CheckinRecord& r) {
  std::string body = fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}", kTag, r.ticket_number.str(),
                                 r.run_id.str(), r.gate_id, r.operator_id,
                                 CheckinMethodName(r.method), r.at.unix_micros());
  return fmt::format("{}\t{:016x}\n", body, Fnv1a64(body));
}

std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

Result<CheckinRecord> ParseLine(std::string_view line) {
  std::size_t last_tab = line.rfind('\t');
  if (last_tab == std::string_view::npos) return InvalidArgument("no checksum");
  std::string_view body = line.substr(0, last_tab);
  if (fmt::format("{:016x}", Fnv1a64(body)) != line.substr(last_tab + 1)) {
    return InvalidArgument("checksum mismatch");
  }
  std::vector<std::string_view> f = Split(body);
  if (f.size() != 7 || f[0] != kTag) return InvalidArgument("unknown record layout");
  auto ticket = core::TicketNumber::Parse(f[1]);
  auto run = core::RunId::Parse(f[2]);
  auto method = ParseCheckinMethod(f[5]);
  std::int64_t micros = 0;
  auto [end, ec] = std::from_chars(f[6].data(), f[6].data() + f[6].size(), micros);
  if (!ticket || !run || !method || ec != std::errc() || end != f[6].data() + f[6].size()) {
    return InvalidArgument("a field does not parse");
  }
  return CheckinRecord{.ticket_number = *ticket,
                       .run_id = *run,
                       .gate_id = std::string(f[3]),
                       .operator_id = std::string(f[4]),
                       .method = *method,
                       .at = core::Instant::FromUnixMicros(micros)};
}

Error Io(std::string_view what, const std::string& path) {
  return Error{ErrorCode::kUnavailable,
               fmt::format("{} {}: {}; check the gate's disk and the file's permissions", what,
                           path, std::strerror(errno)),
               {}};
}

}  // namespace

Result<std::unique_ptr<GateJournal>> GateJournal::Open(const std::string& path) {
  std::error_code ignored;  // the overloads that report, not throw: open() says what is wrong
  bool existed = std::filesystem::exists(path, ignored);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return tl::unexpected(Io("cannot open the gate journal", path));
  std::unique_ptr<GateJournal> journal(new GateJournal(path, fd));
  if (!existed && !core::SyncDirectoryOf(path)) {
    return tl::unexpected(Io("cannot sync the directory of", path));
  }

  std::string content;
  char buffer[1 << 16];
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return tl::unexpected(Io("cannot read the gate journal", path));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
  std::size_t start = 0, line_number = 0, good_end = 0;
  while (start < content.size()) {
    ++line_number;
    std::size_t newline = content.find('\n', start);
    bool last = newline == std::string::npos || newline + 1 == content.size();
    std::string_view line(content.data() + start,
                          (newline == std::string::npos ? content.size() : newline) - start);
    auto record = newline == std::string::npos ? Result<CheckinRecord>(InvalidArgument("torn"))
                                               : ParseLine(line);
    if (!record) {
      if (!last) {
        return Internal(fmt::format(
            "gate journal {} line {} is damaged ({}); keep the file for the station's audit "
            "and start the gate with a new journal",
            path, line_number, record.error().message));
      }
      journal->dropped_ = 1;  // a power cut mid-append: never acknowledged, so never admitted
      break;
    }
    journal->records_.push_back(std::move(*record));
    start = newline + 1;
    good_end = start;
  }
  if (good_end < content.size()) {
    if (::ftruncate(fd, static_cast<off_t>(good_end)) != 0 || ::fdatasync(fd) != 0) {
      return tl::unexpected(Io("cannot truncate the torn end of", path));
    }
  }

  std::string pushed_path = path + ".pushed";
  if (std::filesystem::exists(pushed_path, ignored)) {
    int pfd = ::open(pushed_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (pfd < 0) return tl::unexpected(Io("cannot open", pushed_path));
    char text[32] = {};
    ssize_t n = ::read(pfd, text, sizeof text - 1);
    ::close(pfd);
    std::size_t count = 0;
    auto [end, ec] = std::from_chars(text, text + std::max<ssize_t>(n, 0), count);
    if (n <= 0 || ec != std::errc() || count > journal->records_.size()) {
      return Internal(fmt::format("{} does not hold a count of at most {} records", pushed_path,
                                  journal->records_.size()));
    }
    (void)end;
    journal->pushed_ = count;
  }
  return journal;
}

GateJournal::~GateJournal() { ::close(fd_); }

Result<void> GateJournal::Append(const CheckinRecord& record) {
  if (!Clean(record.gate_id) || !Clean(record.operator_id)) {
    return InvalidArgument(
        "the gate and operator ids must be 1 to 64 printable characters without tabs or line "
        "breaks",
        "gate");
  }
  std::string line = Line(record);
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (before < 0 || !core::WriteAll(fd_, line) || ::fdatasync(fd_) != 0) {
    Error error = Io("cannot write the gate journal", path_);
    // A partial line would read as damaged once more lines follow it: cut it off if we can.
    if (before >= 0) (void)::ftruncate(fd_, before);
    return tl::unexpected(error);
  }
  records_.push_back(record);
  return {};
}

Result<void> GateJournal::MarkPushed(std::size_t count) {
  if (count > records_.size() || count < pushed_) {
    return InvalidArgument(fmt::format("pushed count {} is outside {}..{}", count, pushed_,
                                       records_.size()));
  }
  std::string pushed_path = path_ + ".pushed";
  std::string temporary = pushed_path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return tl::unexpected(Io("cannot write", temporary));
  bool ok = core::WriteAll(fd, std::to_string(count) + "\n") && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), pushed_path.c_str()) != 0 || !core::SyncDirectoryOf(path_)) {
    return tl::unexpected(Io("cannot replace", pushed_path));
  }
  pushed_ = count;
  return {};
}

}  // namespace keyun::checkin
