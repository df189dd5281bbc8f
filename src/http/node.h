// Node: one provincial node in one process — store, services, HTTP API and pages.
//
//   NodeOptions options{.db = "keyun.db", .server = {.port = 8080}, .demo = true};
//   Result<std::unique_ptr<Node>> node = Node::Open(options, PrintProgress);
//   if (!node) { Fail(node.error()); }
//   Result<std::uint16_t> port = (*node)->Start();
//   (*node)->Wait();   // until Stop(), e.g. from a signal
//
// `keyun serve` is a thin wrapper over this, and the HTTP integration tests start nodes the
// same way (port 0, ":memory:" or a PostgreSQL URL), so what is tested is what runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "checkin/checkin_service.h"
#include "core/personal_data.h"
#include "core/result.h"
#include "core/time.h"
#include "http/server.h"
#include "network/demo_province.h"
#include "network/network_service.h"
#include "eticket/issuer_keys.h"
#include "sales/sales_service.h"
#include "sales/sandbox_payment.h"
#include "sales/reimbursement_tickets.h"
#include "sales/ticket_vouchers.h"
#include "store/key_file.h"
#include "store/store.h"

namespace keyun::http {

struct NodeOptions {
  std::string db = "keyun.db";  // SQLite path, ":memory:", or postgresql:// URL
  // The key file with the node's secrets (docs/keys.md); empty = "<db>.keys" beside a SQLite
  // file, in memory for ":memory:"; required for PostgreSQL.
  std::string key_file;
  std::string province = "37";  // GB/T 2260 code of the province this node serves
  ServerOptions server;
  bool demo = false;                      // seed the demo province (idempotent)
  network::DemoOptions demo_options;      // seed, province, days
  // Days of runs kept generated ahead of today (runs are generated at start).
  int presale_days = 15;
  // Cost of staff password hashes. Tests use kFastForTests.
  core::PasswordCost password_cost = core::PasswordCost::kInteractive;
  sales::SalesPolicy sales_policy;
  checkin::CheckinPolicy checkin_policy;
  // How often lapsed seat holds are released and new outbox events numbered
  // (store::SequenceEvents); 0 = never in the background (tests call
  // sales().ExpireHolds() and store::SequenceEvents themselves).
  std::chrono::milliseconds expiry_interval{2000};
  // The clock; nullptr = the system clock. Must outlive the node.
  const core::Clock* clock = nullptr;
};

struct NodeInfo {
  std::string store_location;  // without password
  std::string engine;          // "sqlite" / "postgresql"
  std::string key_file;        // the key file's path, or "(in memory)"
  int schema_version = 0;
  std::optional<network::DemoSummary> demo;  // when seeded
};

class Node {
 public:
  // Opens the key file and the store (applying migrations; secrets an older database still
  // holds move into the key file first), seeds the demo if asked, generates the runs of the
  // presale window, and builds the routes. Does not listen yet.
  // Errors: kUnavailable (the database cannot be opened: the message says which and why),
  // kInvalidArgument (a PostgreSQL database without a key file), kFailedPrecondition (schema
  // newer than this binary; demo over foreign data; a key file readable by others, missing
  // while the database has sealed data, or of another database), store errors.
  [[nodiscard]] static Result<std::unique_ptr<Node>> Open(const NodeOptions& options,
                                                          const store::ProgressFn& progress = {});
  ~Node();

  // Starts serving; returns the bound port (kUnavailable if it is busy).
  [[nodiscard]] Result<std::uint16_t> Start();
  void Stop();
  void Wait();

  [[nodiscard]] const NodeInfo& info() const { return info_; }
  [[nodiscard]] store::Store& store() { return *store_; }
  [[nodiscard]] network::NetworkService& network() { return *network_; }
  [[nodiscard]] sales::SalesService& sales() { return *sales_; }
  [[nodiscard]] sales::SandboxPaymentProvider& sandbox() { return *sandbox_; }
  [[nodiscard]] checkin::CheckinService& checkins() { return *checkins_; }

 private:
  Node() = default;

  NodeInfo info_;
  std::unique_ptr<core::SystemClock> system_clock_;  // when no clock was given
  std::unique_ptr<store::KeyFile> key_file_;  // outlives every service that holds its keys
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<network::NetworkService> network_;
  std::unique_ptr<sales::SandboxPaymentProvider> sandbox_;  // before sales_: outlives it
  std::unique_ptr<sales::SalesService> sales_;
  std::unique_ptr<eticket::IssuerKeyStore> issuer_keys_;
  std::unique_ptr<sales::TicketVouchers> vouchers_;
  std::unique_ptr<core::KeyedHasher> id_hasher_;  // the sales service's key, for gates
  std::unique_ptr<checkin::CheckinService> checkins_;
  std::unique_ptr<sales::ReimbursementTickets> reimbursements_;
  struct Api;
  std::unique_ptr<Api> api_;  // sessions and routes; private to node.cc
  std::unique_ptr<Router> router_;
  std::unique_ptr<Server> server_;
  std::chrono::milliseconds expiry_interval_{0};
  std::string notify_host_;  // where the sandbox reaches this node: its listening address
  std::jthread expiry_;  // releases lapsed holds and numbers outbox events while serving
};

}  // namespace keyun::http
