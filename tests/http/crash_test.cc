// kill -9 in the middle of group commits (issue 14 item 6): a real `keyun serve` process sells
// at windows to many clients at once and is killed with SIGKILL while batches are in flight.
// After a restart on the same database every sale it acknowledged is there, issued with the
// numbers it answered, and nothing is half-applied: every order has all its tickets, every
// issued ticket its number, its seat segments and its `sold` event, no seat segment twice.
// On a SQLite file and a real PostgreSQL server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/id_document.h"
#include "core/time.h"
#include "store/store.h"
#include "support/test_data.h"
#include "support/test_tools.h"

extern char** environ;

namespace keyun::http {
namespace {

using nlohmann::json;

enum class Engine { kSqliteFile, kPostgres };

// A free TCP port on the loopback address (the kernel's pick, released for the node to take).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// `keyun serve --demo` as its own process, killed with SIGKILL (never asked to stop).
class NodeProcess {
 public:
  NodeProcess(const std::string& db, const std::string& key_file, int port) : port_(port) {
    std::vector<std::string> args = {KEYUN_BIN,  "serve",      "--demo",     "--db",
                                     db,         "--key-file", key_file,     "--port",
                                     std::to_string(port),     "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, KEYUN_BIN, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~NodeProcess() { Kill(); }

  // Waits until /healthz answers; false after 60 s or if the process died.
  bool WaitReady() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::seconds(1));
    for (int i = 0; i < 600 && pid_ > 0; ++i) {
      if (auto r = client.Get("/healthz"); r && r->status == 200) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

struct Acknowledged {
  std::string order_id, access_token;
  std::vector<std::string> ticket_numbers;
};

class CrashTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    key_file_ = (dir_.path() / "node.keys").string();
    if (GetParam() == Engine::kPostgres) {
      auto url = testing::FreshDatabase(testing::TestEngine::kPostgres);
      ASSERT_TRUE(url) << url.error().message;
      db_ = *url;
    } else {
      db_ = (dir_.path() / "keyun.db").string();
    }
  }

  testing::TempDir dir_;
  std::string db_, key_file_;
};

TEST_P(CrashTest, KillNineMidBatchLosesNoAcknowledgedSaleAndHalfAppliesNothing) {
  const int port = FreePort();
  auto node = std::make_unique<NodeProcess>(db_, key_file_, port);
  ASSERT_TRUE(node->WaitReady()) << "keyun serve did not start; see its output above";

  // A province administrator sells at every station's windows; the runs of tomorrow.
  httplib::Client setup("127.0.0.1", port);
  auto login = setup.Post("/api/v1/session", R"({"username":"admin","password":"keyun-demo"})",
                          "application/json");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 201) << login->body;
  const std::string bearer = "Bearer " + json::parse(login->body).at("token").get<std::string>();
  const std::string date = core::SystemClock().Now().ShanghaiDate().AddDays(1).ToString();
  auto routes = setup.Get("/api/v1/routes");
  ASSERT_TRUE(routes && routes->status == 200);
  struct Trip {
    std::string run_id, from, to;
  };
  std::vector<Trip> trips;
  const json route_list = json::parse(routes->body);
  for (const json& route : route_list.at("items")) {
    const json& stops = route.at("stops");
    const std::string from = stops.front().at("station_code"), to = stops.back().at("station_code");
    auto runs = setup.Get("/api/v1/runs?from=" + from + "&to=" + to + "&date=" + date +
                          "&channel=window");
    if (!runs || runs->status != 200) {
      ADD_FAILURE() << (runs ? runs->body : "no answer");
      break;
    }
    const json found = json::parse(runs->body);
    for (const json& run : found.at("items")) {
      if (run.at("route_code") == route.at("code")) trips.push_back({run.at("run_id"), from, to});
    }
    if (trips.size() >= 40) break;
  }
  ASSERT_FALSE(trips.empty());

  // Sixteen windows sell until the node dies under them.
  std::mutex mu;
  std::vector<Acknowledged> acknowledged;  // guarded by mu
  std::atomic<int> sold{0};
  std::atomic<bool> dead{false};
  std::vector<std::thread> windows;
  for (int w = 0; w < 16; ++w) {
    windows.emplace_back([&, w] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(std::chrono::seconds(5));
      for (std::int64_t i = 0; !dead.load(); ++i) {
        const std::int64_t serial = 7'000'000 + w * 100'000 + i;
        const Trip& trip = trips[(w * 7 + i) % trips.size()];
        json body = {{"run_id", trip.run_id},
                     {"from", trip.from},
                     {"to", trip.to},
                     {"channel", "window"},
                     {"pay", "cash"},
                     {"passengers",
                      {{{"name", "崩溃测试"},
                        {"id_type", "resident_id"},
                        {"id_number", core::SyntheticResidentId(serial)},
                        {"fare_type", "adult"}}}}};
        httplib::Headers headers = {{"Authorization", bearer},
                                    {"Idempotency-Key", "crash-" + std::to_string(serial)}};
        auto reply = client.Post("/api/v1/orders", headers, body.dump(), "application/json");
        if (!reply) break;  // the node is gone: this sale was never acknowledged
        if (reply->status != 201) continue;  // sold out
        json order = json::parse(reply->body);
        Acknowledged ack{order.at("order_id"), order.at("access_token"), {}};
        EXPECT_EQ(order.at("status"), "issued");
        for (const json& t : order.at("tickets")) ack.ticket_numbers.push_back(t.at("ticket_number"));
        std::lock_guard lock(mu);
        acknowledged.push_back(std::move(ack));
        ++sold;
      }
    });
  }
  // Let batches flow, then kill the node while they are in flight.
  for (int i = 0; i < 300 && sold.load() < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  node->Kill();
  dead = true;
  for (auto& t : windows) t.join();
  ASSERT_GT(acknowledged.size(), 50u) << "too few sales before the kill to mean anything";

  // The node starts again on the same database and answers every acknowledged sale as it was.
  node = std::make_unique<NodeProcess>(db_, key_file_, port);
  ASSERT_TRUE(node->WaitReady()) << "keyun serve did not start again after kill -9";
  httplib::Client reader("127.0.0.1", port);
  int lost = 0;
  for (const Acknowledged& ack : acknowledged) {
    auto reply = reader.Get("/api/v1/orders/" + ack.order_id,
                            httplib::Headers{{"X-Access-Token", ack.access_token}});
    if (!reply || reply->status != 200) {
      ++lost;
      continue;
    }
    json order = json::parse(reply->body);
    EXPECT_EQ(order.at("status"), "issued") << ack.order_id;
    ASSERT_EQ(order.at("tickets").size(), ack.ticket_numbers.size());
    for (std::size_t i = 0; i < ack.ticket_numbers.size(); ++i) {
      EXPECT_EQ(order.at("tickets")[i].at("ticket_number"), ack.ticket_numbers[i]);
    }
  }
  EXPECT_EQ(lost, 0) << "acknowledged sales lost by kill -9, of " << acknowledged.size();
  node->Kill();

  // Nothing half-applied, read straight from the store.
  store::OpenOptions options;
  options.migrate = false;
  auto opened = store::Store::Open(db_, options);
  ASSERT_TRUE(opened) << opened.error().ToString();
  auto count = [&](const char* sql) {
    auto row = (*opened)->Transact<store::Row>(
        [&](store::Transaction& tx) { return tx.QueryOne(sql); }, {.read_only = true});
    EXPECT_TRUE(row) << sql << ": " << row.error().ToString();
    return row ? row->Int(0) : -1;
  };
  EXPECT_GE(count("SELECT COUNT(*) FROM orders WHERE status = 'issued'"),
            static_cast<std::int64_t>(acknowledged.size()));
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM tickets t "
                  "WHERE t.order_id = o.order_id)"),
            0)
      << "orders without their tickets";
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders o JOIN tickets t ON t.order_id = o.order_id "
                  "WHERE o.status = 'issued' AND (t.status <> 'issued' OR t.ticket_number IS "
                  "NULL)"),
            0)
      << "issued orders with tickets not issued";
  EXPECT_EQ(count("SELECT COUNT(*) FROM tickets t WHERE t.seat > 0 AND (SELECT COUNT(*) FROM "
                  "seat_segments s WHERE s.ticket_id = t.ticket_id) <> t.to_index - "
                  "t.from_index"),
            0)
      << "tickets without all their seat segments";
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT run_id, seat, segment FROM seat_segments GROUP "
                  "BY run_id, seat, segment HAVING COUNT(*) > 1) AS twice"),
            0)
      << "seat segments sold twice";
  EXPECT_EQ(count("SELECT COUNT(*) FROM tickets WHERE status = 'issued'"),
            count("SELECT (SELECT COUNT(*) FROM outbox WHERE kind = 'sold') + (SELECT COUNT(*) "
                  "FROM outbox_pending WHERE kind = 'sold')"))
      << "issued tickets and sold events differ";
}

INSTANTIATE_TEST_SUITE_P(Engines, CrashTest,
                         ::testing::Values(Engine::kSqliteFile, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kPostgres ? "postgresql" : "sqlite";
                         });

}  // namespace
}  // namespace keyun::http
