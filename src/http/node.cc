#include "http/node.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "http/access_policy.h"
#include "http/checkin_api.h"
#include "http/http_client.h"
#include "http/network_api.h"
#include "http/reimbursement_api.h"
#include "http/sales_api.h"
#include "http/sessions.h"
#include "http/static_pages.h"
#include "network/staff_login.h"
#include "store/outbox.h"

namespace keyun::http {

namespace {

// The guard's view of orders and tickets, from the sales service: who may act on them.
class SalesHolderDirectory final : public HolderDirectory {
 public:
  explicit SalesHolderDirectory(sales::SalesService& sales) : sales_(sales) {}

  Result<Owner> OrderOwner(const std::string& order_id) override {
    auto order = sales_.GetOrder(order_id);
    if (!order) return Propagate(order);
    Owner owner{.order_id = order->order_id, .stations = {}};
    if (order->seller_station) owner.stations.push_back(*order->seller_station);
    // The run's departure station (its id starts with it) and every boarding stop sold.
    if (auto run = core::RunId::Parse(order->run_id)) owner.stations.push_back(run->station().str());
    for (const sales::Ticket& t : order->tickets) owner.stations.push_back(t.from.str());
    return owner;
  }

  Result<Owner> TicketOwner(const std::string& ticket_number) override {
    auto ticket = sales_.GetTicket(ticket_number);
    if (!ticket) return Propagate(ticket);
    auto order = sales_.GetOrder(ticket->order_id);
    if (!order) return Propagate(order);
    Owner owner{.order_id = ticket->order_id, .stations = {ticket->from.str()}};
    if (order->seller_station) owner.stations.push_back(*order->seller_station);
    return owner;
  }

  bool IsAccessToken(const std::string& order_id, std::string_view token) override {
    return sales_.IsOrderAccessToken(order_id, token);
  }

 private:
  sales::SalesService& sales_;
};

}  // namespace

struct Node::Api {
  Api(const core::Clock& clock, sales::SalesService& sales, store::Store& store,
      network::NetworkService& network)
      : sessions(clock), logins(store, network, clock), holders(sales), guard(sessions, holders) {}
  Sessions sessions;
  network::StaffLogin logins;  // POST /session: throttled and audited
  SalesHolderDirectory holders;
  AccessGuard guard;
};

Result<std::unique_ptr<Node>> Node::Open(const NodeOptions& options,
                                         const store::ProgressFn& progress) {
  std::unique_ptr<Node> node(new Node());
  const core::Clock* clock = options.clock;
  if (clock == nullptr) {
    node->system_clock_ = std::make_unique<core::SystemClock>();
    clock = node->system_clock_.get();
  }

  Result<std::unique_ptr<store::KeyFile>> key_file =
      store::KeyFile::ForDatabase(options.db, options.key_file);
  if (!key_file) return tl::unexpected(WithField(key_file.error(), "key_file"));
  node->key_file_ = std::move(*key_file);
  Result<std::unique_ptr<store::Store>> store =
      store::Store::Open(options.db, store::OpenOptions{.migrate = false});
  if (!store) return Propagate(store);
  node->store_ = std::move(*store);
  Result<int> applied = store::MigrateWithKeyFile(*node->store_, *node->key_file_, progress);
  if (!applied) return tl::unexpected(WithContext(applied.error(), "migrating the database"));
  Result<int> version = node->store_->SchemaVersion();
  if (!version) return Propagate(version);
  node->info_ = NodeInfo{.store_location = node->store_->DisplayLocation(),
                         .engine = std::string(store::EngineName(node->store_->engine())),
                         .key_file = node->key_file_->DisplayPath(),
                         .schema_version = *version,
                         .demo = std::nullopt};

  // The keys before anything is written: a missing or foreign key file stops the node here.
  Result<sales::PersonalDataKeys> keys =
      sales::LoadOrCreatePersonalDataKeys(*node->store_, *node->key_file_);
  if (!keys) return tl::unexpected(WithContext(keys.error(), "loading the node's keys"));
  auto province = core::ProvinceCode::Parse(options.province);
  if (!province) return tl::unexpected(WithField(province.error(), "province"));
  auto issuer_keys =
      eticket::IssuerKeyStore::Open(*node->store_, *node->key_file_, *province, *clock);
  if (!issuer_keys) return tl::unexpected(WithContext(issuer_keys.error(), "loading issuer keys"));
  node->issuer_keys_ = std::move(*issuer_keys);

  node->network_ = std::make_unique<network::NetworkService>(
      *node->store_, *clock,
      network::NetworkService::Options{.password_cost = options.password_cost});

  core::LocalDate today = clock->Now().ShanghaiDate();
  if (options.demo) {
    network::DemoOptions demo = options.demo_options;
    if (!demo.first_date) demo.first_date = today;
    Result<network::DemoSummary> seeded =
        network::SeedDemoProvince(*node->network_, demo, progress);
    if (!seeded) return tl::unexpected(WithContext(seeded.error(), "seeding the demo province"));
    node->info_.demo = std::move(*seeded);
  }
  // Keep the presale window's runs generated; idempotent, so a restart only fills gaps.
  if (options.presale_days > 0) {
    Result<int> created =
        node->network_->GenerateRuns(today, today.AddDays(options.presale_days - 1), progress);
    if (!created) return tl::unexpected(WithContext(created.error(), "generating runs"));
  }

  node->sales_ = std::make_unique<sales::SalesService>(*node->store_, *node->network_, *clock,
                                                       options.sales_policy, *keys);
  // The sandbox wallet notifies the node over HTTP, as a real provider would; its delivery is
  // wired in Start(), once the port is known.
  node->sandbox_ = std::make_unique<sales::SandboxPaymentProvider>(*clock);
  node->sales_->AddPaymentProvider(*node->sandbox_);
  node->expiry_interval_ = options.expiry_interval;
  node->vouchers_ = std::make_unique<sales::TicketVouchers>(*node->sales_, *node->issuer_keys_,
                                                            *node->network_);
  node->id_hasher_ = std::make_unique<core::KeyedHasher>(
      std::span<const std::uint8_t, core::KeyedHasher::kKeyBytes>(keys->id_hash_key));
  node->checkins_ = std::make_unique<checkin::CheckinService>(
      *node->store_, *node->issuer_keys_, *node->id_hasher_, *clock, options.checkin_policy);
  // A departure closed at the gate stops the run's sales and leaves the search catalogue.
  node->checkins_->OnRunDeparted([network = node->network_.get()](const std::string& run_id) {
    if (auto id = core::RunId::Parse(run_id)) {
      network->NoteRunStatusChanged(*id, network::RunStatus::kDeparted);
    }
  });
  node->reimbursements_ = std::make_unique<sales::ReimbursementTickets>(
      *node->store_, *node->sales_, *node->vouchers_, *node->network_, *clock);

  node->api_ = std::make_unique<Api>(*clock, *node->sales_, *node->store_, *node->network_);
  node->router_ = std::make_unique<Router>();
  AddNetworkApi(*node->router_, *node->network_, node->api_->sessions, node->api_->logins,
                *node->store_);
  AddSalesApi(*node->router_, *node->sales_, node->api_->sessions);
  AddSandboxWalletApi(*node->router_, *node->sandbox_);
  AddVoucherApi(*node->router_, *node->vouchers_, *node->issuer_keys_);
  AddReimbursementApi(*node->router_, *node->reimbursements_, node->api_->logins,
                      node->api_->sessions);
  AddCheckinApi(*node->router_, *node->checkins_, node->api_->sessions);
  AddStationSettingsApi(*node->router_, *node->checkins_, node->api_->sessions);
  AddGateFeedApi(*node->router_, *node->checkins_, node->api_->sessions, *node->issuer_keys_,
                 keys->id_hash_key);
  AddStaticPages(*node->router_);
  // Every route passes the one access table (access_policy.h) before its handler.
  if (auto complete = CheckEveryRouteHasARule(*node->router_); !complete) {
    return Propagate(complete);
  }
  node->router_->SetGuard([guard = &node->api_->guard](Method method, std::string_view pattern,
                                                       Request& request) {
    return guard->Check(method, pattern, request);
  });
  ServerOptions server = options.server;
  server.clock = clock;
  node->server_ = std::make_unique<Server>(std::move(server), *node->router_);
  // A node listening on every address is reached on the loopback one.
  const std::string& host = options.server.host;
  node->notify_host_ = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  return node;
}

Node::~Node() { Stop(); }

Result<std::uint16_t> Node::Start() {
  Result<std::uint16_t> port = server_->Start();
  if (port) {
    // One connection, used only by the sandbox's notifier thread.
    auto client = std::make_shared<HttpClient>(notify_host_, *port);
    auto post_to = [client](std::string path) {
      return [client, path](const std::string& body) -> Result<void> {
        auto reply = client->Send("POST", path, body, {}, "application/x-www-form-urlencoded");
        if (!reply) return Propagate(reply);
        if (reply->status / 100 != 2) {
          return Unavailable("the node answered " + std::to_string(reply->status) + ": " +
                             reply->body);
        }
        return {};
      };
    };
    sandbox_->SetDelivery(post_to("/api/v1/payments/sandbox/notify"));
    sandbox_->SetRefundDelivery(post_to("/api/v1/payments/sandbox/refund-notify"));
  }
  if (port && expiry_interval_.count() > 0) {
    expiry_ = std::jthread([this](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any wake;
      // Money still owed through a provider is asked for again every half minute.
      constexpr auto kRefundSweep = std::chrono::seconds(30);
      auto next_sweep = std::chrono::steady_clock::now() + kRefundSweep;
      while (!stop.stop_requested()) {
        Result<int> expired = sales_->ExpireHolds();
        if (!expired) spdlog::warn("releasing lapsed holds: {}", expired.error().ToString());
        if (expired && *expired > 0) spdlog::info("released {} lapsed holds", *expired);
        // The events of the sales and check-ins committed since, in the order a shipper reads.
        // Small batches: each is one write transaction in a group commit, and a long one
        // would hold up the sales queued behind it (p99).
        constexpr int kSequenceBatch = 500;
        for (int round = 0; round < 2000 && !stop.stop_requested(); ++round) {
          Result<int> numbered = store::SequenceEvents(*store_, kSequenceBatch);
          if (!numbered) spdlog::warn("numbering outbox events: {}", numbered.error().ToString());
          if (!numbered || *numbered < kSequenceBatch) break;
          spdlog::info("numbered {} outbox events, more waiting", *numbered);
        }
        if (std::chrono::steady_clock::now() >= next_sweep) {
          next_sweep = std::chrono::steady_clock::now() + kRefundSweep;
          Result<int> asked = sales_->RetryProviderRefunds(std::chrono::seconds(60));
          if (!asked) spdlog::warn("asking for owed refunds again: {}", asked.error().ToString());
          if (asked && *asked > 0) spdlog::info("asked providers again for {} refunds", *asked);
        }
        std::unique_lock lock(mu);
        wake.wait_for(lock, stop, expiry_interval_, [] { return false; });
      }
    });
  }
  return port;
}

void Node::Stop() {
  if (expiry_.joinable()) {
    expiry_.request_stop();
    expiry_.join();
  }
  if (server_) server_->Stop();
}
void Node::Wait() { server_->Wait(); }

}  // namespace keyun::http
