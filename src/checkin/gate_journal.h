// GateJournal: a gate's crash-safe record of the check-ins it accepted (检票流水), kept on the
// gate's own disk so that an offline gate loses nothing and can push everything to its node
// when the network returns (DESIGN.md §1 `keyun gate`, docs/checkin.md "Offline gates").
//
//   Result<std::unique_ptr<GateJournal>> journal = GateJournal::Open("/var/lib/keyun/gate3.journal");
//   for (const CheckinRecord& r : (*journal)->records()) gate.ApplyCheckins({&r, 1});  // replay
//   if (auto ok = (*journal)->Append(record); !ok) { show_red(); }   // durable, then green
//   … push records()[pushed() …] to the node; on its acknowledgement:
//   (*journal)->MarkPushed(n);
//
// Format: one line per check-in, tab-separated, ending with a checksum of the line:
//   K1 <ticket number> <run id> <gate> <operator> <method> <unix micros> <fnv1a64 hex>
// Append writes the line and fdatasyncs before it returns, so a check-in the gate showed as
// accepted survives a power cut. A power cut during an append leaves a torn last line, which
// Open drops (it was never acknowledged) and truncates away; a damaged line elsewhere means the
// file was tampered with or the disk is failing, and Open refuses it (kDataLoss-like Internal
// error naming the line) rather than guess. The count pushed to the node is a separate small
// file (path + ".pushed"), replaced atomically (write, fsync, rename).
//
// Thread-safety: one thread at a time (a gate checks one passenger at a time).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "checkin/gate_decision.h"
#include "core/result.h"

namespace keyun::checkin {

class GateJournal final {
 public:
  // Opens or creates the journal at `path` and reads back every complete record.
  // Errors: kUnavailable (cannot open/create/read: the message says which file and why),
  // kInternal (a damaged record before the last line, with its line number).
  [[nodiscard]] static Result<std::unique_ptr<GateJournal>> Open(const std::string& path);
  ~GateJournal();
  GateJournal(const GateJournal&) = delete;
  GateJournal& operator=(const GateJournal&) = delete;

  // Every record, oldest first.
  [[nodiscard]] const std::vector<CheckinRecord>& records() const { return records_; }
  // How many of records() the node has acknowledged.
  [[nodiscard]] std::size_t pushed() const { return pushed_; }
  // How many lines Open dropped as torn (0 or 1).
  [[nodiscard]] int dropped_torn_lines() const { return dropped_; }

  // Appends `record` durably (write + fdatasync). kInvalidArgument if the gate or operator id
  // is empty or holds a tab or line break; kUnavailable if the disk refuses (then the gate
  // must not admit the passenger).
  [[nodiscard]] Result<void> Append(const CheckinRecord& record);

  // Records that the first `count` records reached the node. kInvalidArgument if count is more
  // than records().size() or less than pushed(); kUnavailable on a disk error.
  [[nodiscard]] Result<void> MarkPushed(std::size_t count);

 private:
  GateJournal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  const int fd_;
  std::vector<CheckinRecord> records_;
  std::size_t pushed_ = 0;
  int dropped_ = 0;
};

}  // namespace keyun::checkin
