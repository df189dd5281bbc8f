#include "sales/sales_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/hex.h"
#include "core/id_document.h"
#include "core/person_name.h"
#include "core/seat_inventory.h"
#include "sales/internal/keys_in_flight.h"
#include "sales/internal/order_holds.h"
#include "sales/internal/record_id.h"
#include "sales/internal/run_state.h"
#include "store/outbox.h"

namespace keyun::sales {
namespace {

using store::Value;

constexpr std::string_view kChannelKeys[] = {"window", "kiosk", "mobile", "platform"};
constexpr std::string_view kFareTypeKeys[] = {"adult", "child", "free_child", "discount"};
constexpr std::string_view kOrderStatusKeys[] = {"held", "paid", "issued", "expired", "cancelled"};
constexpr std::string_view kPaymentKeys[] = {"sandbox", "cash", "card"};

template <class Enum, std::size_t N>
Result<Enum> ParseKey(std::string_view text, const std::string_view (&keys)[N],
                      std::string_view what) {
  for (std::size_t i = 0; i < N; ++i) {
    if (keys[i] == text) return static_cast<Enum>(i);
  }
  std::string options;
  for (std::string_view key : keys) {
    if (!options.empty()) options += ", ";
    options += key;
  }
  return InvalidArgument("unknown " + std::string(what) + " '" + std::string(text) +
                         "'; use one of: " + options);
}

bool SelfService(Channel channel) {
  return channel == Channel::kMobile || channel == Channel::kPlatform;
}

// "乘客 1 (张*)" — how an error names a passenger without showing the ID number.
std::string Who(std::size_t index, const std::string& name) {
  return "passenger " + std::to_string(index + 1) + " (" + core::MaskName(name) + ")";
}

// "第 2 位乘客：", the Chinese start of a message about one passenger of an order.
std::string WhoZh(std::size_t index) { return "第 " + std::to_string(index + 1) + " 位乘客："; }

std::string Field(std::size_t index, std::string_view member) {
  return "passengers[" + std::to_string(index) + "]." + std::string(member);
}

}  // namespace

std::string_view ChannelKey(Channel c) { return kChannelKeys[static_cast<int>(c)]; }
Result<Channel> ParseChannel(std::string_view key) {
  return ParseKey<Channel>(key, kChannelKeys, "channel");
}
std::string_view FareTypeKey(FareType t) { return kFareTypeKeys[static_cast<int>(t)]; }
Result<FareType> ParseFareType(std::string_view key) {
  return ParseKey<FareType>(key, kFareTypeKeys, "fare type");
}
std::string_view OrderStatusKey(OrderStatus s) { return kOrderStatusKeys[static_cast<int>(s)]; }
std::string_view StatusZh(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"held", "待支付"},     {"paid", "已支付"},     {"issued", "已出票"},
      {"expired", "已过期"},  {"cancelled", "已取消"}, {"refunded", "已退票"},
      {"changed", "已改签"},  {"released", "已释放"}, {"stopped", "已停班"},
      {"departed", "已发车"}, {"open", "售票中"}};
  for (auto [k, zh] : kWords) {
    if (k == key) return zh;
  }
  return key;
}

std::string_view PaymentMethodKey(PaymentMethod m) { return kPaymentKeys[static_cast<int>(m)]; }
Result<PaymentMethod> ParsePaymentMethod(std::string_view key) {
  return ParseKey<PaymentMethod>(key, kPaymentKeys, "payment method");
}

SalesService::SalesService(store::Store& store, network::NetworkService& network,
                           const core::Clock& clock, SalesPolicy policy,
                           const PersonalDataKeys& keys)
    : store_(store),
      network_(network),
      clock_(clock),
      policy_(policy),
      after_sale_(policy.after_sale
                      ? *policy.after_sale
                      : *core::AfterSalePolicyBook::Create(core::AfterSalePolicy::Default())),
      hasher_(std::span<const std::uint8_t, 32>(keys.id_hash_key)),
      box_(std::span<const std::uint8_t, 32>(keys.id_seal_key)),
      keys_in_flight_(std::make_unique<internal::KeysInFlight>()) {
  // A status changed elsewhere (a departure at the gate, a run reinstated by the network
  // part) reaches the run's image here, so it stops or resumes selling at once.
  run_status_listener_ = network_.AddRunStatusListener(
      [this](const core::RunId& id, network::RunStatus status) {
        if (std::shared_ptr<RunState> state = RunInMemory(id.str())) state->status.store(status);
      });
}

SalesService::~SalesService() { network_.RemoveRunStatusListener(run_status_listener_); }

std::shared_ptr<SalesService::RunState> SalesService::RunInMemory(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<SalesService::RunState>> SalesService::LoadRun(const std::string& run_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = runs_.find(run_id); it != runs_.end()) return it->second;
  }
  // Read the run from the store without holding mu_, so sales on other runs go on meanwhile.
  // Nothing sells on a run before its image is in runs_, so if another thread got there first
  // its image is the one in use and this one is dropped.
  auto id = core::RunId::Parse(run_id);
  if (!id) return InvalidArgument(id.error().message, "run_id");
  auto run = network_.GetRun(*id);
  if (!run) return Propagate(run);
  auto route = network_.GetRoute(run->route_code);
  if (!route) return Propagate(route);
  auto fares = network_.ListFares(run->route_code);
  if (!fares) return Propagate(fares);
  auto inventory = core::SeatInventory::Create(run->seats, static_cast<int>(route->stops.size()));
  if (!inventory) return Propagate(inventory);
  auto state = std::make_shared<RunState>(std::move(*run), std::move(*route), std::move(*fares),
                                          std::move(*inventory));
  auto rows = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT seat, from_index, to_index, id_hash FROM tickets "
            "WHERE run_id = $1 AND active = 1",
            {Value{run_id}});
      },
      {.read_only = true});
  if (!rows) return Propagate(rows);
  for (const store::Row& row : *rows) {
    int seat = static_cast<int>(row.Int(0));
    if (seat == 0) {
      ++state->free_children;
    } else if (auto ok = state->inventory.Occupy(seat, static_cast<int>(row.Int(1)),
                                                 static_cast<int>(row.Int(2)));
               !ok) {
      return Internal("run " + run_id + ": stored tickets overlap on seat " + std::to_string(seat) +
                      ": " + ok.error().message);
    }
    state->id_hashes.insert(row.Text(3));
  }
  std::lock_guard lock(mu_);
  return runs_.try_emplace(run_id, std::move(state)).first->second;
}

namespace {

// One passenger after validation, before seats.
struct CheckedPassenger {
  std::string name;
  core::IdType id_type;
  std::string id_hash;
  std::string id_masked;
  std::string id_sealed;
  FareType fare_type;
  std::optional<int> seat;
};

std::string RequestFingerprint(const OrderRequest& r) {
  std::string out = r.run_id + '|' + r.from + '|' + r.to + '|' + std::string(ChannelKey(r.channel));
  for (const auto& p : r.passengers) {
    out += '|' + p.name + ',' + p.id_type + ',' + p.id_number + ',' +
           std::string(FareTypeKey(p.fare_type)) + ',' + (p.seat ? std::to_string(*p.seat) : "");
  }
  return out;
}

}  // namespace

Result<Order> SalesService::CreateOrder(const OrderRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > 100) {
    return InvalidArgument(
        "send an Idempotency-Key of 1 to 100 characters, unique per order, so a retried "
        "request cannot sell twice",
        "idempotency_key");
  }
  std::string fingerprint = hasher_.Hash(RequestFingerprint(request));
  auto in_flight = keys_in_flight_->Enter("order:" + request.idempotency_key);
  Result<Order> made = CreateOrderOnce(request, fingerprint);
  if (made) return made;
  // A retried request gets the order it made the first time. Looked up only when this attempt
  // failed: a retry always fails (its passengers already hold their seats, or the key's unique
  // index refuses the second insert), so the sales path needs no read before its write.
  auto existing = store_.Transact<std::optional<std::pair<std::string, std::string>>>(
      [&](store::Transaction& tx) -> Result<std::optional<std::pair<std::string, std::string>>> {
        auto rows = tx.Query("SELECT order_id, request_hash FROM orders WHERE idempotency_key = $1",
                             {Value{request.idempotency_key}});
        if (!rows) return Propagate(rows);
        if (rows->empty()) return std::nullopt;
        return std::make_pair(rows->at(0).Text(0), rows->at(0).Text(1));
      },
      {.read_only = true});
  if (!existing) return Propagate(existing);
  if (!*existing) return made;
  if ((*existing)->second != fingerprint) {
    return AlreadyExists("this Idempotency-Key was used for a different order; use a new key",
                         "idempotency_key");
  }
  return GetOrder((*existing)->first);
}

Result<Order> SalesService::CreateOrderOnce(const OrderRequest& request,
                                            const std::string& fingerprint) {
  // Who may sell on this channel.
  if (!SelfService(request.channel) && request.seller.staff_username.empty()) {
    return InZh(PermissionDenied("window and kiosk sales need a staff session; log in first"),
                "窗口和自助机售票需要站务人员登录，请先登录");
  }
  if (!SelfService(request.channel) && !request.seller.station && !request.seller.province_wide) {
    return InZh(PermissionDenied("your account has no station, so it cannot sell at a window"),
                "您的账号未归属车站，不能在窗口售票；请联系站务经理");
  }

  auto from = core::StationCode::Parse(request.from);
  if (!from) return InvalidArgument(from.error().message, "from");
  auto to = core::StationCode::Parse(request.to);
  if (!to) return InvalidArgument(to.error().message, "to");
  auto state_or = LoadRun(request.run_id);
  if (!state_or) return Propagate(state_or);
  std::shared_ptr<RunState> state = *state_or;
  const network::Route& route = state->route;
  auto from_index = route.StopIndex(*from);
  if (!from_index)
    return InZh(
        InvalidArgument("run " + request.run_id + " does not stop at " + request.from, "from"),
        "班次 " + request.run_id + " 不经停上车站 " + request.from);
  auto to_index = route.StopIndex(*to);
  if (!to_index)
    return InZh(InvalidArgument("run " + request.run_id + " does not stop at " + request.to, "to"),
                "班次 " + request.run_id + " 不经停到达站 " + request.to);
  if (*from_index >= *to_index) {
    return InZh(InvalidArgument(
                    "the alighting station comes before the boarding station on this run", "to"),
                "本班次的到达站在上车站之前，请重新选择");
  }

  core::Instant now = clock_.Now();
  core::LocalDate today = now.ShanghaiDate();
  if (network::RunStatus status = state->status.load(); status != network::RunStatus::kOpen) {
    return InZh(FailedPrecondition("run " + request.run_id + " is " +
                                   std::string(network::RunStatusName(status)) +
                                   " and not on sale"),
                "班次 " + request.run_id + " " +
                    std::string(StatusZh(network::RunStatusName(status))) +
                    "，已停售，请选择其他班次");
  }
  if (state->run.date() > today.AddDays(policy_.presale_days - 1)) {
    return InZh(
        FailedPrecondition("sales for " + state->run.date().ToString() + " open " +
                           std::to_string(policy_.presale_days) + " days ahead, on " +
                           state->run.date().AddDays(1 - policy_.presale_days).ToString()),
        state->run.date().ToString() + " 的车票提前 " + std::to_string(policy_.presale_days) +
            " 天开售，开售日为 " + state->run.date().AddDays(1 - policy_.presale_days).ToString());
  }
  auto cutoff = SelfService(request.channel) ? policy_.online_cutoff : policy_.window_cutoff;
  if (state->run.departs_at - cutoff <= now) {
    return InZh(FailedPrecondition(fmt::format(
                    "sales on the {} channel close {} minutes before departure ({}); buy at a "
                    "station window",
                    ChannelKey(request.channel), cutoff.count(),
                    state->run.departs_at.ToIso8601())),
                fmt::format("发车前 {} 分钟停止本渠道售票（发车 {}），请到车站窗口购票",
                            cutoff.count(), state->run.departs_at.ToIso8601().substr(11, 5)));
  }
  const network::Fare* fare = state->FareFor(*from_index, *to_index);
  if (fare == nullptr) {
    return InZh(FailedPrecondition("no fare is set from " + request.from + " to " + request.to +
                                   " on route " + route.code),
                "线路 " + route.code + " 未设置该区间票价，请联系站务人员");
  }

  if (request.pay_now) {
    if (*request.pay_now == PaymentMethod::kSandbox) {
      return InZh(InvalidArgument("a sandbox payment is online: hold the order, then pay it",
                                  "pay"),
                  "在线支付须先占座下单，再支付");
    }
    if (SelfService(request.channel)) {
      return InZh(InvalidArgument("cash and card are taken at once only at a window or kiosk",
                                  "pay"),
                  "一次售票收款仅限窗口或自助机渠道");
    }
  }

  // Passengers: count, documents, fare types, duplicates.
  const auto& input = request.passengers;
  if (input.empty() || static_cast<int>(input.size()) > policy_.max_passengers) {
    return InZh(InvalidArgument("an order has 1 to " + std::to_string(policy_.max_passengers) +
                                    " passengers",
                                "passengers"),
                "一个订单可有 1 至 " + std::to_string(policy_.max_passengers) + " 位乘客");
  }
  std::vector<CheckedPassenger> passengers;
  int seated_adults = 0, free_children = 0;
  std::set<std::string> hashes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const PassengerInput& p = input[i];
    Result<std::string> name = core::NormalizePersonName(p.name);
    if (!name) {
      Error error = name.error();
      error.message = "passenger " + std::to_string(i + 1) + ": " + error.message;
      error.message_zh = "第 " + std::to_string(i + 1) + " 位乘客：" + error.message_zh;
      error.field = Field(i, "name");
      return tl::unexpected(std::move(error));
    }
    auto type = core::ParseIdType(p.id_type);
    if (!type)
      return InvalidArgument(Who(i, p.name) + ": " + type.error().message, Field(i, "id_type"));
    if (core::WindowOnly(*type) && request.channel != Channel::kWindow) {
      return InZh(
          FailedPrecondition(Who(i, p.name) + ": a " + std::string(core::IdTypeName(*type)) +
                                 " is accepted at a station window only",
                             Field(i, "id_type")),
          WhoZh(i) + "该类证件只能在车站窗口购票");
    }
    auto document = core::IdDocument::Parse(*type, p.id_number, today);
    if (!document) {
      return InZh(InvalidArgument(Who(i, p.name) + ": " + document.error().message,
                                  Field(i, "id_number")),
                  document.error().message_zh.empty()
                      ? std::string()
                      : "第 " + std::to_string(i + 1) + " 位乘客：" + document.error().message_zh);
    }
    std::string hash = hasher_.HashIdDocument(*document);
    if (!hashes.insert(hash).second) {
      return InZh(InvalidArgument(Who(i, p.name) + ": the same ID appears twice in this order",
                                  Field(i, "id_number")),
                  "第 " + std::to_string(i + 1) + " 位乘客：同一证件在本订单中出现了两次");
    }
    if (p.fare_type == FareType::kFreeChild) {
      ++free_children;
      if (p.seat) {
        return InZh(InvalidArgument(Who(i, p.name) +
                                        ": a free child (携童) has no seat; choose a "
                                        "half-fare child ticket for a seat",
                                    Field(i, "seat")),
                    WhoZh(i) + "携童不占座位；需要座位请购买儿童半价票");
      }
    } else if (p.fare_type == FareType::kAdult || p.fare_type == FareType::kDiscount) {
      ++seated_adults;
    }
    passengers.push_back(CheckedPassenger{.name = *name,
                                          .id_type = *type,
                                          .id_hash = std::move(hash),
                                          .id_masked = document->Masked(),
                                          .id_sealed = box_.Seal(document->number()),
                                          .fare_type = p.fare_type,
                                          .seat = p.seat});
  }
  if (free_children > seated_adults) {
    return InZh(FailedPrecondition("each adult may bring one free child (携童); this order has " +
                                       std::to_string(free_children) + " free children and " +
                                       std::to_string(seated_adults) + " adults",
                                   "passengers"),
                "每位成人可携带一名免票儿童；本订单有 " + std::to_string(free_children) +
                    " 名携童、" + std::to_string(seated_adults) + " 名成人");
  }

  // Seats, in memory, under the run's lock.
  std::vector<int> seats(passengers.size(), 0);
  {
    std::lock_guard lock(state->mu);
    for (std::size_t i = 0; i < passengers.size(); ++i) {
      if (state->id_hashes.contains(passengers[i].id_hash)) {
        return InZh(
            FailedPrecondition(Who(i, passengers[i].name) + " (" + passengers[i].id_masked +
                                   ") already has a ticket on run " + request.run_id,
                               Field(i, "id_number")),
            WhoZh(i) + "证件 " + passengers[i].id_masked + " 已购买班次 " + request.run_id +
                " 的车票，同一证件每班次限购一张");
      }
    }
    int cap = state->run.seats * policy_.free_child_percent / 100;
    if (state->free_children + free_children > cap) {
      return InZh(FailedPrecondition("the free-child (携童) places of this run are taken (" +
                                         std::to_string(cap) + "); buy a half-fare child ticket",
                                     "passengers"),
                  "本班次携童名额（" + std::to_string(cap) + " 名）已满，请购买儿童半价票");
    }
    for (std::size_t i = 0; i < passengers.size(); ++i) {
      if (passengers[i].fare_type == FareType::kFreeChild) continue;
      auto seat = state->inventory.Allocate(
          core::SeatRequest{.from = *from_index,
                            .to = *to_index,
                            .seat = passengers[i].seat,
                            .channel = core::ChannelId{static_cast<std::uint16_t>(request.channel)},
                            .now = now});
      if (!seat) {
        for (std::size_t k = 0; k < i; ++k) {
          if (seats[k] > 0) (void)state->inventory.Release(seats[k], *from_index, *to_index);
        }
        Error error = seat.error();
        error.message = Who(i, passengers[i].name) + ": " + error.message;
        if (!error.message_zh.empty()) error.message_zh = WhoZh(i) + error.message_zh;
        error.field = passengers[i].seat ? Field(i, "seat") : "passengers";
        return tl::unexpected(error);
      }
      seats[i] = *seat;
    }
    for (const auto& p : passengers) state->id_hashes.insert(p.id_hash);
    state->free_children += free_children;
  }

  // The order and its tickets, durable before we answer.
  Order order{.order_id = internal::NewRecordId('O', now),
              .run_id = request.run_id,
              .channel = std::string(ChannelKey(request.channel)),
              .status = OrderStatus::kHeld,
              .amount = {},
              .created_at = now,
              .expires_at = now + policy_.hold,
              .payment_method = std::nullopt,
              .seller_station = request.seller.station
                                    ? std::optional<std::string>(request.seller.station->str())
                                    : std::nullopt,
              .tickets = {}};
  std::vector<std::optional<std::string>> attached(passengers.size());
  {
    std::vector<std::size_t> adults;
    for (std::size_t i = 0; i < passengers.size(); ++i) {
      if (passengers[i].fare_type == FareType::kAdult ||
          passengers[i].fare_type == FareType::kDiscount) {
        adults.push_back(i);
      }
    }
    std::size_t next_adult = 0;
    for (std::size_t i = 0; i < passengers.size(); ++i) {
      if (passengers[i].fare_type == FareType::kFreeChild) {
        attached[i] = order.order_id + "-" + std::to_string(adults[next_adult++] + 1);
      }
    }
  }
  for (std::size_t i = 0; i < passengers.size(); ++i) {
    const CheckedPassenger& p = passengers[i];
    core::Money price = p.fare_type == FareType::kAdult      ? fare->adult
                        : p.fare_type == FareType::kChild    ? fare->child
                        : p.fare_type == FareType::kDiscount ? fare->discount
                                                             : core::Money::Fen(0);
    core::Money fee = p.fare_type == FareType::kFreeChild ? core::Money::Fen(0) : fare->station_fee;
    order.amount = order.amount + price + fee;
    order.tickets.push_back(Ticket{.ticket_id = order.order_id + "-" + std::to_string(i + 1),
                                   .ticket_number = "",
                                   .run_id = request.run_id,
                                   .from_index = *from_index,
                                   .to_index = *to_index,
                                   .from = *from,
                                   .to = *to,
                                   .seat = seats[i],
                                   .fare_type = p.fare_type,
                                   .passenger_name_masked = core::MaskName(p.name),
                                   .id_type = std::string(core::IdTypeName(p.id_type)),
                                   .id_masked = p.id_masked,
                                   .fare = price,
                                   .station_fee = fee,
                                   .cap = fare->cap,
                                   .status = "held",
                                   .channel = order.channel,
                                   .attached_to = attached[i],
                                   .departs_at = state->run.departs_at,
                                   .id_hash = p.id_hash,
                                   .issued_at = std::nullopt,
                                   .order_id = order.order_id,
                                   .changed_from = std::nullopt,
                                   .checked_in_at = std::nullopt});
  }
  Result<void> saved = store_.RunTransaction([&](store::Transaction& tx) -> Result<void> {
    auto inserted = tx.Execute(
        "INSERT INTO orders (order_id, run_id, from_index, to_index, channel, seller_station, "
        "staff_username, status, amount_fen, created_at, expires_at, idempotency_key, "
        "request_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8, $9, $10, $11, $12)",
        {Value{order.order_id}, Value{order.run_id}, Value{std::int64_t{*from_index}},
         Value{std::int64_t{*to_index}}, Value{order.channel},
         request.seller.station ? Value{request.seller.station->str()} : Value{store::kNull},
         request.seller.staff_username.empty() ? Value{store::kNull}
                                               : Value{request.seller.staff_username},
         Value{order.amount.fen()}, Value{now.unix_micros()}, Value{order.expires_at.unix_micros()},
         Value{request.idempotency_key}, Value{fingerprint}});
    if (!inserted) return Propagate(inserted);
    for (std::size_t i = 0; i < passengers.size(); ++i) {
      const Ticket& t = order.tickets[i];
      auto row = tx.Execute(
          "INSERT INTO tickets (ticket_id, order_id, passenger_index, run_id, from_index, "
          "to_index, from_station, to_station, seat, fare_type, passenger_name, id_type, id_hash, "
          "id_masked, id_sealed, fare_fen, station_fee_fen, cap_fen, status, active, attached_to) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
          "$18, 'held', 1, $19)",
          {Value{t.ticket_id}, Value{order.order_id}, Value{static_cast<std::int64_t>(i)},
           Value{t.run_id}, Value{std::int64_t{t.from_index}}, Value{std::int64_t{t.to_index}},
           Value{t.from.str()}, Value{t.to.str()}, Value{std::int64_t{t.seat}},
           Value{std::string(FareTypeKey(t.fare_type))}, Value{passengers[i].name},
           Value{t.id_type}, Value{passengers[i].id_hash}, Value{t.id_masked},
           Value{passengers[i].id_sealed}, Value{t.fare.fen()}, Value{t.station_fee.fen()},
           Value{t.cap.fen()}, t.attached_to ? Value{*t.attached_to} : Value{store::kNull}});
      if (!row) return Propagate(row);
      for (int segment = t.from_index; t.seat > 0 && segment < t.to_index; ++segment) {
        auto held = tx.Execute(
            "INSERT INTO seat_segments (run_id, seat, segment, ticket_id) VALUES ($1, $2, $3, $4)",
            {Value{t.run_id}, Value{std::int64_t{t.seat}}, Value{std::int64_t{segment}},
             Value{t.ticket_id}});
        if (!held) return Propagate(held);
      }
    }
    // A counter's sale commits issued: one transaction, one group commit.
    if (request.pay_now) return IssueTickets(tx, order, PaymentMethodKey(*request.pay_now), now);
    return {};
  });
  if (!saved) {
    std::vector<std::string> hashes;
    for (const auto& p : passengers) hashes.push_back(p.id_hash);
    (void)ReleaseInMemory(request.run_id, order.tickets, hashes);
    if (saved.error().code == ErrorCode::kAlreadyExists &&
        saved.error().internal.find("idempotency") != std::string::npos) {
      return tl::unexpected(saved.error());  // a concurrent retry won: CreateOrder answers with it
    }
    if (saved.error().code == ErrorCode::kAlreadyExists) {
      // The store refused what memory allowed: memory is stale (another node, a bug). Drop the
      // run's image so the next sale rebuilds it from the store.
      std::lock_guard lock(mu_);
      runs_.erase(request.run_id);
      spdlog::error("sales: store refused a sale on {} that memory allowed: {}", request.run_id,
                    saved.error().ToString());
      return InZh(FailedPrecondition("the seat or passenger was taken meanwhile; try again"),
                  "座位或乘客刚被另一笔订单占用，请重试");
    }
    return tl::unexpected(saved.error());
  }
  return order;
}

Result<void> SalesService::ReleaseInMemory(const std::string& run_id,
                                           const std::vector<Ticket>& tickets,
                                           const std::vector<std::string>& id_hashes) {
  std::shared_ptr<RunState> state;
  {
    std::lock_guard lock(mu_);
    auto it = runs_.find(run_id);
    if (it == runs_.end()) return {};  // not loaded: the store is the truth
    state = it->second;
  }
  std::lock_guard lock(state->mu);
  for (const Ticket& t : tickets) {
    if (t.seat > 0) {
      if (auto ok = state->inventory.Release(t.seat, t.from_index, t.to_index); !ok) {
        spdlog::error("sales: releasing seat {} of {}: {}", t.seat, run_id, ok.error().message);
      }
    } else {
      --state->free_children;
    }
  }
  for (const std::string& hash : id_hashes) state->id_hashes.erase(hash);
  return {};
}

std::string SalesService::OrderAccessToken(std::string_view order_id) const {
  return hasher_.Hash("keyun/order-access/v1:" + std::string(order_id)).substr(0, 32);
}

bool SalesService::IsOrderAccessToken(std::string_view order_id, std::string_view token) const {
  const std::string expected = OrderAccessToken(order_id);
  if (token.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ token[i]);
  }
  return diff == 0;
}

Result<Order> SalesService::ReadOrder(store::Transaction& tx, const std::string& order_id) {
  auto head = tx.Query(
      "SELECT o.order_id, o.run_id, o.channel, o.status, o.amount_fen, o.created_at, "
      "o.expires_at, o.payment_method, r.departs_at, o.seller_station FROM orders o JOIN runs r "
      "ON r.run_id = "
      "o.run_id WHERE o.order_id = $1",
      {Value{order_id}});
  if (!head) return Propagate(head);
  if (head->empty()) {
    return InZh(NotFound("no order " + order_id, "order_id"),
                "没有订单 " + order_id + "，请核对订单号");
  }
  const store::Row& o = head->at(0);
  Order order{.order_id = o.Text(0),
              .run_id = o.Text(1),
              .channel = o.Text(2),
              .status = OrderStatus::kHeld,
              .amount = core::Money::Fen(o.Int(4)),
              .created_at = core::Instant::FromUnixMicros(o.Int(5)),
              .expires_at = core::Instant::FromUnixMicros(o.Int(6)),
              .payment_method = o.OptionalText(7),
              .seller_station = o.OptionalText(9),
              .tickets = {}};
  for (std::size_t i = 0; i < std::size(kOrderStatusKeys); ++i) {
    if (kOrderStatusKeys[i] == o.Text(3)) order.status = static_cast<OrderStatus>(i);
  }
  core::Instant departs = core::Instant::FromUnixMicros(o.Int(8));
  auto rows = tx.Query(
      "SELECT t.ticket_id, t.ticket_number, t.from_index, t.to_index, t.from_station, "
      "t.to_station, t.seat, t.fare_type, t.passenger_name, t.id_type, t.id_masked, t.fare_fen, "
      "t.station_fee_fen, t.cap_fen, COALESCE(t.after_sale, t.status), t.attached_to, t.id_hash, t.issued_at, t.changed_from, "
      "c.at FROM tickets t LEFT JOIN checkins c ON c.ticket_number = t.ticket_number "
      "WHERE t.order_id = $1 "
      "ORDER BY t.passenger_index",
      {Value{order_id}});
  if (!rows) return Propagate(rows);
  for (const store::Row& r : *rows) {
    auto from = core::StationCode::Parse(r.Text(4));
    auto to = core::StationCode::Parse(r.Text(5));
    auto fare_type = ParseFareType(r.Text(7));
    if (!from || !to || !fare_type) return Internal("order " + order_id + " has a corrupt ticket");
    order.tickets.push_back(Ticket{.ticket_id = r.Text(0),
                                   .ticket_number = r.OptionalText(1).value_or(""),
                                   .run_id = order.run_id,
                                   .from_index = static_cast<int>(r.Int(2)),
                                   .to_index = static_cast<int>(r.Int(3)),
                                   .from = *from,
                                   .to = *to,
                                   .seat = static_cast<int>(r.Int(6)),
                                   .fare_type = *fare_type,
                                   .passenger_name_masked = core::MaskName(r.Text(8)),
                                   .id_type = r.Text(9),
                                   .id_masked = r.Text(10),
                                   .fare = core::Money::Fen(r.Int(11)),
                                   .station_fee = core::Money::Fen(r.Int(12)),
                                   .cap = core::Money::Fen(r.Int(13)),
                                   .status = r.Text(14),
                                   .channel = order.channel,
                                   .attached_to = r.OptionalText(15),
                                   .departs_at = departs,
                                   .id_hash = r.Text(16),
                                   .issued_at = r.IsNull(17) ? std::nullopt
                                                             : std::optional<core::Instant>(
                                                                   core::Instant::FromUnixMicros(
                                                                       r.Int(17))),
                                   .order_id = order.order_id,
                                   .changed_from = r.OptionalText(18),
                                   .checked_in_at = r.IsNull(19)
                                                        ? std::nullopt
                                                        : std::optional<core::Instant>(
                                                              core::Instant::FromUnixMicros(
                                                                  r.Int(19)))});
  }
  return order;
}

Result<Order> SalesService::GetOrder(const std::string& order_id) {
  return store_.Transact<Order>([&](store::Transaction& tx) { return ReadOrder(tx, order_id); },
                                {.read_only = true});
}

Result<std::string> SalesService::HashHolderId(const std::string& id_type,
                                               const std::string& id_number) const {
  auto type = core::ParseIdType(id_type.empty() ? "resident_id" : id_type);
  if (!type) return InvalidArgument(type.error().message, "id_type");
  auto document = core::IdDocument::Parse(*type, id_number, clock_.Now().ShanghaiDate());
  if (!document) return tl::unexpected(WithField(document.error(), "id_number"));
  return hasher_.HashIdDocument(*document);
}

Result<std::optional<std::string>> SalesService::MachineHolder(const Seller& staff,
                                                               const std::string& id_type,
                                                               const std::string& id_number) const {
  if (!staff.machine || id_number.empty()) return std::nullopt;
  auto hash = HashHolderId(id_type, id_number);
  if (!hash) return Propagate(hash);
  return std::optional<std::string>(std::move(*hash));
}

Result<Ticket> SalesService::GetTicket(const std::string& ticket_number) {
  auto number = core::TicketNumber::Parse(ticket_number);
  if (!number) return InvalidArgument(number.error().message, "ticket_number");
  return store_.Transact<Ticket>(
      [&](store::Transaction& tx) -> Result<Ticket> {
        auto row = tx.Query("SELECT order_id FROM tickets WHERE ticket_number = $1",
                            {Value{number->str()}});
        if (!row) return Propagate(row);
        if (row->empty()) return NotFound("no ticket " + number->str(), "ticket_number");
        auto order = ReadOrder(tx, row->at(0).Text(0));
        if (!order) return Propagate(order);
        for (Ticket& t : order->tickets) {
          if (t.ticket_number == number->str()) return std::move(t);
        }
        return Internal("ticket " + number->str() + " missing from its order");
      },
      {.read_only = true});
}

Result<void> SalesService::CheckPayable(const Order& order, core::Instant now) {
  if (order.status != OrderStatus::kHeld) {
    return InZh(FailedPrecondition("order " + order.order_id + " is " +
                                   std::string(OrderStatusKey(order.status)) +
                                   " and cannot be paid"),
                "订单 " + order.order_id + " " + std::string(StatusZh(OrderStatusKey(order.status))) +
                    "，不能支付");
  }
  if (order.expires_at <= now) {
    return InZh(FailedPrecondition("the hold on order " + order.order_id + " expired at " +
                                   order.expires_at.ToIso8601() + "; its seats were released"),
                "订单 " + order.order_id + " 已于 " + order.expires_at.ToIso8601().substr(11, 5) +
                    " 超时未支付，座位已释放，请重新下单");
  }
  return {};
}

Result<void> SalesService::IssueTickets(store::Transaction& tx, Order& order,
                                        std::string_view method, core::Instant now) {
  auto run_id = core::RunId::Parse(order.run_id);
  if (!run_id) return Internal("order " + order.order_id + " has a bad run id");
  core::LocalDate today = now.ShanghaiDate();
  for (Ticket& t : order.tickets) {
    auto sequence = store::NextSerial(tx, "ticket");
    if (!sequence) return Propagate(sequence);
    auto number = core::TicketNumber::Make(run_id->station().province(), today, *sequence);
    if (!number) return Propagate(number);
    auto updated = tx.Execute(
        "UPDATE tickets SET ticket_number = $1, status = 'issued', issued_at = $2 "
        "WHERE ticket_id = $3 AND status = 'held'",
        {Value{number->str()}, Value{now.unix_micros()}, Value{t.ticket_id}});
    if (!updated) return Propagate(updated);
    t.ticket_number = number->str();
    t.status = "issued";
    t.issued_at = now;
    // The outbox's `sold` event rides in the sale's own commit. The hub holds no plain
    // personal data: the passenger travels as the keyed hash of the ID only.
    auto event = store::AppendEvent(
        tx, store::OutboxEvent{.kind = "sold",
                               .subject = t.ticket_number,
                               .at = now,
                               .fields = {{"ticket_number", t.ticket_number},
                                          {"order_id", order.order_id},
                                          {"run_id", order.run_id},
                                          {"from", t.from.str()},
                                          {"to", t.to.str()},
                                          {"seat", std::to_string(t.seat)},
                                          {"fare_type", std::string(FareTypeKey(t.fare_type))},
                                          {"fare_fen", std::to_string(t.fare.fen())},
                                          {"station_fee_fen", std::to_string(t.station_fee.fen())},
                                          {"channel", order.channel},
                                          {"seller_station", order.seller_station.value_or("")},
                                          {"payment_method", std::string(method)},
                                          {"id_hash", t.id_hash}}});
    if (!event) return Propagate(event);
  }
  auto updated = tx.Execute(
      "UPDATE orders SET status = 'issued', paid_at = $1, payment_method = $2 "
      "WHERE order_id = $3 AND status = 'held'",
      {Value{now.unix_micros()}, Value{std::string(method)}, Value{order.order_id}});
  if (!updated) return Propagate(updated);
  if (*updated != 1) return Aborted("order " + order.order_id + " changed meanwhile");
  order.status = OrderStatus::kIssued;
  order.payment_method = std::string(method);
  return {};
}

Result<Order> SalesService::Pay(const std::string& order_id, PaymentMethod method) {
  if (method == PaymentMethod::kSandbox) {
    return InvalidArgument(
        "sandbox payments are online: start one (POST /orders/{id}/pay with method sandbox) "
        "and approve it in the sandbox wallet",
        "method");
  }
  core::Instant now = clock_.Now();
  return store_.Transact<Order>([&](store::Transaction& tx) -> Result<Order> {
    auto order = ReadOrder(tx, order_id);
    if (!order) return Propagate(order);
    if (order->status == OrderStatus::kIssued) return order;  // paid before: same answer
    if (auto payable = CheckPayable(*order, now); !payable) return Propagate(payable);
    auto change = tx.Query("SELECT old_ticket FROM change_holds WHERE order_id = $1",
                           {store::Value{order_id}});
    if (!change) return Propagate(change);
    if (!change->empty()) {
      return InZh(
          FailedPrecondition("order " + order_id + " holds an online change (改签) of ticket " +
                             change->at(0).Text(0) +
                             "; it is paid through the payment provider, online. To settle "
                             "it here instead, cancel it and change the ticket at this window"),
          "订单 " + order_id + " 是车票 " + change->at(0).Text(0) +
              " 的网上改签，须在线支付；如需在窗口结算，请取消该订单后在本窗口改签");
    }
    // A run stopped since the hold (停班) takes no more money at the window.
    auto run = tx.QueryOne("SELECT status FROM runs WHERE run_id = $1",
                           {store::Value{order->run_id}});
    if (!run) return Propagate(run);
    if (run->Text(0) != "open") {
      return InZh(FailedPrecondition("run " + order->run_id + " is " + run->Text(0) +
                                     " since the seats were held: cancel the order and choose "
                                     "another run"),
                  "班次 " + order->run_id + " 在占座后" + std::string(StatusZh(run->Text(0))) +
                      "，请取消订单并选择其他班次");
    }
    if (auto issued = IssueTickets(tx, *order, PaymentMethodKey(method), now); !issued) {
      return Propagate(issued);
    }
    return order;
  });
}

Result<Order> SalesService::Cancel(const std::string& order_id) {
  std::vector<std::string> hashes;
  auto result = store_.Transact<Order>([&](store::Transaction& tx) -> Result<Order> {
    auto order = ReadOrder(tx, order_id);
    if (!order) return Propagate(order);
    if (order->status == OrderStatus::kCancelled) return order;
    if (order->status != OrderStatus::kHeld) {
      return InZh(FailedPrecondition("order " + order_id + " is " +
                                     std::string(OrderStatusKey(order->status)) +
                                     "; a paid ticket is refunded, not cancelled"),
                  "订单 " + order_id + " " +
                      std::string(StatusZh(OrderStatusKey(order->status))) +
                      "，已付款的车票请办理退票，不能取消");
    }
    auto ended = internal::EndHold(tx, order_id, "cancelled", std::nullopt);
    if (!ended) return Propagate(ended);
    if (!*ended) return Aborted("order " + order_id + " changed meanwhile");
    hashes.clear();
    for (auto& [id, hash] : **ended) hashes.push_back(hash);
    order->status = OrderStatus::kCancelled;
    for (Ticket& t : order->tickets) t.status = "released";
    return order;
  });
  if (!result) return result;
  (void)ReleaseInMemory(result->run_id, result->tickets, hashes);
  return result;
}

Result<int> SalesService::ExpireHolds() {
  core::Instant now = clock_.Now();
  auto due = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT order_id FROM orders WHERE status = 'held' AND expires_at <= $1 "
            "ORDER BY expires_at LIMIT 1000",
            {Value{now.unix_micros()}});
      },
      {.read_only = true});
  if (!due) return Propagate(due);
  int expired = 0;
  for (const store::Row& row : *due) {
    std::string order_id = row.Text(0);
    std::vector<std::string> hashes;
    auto order = store_.Transact<std::optional<Order>>(
        [&](store::Transaction& tx) -> Result<std::optional<Order>> {
          auto before = ReadOrder(tx, order_id);
          if (!before) return Propagate(before);
          auto ended = internal::EndHold(tx, order_id, "expired", now);
          if (!ended) return Propagate(ended);
          if (!*ended) return std::nullopt;  // paid or cancelled meanwhile
          hashes.clear();
          for (auto& [id, hash] : **ended) hashes.push_back(hash);
          return std::optional<Order>(std::move(*before));
        });
    if (!order) return Propagate(order);
    if (!*order) continue;
    ++expired;
    (void)ReleaseInMemory((*order)->run_id, (*order)->tickets, hashes);
  }
  return expired;
}

Result<std::vector<SalesService::Occupancy>> SalesService::StoredOccupancy(
    const std::string& run_id) {
  return store_.Transact<std::vector<Occupancy>>(
      [&](store::Transaction& tx) -> Result<std::vector<Occupancy>> {
        auto rows = tx.Query(
            "SELECT seat, from_index, to_index FROM tickets WHERE run_id = $1 AND active = 1 "
            "AND seat > 0 ORDER BY seat, from_index",
            {Value{run_id}});
        if (!rows) return Propagate(rows);
        std::vector<Occupancy> out;
        for (const store::Row& r : *rows) {
          out.push_back(
              {static_cast<int>(r.Int(0)), static_cast<int>(r.Int(1)), static_cast<int>(r.Int(2))});
        }
        return out;
      },
      {.read_only = true});
}

}  // namespace keyun::sales

namespace keyun::sales {

Result<PersonalDataKeys> LoadOrCreatePersonalDataKeys(store::Store& store,
                                                      store::KeyFile& key_file) {
  struct Held {
    std::optional<std::string> fingerprint;
    bool sealed_data = false;
  };
  auto held = store.Transact<Held>(
      [&](store::Transaction& tx) -> Result<Held> {
        auto fingerprint = tx.Query("SELECT value FROM node_meta WHERE key = $1",
                                    {Value{std::string(store::kKeyFingerprintMeta)}});
        if (!fingerprint) return Propagate(fingerprint);
        auto sealed = tx.Query("SELECT ticket_id FROM tickets LIMIT 1");
        if (!sealed) return Propagate(sealed);
        return Held{.fingerprint = fingerprint->empty()
                                       ? std::nullopt
                                       : std::optional(fingerprint->front().Text(0)),
                    .sealed_data = !sealed->empty()};
      },
      {.read_only = true});
  if (!held) return Propagate(held);

  std::optional<std::string> seal_hex = key_file.Get(store::kIdSealKeyName);
  std::optional<std::string> hash_hex = key_file.Get(store::kIdHashKeyName);
  if (!seal_hex || !hash_hex) {
    if (held->fingerprint || held->sealed_data) {
      return InZh(
          FailedPrecondition(fmt::format(
              "the database {} holds personal data sealed under keys that are not in key file "
              "{} (the file is missing or incomplete), and the database alone cannot open it. "
              "Start with this database's key file: restore it from its backup, or give its "
              "path with --key-file (docs/keys.md)",
              store.DisplayLocation(), key_file.DisplayPath())),
          fmt::format("数据库 {} 中的个人信息已加密，而密钥文件 {} 中没有对应的密钥（文件缺失或不完整），"
                      "仅凭数据库无法解密。请使用本数据库的密钥文件启动：从备份恢复，或用 --key-file "
                      "指定其路径（见 docs/keys.md）",
                      store.DisplayLocation(), key_file.DisplayPath()));
    }
    // First start: new keys, kept if another thread or process sharing the file was first.
    auto values = key_file.SetIfAbsent(
        {{std::string(store::kIdSealKeyName), core::ToHex(core::SecretBox::GenerateKey())},
         {std::string(store::kIdHashKeyName), core::ToHex(core::KeyedHasher::GenerateKey())}});
    if (!values) return Propagate(values);
    seal_hex = (*values)[0];
    hash_hex = (*values)[1];
  }
  auto seal_key = store::KeyFromHex(store::kIdSealKeyName, *seal_hex);
  if (!seal_key) return Propagate(seal_key);
  auto hash_key = store::KeyFromHex(store::kIdHashKeyName, *hash_hex);
  if (!hash_key) return Propagate(hash_key);
  const std::string fingerprint = store::KeyFingerprint(*seal_key, *hash_key);

  auto kept = store.Transact<std::string>([&](store::Transaction& tx) -> Result<std::string> {
    auto inserted = tx.Execute(
        "INSERT INTO node_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        {Value{std::string(store::kKeyFingerprintMeta)}, Value{fingerprint}});
    if (!inserted) return Propagate(inserted);
    auto row = tx.QueryOne("SELECT value FROM node_meta WHERE key = $1",
                           {Value{std::string(store::kKeyFingerprintMeta)}});
    if (!row) return Propagate(row);
    return row->Text(0);
  });
  if (!kept) return Propagate(kept);
  if (*kept != fingerprint) {
    return InZh(
        FailedPrecondition(fmt::format(
            "key file {} does not belong to the database {}: its keys differ from the ones the "
            "database's personal data is sealed under (the fingerprints differ), so sealed ID "
            "numbers would not open. Start with this database's own key file: restore it from "
            "its backup, or give its path with --key-file (docs/keys.md)",
            key_file.DisplayPath(), store.DisplayLocation())),
        fmt::format("密钥文件 {} 不属于数据库 {}：其密钥与数据库中个人信息加密所用的密钥不同（指纹不符），"
                    "已加密的证件号码将无法解密。请使用本数据库自己的密钥文件启动：从备份恢复，或用 "
                    "--key-file 指定其路径（见 docs/keys.md）",
                    key_file.DisplayPath(), store.DisplayLocation()));
  }
  return PersonalDataKeys{.id_hash_key = *hash_key, .id_seal_key = *seal_key};
}

}  // namespace keyun::sales
