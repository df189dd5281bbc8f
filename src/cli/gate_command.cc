// keyun gate: a gate terminal (检票终端) that keeps working when the network is down.
//
// It syncs from its station's node — issuer keys, the manifests of runs boarding in the next
// hours, the revocation list, check-ins made at other gates — then checks every line a hand
// scanner types on stdin: a voucher ("KY1:…") or an ID number read from a card. Every admission
// is written to the gate's journal (fdatasync) before it is shown, and the journal is pushed
// to the node whenever the node answers; the node reports tickets admitted at two gates.
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkin/gate_journal.h"
#include "checkin/gate_verifier.h"
#include "cli/commands.h"
#include "core/id_document.h"
#include "core/personal_data.h"
#include "http/gate_client.h"

namespace keyun::cli {
namespace {

struct GateFlags {
  std::string node = "http://127.0.0.1:8080";
  std::string station;
  std::string gate;
  std::string user = "gate";
  std::string password_env = "KEYUN_GATE_PASSWORD";
  std::string journal;
  int hours = 6;
  int sync_seconds = 30;
  bool json = false;
};

// "http://host:port" → host, port.
Result<std::pair<std::string, std::uint16_t>> ParseNode(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return std::make_pair(rest, std::uint16_t{80});
  int port = std::atoi(rest.c_str() + colon + 1);
  if (port <= 0 || port > 65535) {
    return InvalidArgument("--node must look like http://127.0.0.1:8080", "node");
  }
  return std::make_pair(rest.substr(0, colon), static_cast<std::uint16_t>(port));
}

std::string journal_path_of(const GateFlags& flags) {
  return flags.journal.empty() ? "gate-" + flags.gate + ".journal" : flags.journal;
}

class Gate {
 public:
  Gate(const GateFlags& flags, std::unique_ptr<checkin::GateJournal> journal,
       std::unique_ptr<checkin::GateVerifier> verifier, std::string host, std::uint16_t port,
       std::string password)
      : flags_(flags),
        journal_(std::move(journal)),
        verifier_(std::move(verifier)),
        client_(std::move(host), port),
        password_(std::move(password)),
        feed_path_(journal_path_of(flags) + ".feed") {}

  // One sync round: pull the feed, push the journal. Offline is not an error: it says so.
  void Sync() {
    std::lock_guard sync_lock(sync_mu_);
    if (!logged_in_) {
      if (auto ok = client_.Login(flags_.user, password_); !ok) {
        Offline(ok.error());
        return;
      }
      logged_in_ = true;
    }
    auto feed = client_.FetchFeed(flags_.station, std::chrono::hours(flags_.hours),
                                  verifier_->revocation_sequence());
    if (!feed) {
      if (feed.error().code == ErrorCode::kUnauthenticated) logged_in_ = false;
      Offline(feed.error());
      return;
    }
    Apply(*feed);
    if (auto saved = http::SaveGateFeed(*feed, feed_path_); !saved) {
      spdlog::warn("gate: {}", saved.error().message);  // still synced; only a restart loses it
    }
    std::vector<checkin::CheckinRecord> unpushed;
    std::size_t upto = 0;
    {
      std::lock_guard lock(mu_);
      upto = journal_->records().size();
      unpushed.assign(journal_->records().begin() + static_cast<std::ptrdiff_t>(journal_->pushed()),
                      journal_->records().end());
    }
    if (!unpushed.empty()) {
      auto pushed = client_.PushJournal(unpushed);
      if (!pushed) {
        Offline(pushed.error());
        return;
      }
      for (const auto& c : pushed->conflicts) {
        Say(fmt::format("冲突 / CONFLICT: ticket {} admitted at gate {} ({}) and again at gate {} ({})",
                        c.first.ticket_number.str(), c.first.gate_id, c.first.at.ToIso8601(),
                        c.again.gate_id, c.again.at.ToIso8601()));
      }
      std::lock_guard lock(mu_);
      if (auto ok = journal_->MarkPushed(upto); !ok) spdlog::error("gate: {}", ok.error().message);
    }
    if (!online_) Say("联网 / ONLINE: synced with " + flags_.node);
    online_ = true;
    ++syncs_;
  }

  // Takes the feed saved at the last sync, if any: keys, manifests and check-ins, so that a
  // gate restarted while the node is out of reach checks vouchers at once.
  void LoadSaved() {
    auto saved = http::LoadGateFeed(feed_path_);
    if (!saved) {
      Say("保存的同步数据不可用 / saved feed unusable: " + saved.error().message);
      return;
    }
    if (!*saved) return;
    Apply(**saved);
    Say(fmt::format("离线数据 / using the feed saved at {} ({} tickets); ID cards after the next sync",
                    (*saved)->generated_at, (*saved)->tickets.size()));
  }

  // Checks one scanned line and prints the decision.
  void Check(std::string line) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    // Spaces are Base45 characters, so a voucher is taken as typed; an ID number is trimmed.
    const bool voucher = line.rfind("KY1:", 0) == 0 || line.size() > 40;
    if (!voucher) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    }
    if (line.empty()) return;
    checkin::GateContext ctx{.gate_id = flags_.gate, .operator_id = flags_.user,
                             .now = clock_.Now()};
    std::optional<checkin::GateDecision> decision;
    if (voucher) {
      decision = verifier_->CheckVoucher(line, ctx);
    } else {
      auto document = core::IdDocument::Parse(core::IdType::kResidentId, line, ctx.now.ShanghaiDate());
      std::optional<std::string> hash;
      {
        std::lock_guard lock(mu_);
        if (document && hasher_) hash = hasher_->HashIdDocument(*document);
      }
      if (!document) {
        Print(false, "无法识别：不是电子客票也不是身份证号", "not a keyun e-ticket nor an ID number",
              {});
        return;
      }
      if (!hash) {
        Print(false, "尚未同步，无法刷证：请扫码", "not synced yet: ID cards cannot be checked; scan the QR code",
              {});
        return;
      }
      decision = verifier_->CheckIdNumber(*hash, ctx);
    }
    if (!decision->accepted()) {
      const auto& r = decision->refusal();
      Print(false, r.message_zh, r.message_en, std::string(checkin::RefusalKey(r.reason)));
      return;
    }
    const auto& a = decision->admission();
    std::vector<checkin::CheckinRecord> records{a.record};
    for (const auto& child : a.free_children) {
      checkin::CheckinRecord record = a.record;
      record.ticket_number = child.ticket_number;
      records.push_back(record);
    }
    {
      std::lock_guard lock(mu_);
      for (const auto& record : records) {
        if (auto ok = journal_->Append(record); !ok) {
          Print(false, "检票记录写入失败，请勿放行：" + ok.error().message,
                "cannot journal the check-in, do not admit: " + ok.error().message, "journal");
          return;
        }
      }
    }
    std::string seat = a.seat > 0 ? std::to_string(a.seat) + " 号座" : "无座";
    std::string children = a.free_children.empty()
                               ? ""
                               : fmt::format("，携童 {} 名", a.free_children.size());
    Print(true,
          fmt::format("通过：{} {} {}{}", seat, a.passenger_name_masked,
                      eticket::FareTypeName(a.fare_type), children),
          fmt::format("ACCEPTED: seat {} {} {} ticket {} run {}", a.seat, a.passenger_name_masked,
                      eticket::FareTypeName(a.fare_type), a.ticket_number.str(), a.run_id.str()),
          "accepted");
  }

 private:
  // Installs a feed: trust list, manifest, revocations, other gates' check-ins, the station's
  // check-in window, ID hash key.
  void Apply(const http::GateFeed& feed) {
    eticket::VoucherVerifier trust;
    for (const auto& [id, key] : feed.keys) {
      if (auto ok = trust.AddKeyHex(id, key); !ok) {
        spdlog::warn("gate: key {}: {}", id, ok.error().message);
      }
    }
    verifier_->ReplaceTrustList(std::move(trust));
    auto station = core::StationCode::Parse(flags_.station);
    auto manifest = checkin::BoardingManifest::Build(*station, feed.tickets);
    if (!manifest) {
      spdlog::error("gate: the node's manifest is unusable: {}", manifest.error().message);
    } else if (auto ok = verifier_->ReplaceManifest(std::move(*manifest)); !ok) {
      spdlog::error("gate: {}", ok.error().message);
    }
    if (auto ok = verifier_->ApplyRevocations(feed.revocations); !ok) {
      spdlog::error("gate: revocations: {}", ok.error().message);
    }
    verifier_->ApplyCheckins(feed.checkins);
    if (auto ok = verifier_->ReplaceWindow(feed.window); !ok) {
      spdlog::error("gate: check-in window: {}", ok.error().message);
    }
    if (feed.id_hash_key_known) {
      std::lock_guard lock(mu_);
      hasher_.emplace(std::span<const std::uint8_t, 32>(feed.id_hash_key));
    }
  }

  void Offline(const Error& error) {
    if (online_ || syncs_ == 0) {
      Say("离线 / OFFLINE: " + error.message + " — checking on with the last synced data");
    }
    online_ = false;
  }

  void Say(const std::string& text) {
    std::lock_guard lock(out_mu_);
    if (flags_.json) {
      std::cout << nlohmann::json{{"event", "status"}, {"message", text}}.dump() << std::endl;
    } else {
      std::cout << "* " << text << std::endl;
    }
  }

  void Print(bool ok, const std::string& zh, const std::string& en, const std::string& key) {
    std::lock_guard lock(out_mu_);
    if (flags_.json) {
      std::cout << nlohmann::json{{"event", "check"}, {"accepted", ok}, {"reason", key},
                                  {"message_zh", zh}, {"message_en", en}}
                       .dump()
                << std::endl;
    } else {
      std::cout << (ok ? "\033[1;32m✔ " : "\033[1;31m✘ ") << zh << "\033[0m\n  " << en
                << std::endl;
    }
  }

  const GateFlags& flags_;
  std::unique_ptr<checkin::GateJournal> journal_;  // guarded by mu_
  std::unique_ptr<checkin::GateVerifier> verifier_;  // thread-safe itself
  http::GateClient client_;                          // guarded by sync_mu_
  const std::string password_;
  const std::string feed_path_;  // the last sync, kept for a restart without the network
  core::SystemClock clock_;
  std::mutex mu_;
  std::optional<core::KeyedHasher> hasher_;  // guarded by mu_; from the first sync
  std::mutex sync_mu_;
  bool logged_in_ = false;        // guarded by sync_mu_
  std::atomic<bool> online_{false};
  std::atomic<int> syncs_{0};
  std::mutex out_mu_;
};

int RunGate(const GateFlags& flags) {
  auto node = ParseNode(flags.node);
  if (!node) return Fail(node.error());
  auto station = core::StationCode::Parse(flags.station);
  if (!station) return Fail(WithField(station.error(), "station"));
  const char* password = std::getenv(flags.password_env.c_str());
  if (password == nullptr) {
    return Fail(InvalidArgument("set the gate account's password in the environment variable " +
                                    flags.password_env + " (not on the command line, where "
                                    "other users could read it)",
                                "password-env")
                    .value());
  }
  std::string journal_path = journal_path_of(flags);
  auto journal = checkin::GateJournal::Open(journal_path);
  if (!journal) return Fail(journal.error());
  auto verifier = checkin::GateVerifier::Create({.station = *station}, eticket::VoucherVerifier());
  if (!verifier) return Fail(verifier.error());
  (*verifier)->ApplyCheckins((*journal)->records());  // what this gate admitted before a restart
  std::fprintf(stderr, "keyun gate %s at station %s: journal %s (%zu check-ins, %zu pushed%s)\n",
               flags.gate.c_str(), flags.station.c_str(), journal_path.c_str(),
               (*journal)->records().size(), (*journal)->pushed(),
               (*journal)->dropped_torn_lines() ? ", a torn last line dropped" : "");
  Gate gate(flags, std::move(*journal), std::move(*verifier), node->first, node->second, password);
  gate.LoadSaved();
  gate.Sync();

  std::mutex mu;
  std::condition_variable_any wake;
  std::jthread syncer([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::unique_lock lock(mu);
      wake.wait_for(lock, stop, std::chrono::seconds(flags.sync_seconds), [] { return false; });
      if (stop.stop_requested()) break;
      lock.unlock();
      gate.Sync();
    }
  });
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == ":sync") {  // an operator's key: sync now
      gate.Sync();
      continue;
    }
    gate.Check(line);
  }
  syncer.request_stop();
  wake.notify_all();
  syncer.join();
  gate.Sync();  // a last push of the journal
  return 0;
}

}  // namespace

void AddGateCommand(CLI::App& app, RunFn& run) {
  auto flags = std::make_shared<GateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "gate",
      "Run a gate terminal: sync from the station's node, check scanned vouchers and ID numbers "
      "from stdin (one per line, as a hand scanner types them; ':sync' syncs now), journal "
      "every admission, keep working offline");
  cmd->add_option("--node", flags->node, "the station's node")->capture_default_str();
  cmd->add_option("--station", flags->station, "this gate's station code, e.g. 370102001")
      ->required();
  cmd->add_option("--gate", flags->gate, "the gate's number as its sign shows it")->required();
  cmd->add_option("--user", flags->user, "the gate staff account")->capture_default_str();
  cmd->add_option("--password-env", flags->password_env,
                  "environment variable holding that account's password")
      ->capture_default_str();
  cmd->add_option("--journal", flags->journal, "the journal file (default gate-<gate>.journal)");
  cmd->add_option("--hours", flags->hours, "sync the runs boarding in this many hours")
      ->check(CLI::Range(1, 48))
      ->capture_default_str();
  cmd->add_option("--sync-seconds", flags->sync_seconds, "seconds between syncs")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "print one JSON object per line instead of text");
  cmd->callback([&run, flags] { run = [flags] { return RunGate(*flags); }; });
}

}  // namespace keyun::cli
