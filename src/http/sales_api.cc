#include "http/sales_api.h"

#include <functional>
#include <nlohmann/json.hpp>

#include "http/access_policy.h"
#include "http/json_body.h"
#include "network/master_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;

json ToJson(const sales::Ticket& t) {
  return {{"ticket_id", t.ticket_id},
          {"ticket_number", t.ticket_number.empty() ? json(nullptr) : json(t.ticket_number)},
          {"run_id", t.run_id},
          {"from", t.from.str()},
          {"to", t.to.str()},
          {"from_index", t.from_index},
          {"to_index", t.to_index},
          {"seat", t.seat == 0 ? json(nullptr) : json(t.seat)},
          {"fare_type", std::string(sales::FareTypeKey(t.fare_type))},
          {"passenger_name", t.passenger_name_masked},
          {"id_type", t.id_type},
          {"id_number", t.id_masked},
          {"fare", t.fare.fen()},
          {"station_fee", t.station_fee.fen()},
          {"cap_fare", t.cap.fen()},
          {"status", t.status},
          {"channel", t.channel},
          {"attached_to", t.attached_to ? json(*t.attached_to) : json(nullptr)},
          {"departs_at", t.departs_at.ToIso8601()},
          {"order_id", t.order_id},
          {"changed_from", t.changed_from ? json(*t.changed_from) : json(nullptr)},
          {"checked_in_at", t.checked_in_at ? json(t.checked_in_at->ToIso8601()) : json(nullptr)}};
}

json ToJson(const sales::Order& o) {
  json tickets = json::array();
  for (const auto& t : o.tickets) tickets.push_back(ToJson(t));
  return {{"order_id", o.order_id},
          {"run_id", o.run_id},
          {"channel", o.channel},
          {"status", std::string(sales::OrderStatusKey(o.status))},
          {"amount", o.amount.fen()},
          {"created_at", o.created_at.ToIso8601()},
          {"expires_at", o.expires_at.ToIso8601()},
          {"payment_method", o.payment_method ? json(*o.payment_method) : json(nullptr)},
          {"tickets", tickets}};
}

json ToJson(const sales::SalesService::Payment& p) {
  json payment = {{"payment_id", p.payment_id},
                  {"provider", p.provider},
                  {"status", p.status},
                  {"amount", p.amount.fen()}};
  if (p.provider == "sandbox") payment["wallet_url"] = "/api/v1/sandbox/wallet/" + p.payment_id;
  return payment;
}

void WriteOffer(JsonWriter& w, const sales::RunOffer& r) {
  w.BeginObject()
      .Field("run_id", r.run.run.id.str())
      .Field("route_code", r.run.run.route_code)
      .Field("route_name", r.run.route_name)
      .Field("departs_at", r.run.run.departs_at.ToIso8601())
      .Field("carrier_name", r.run.carrier_name);
  w.Key("from_stop").BeginObject().Field("index", r.from_index).Field("code", r.from.str())
      .Field("name", r.from_name).EndObject();
  w.Key("to_stop").BeginObject().Field("index", r.to_index).Field("code", r.to.str())
      .Field("name", r.to_name).EndObject();
  w.Field("origin_name", r.run.origin_name).Field("destination_name", r.run.destination_name);
  w.Key("fares")
      .BeginObject()
      .Field("adult", r.adult.fen())
      .Field("child", r.child.fen())
      .Field("discount", r.discount.fen())
      .Field("free_child", 0)
      .Field("station_fee", r.station_fee.fen())
      .Field("cap", r.cap.fen())
      .EndObject();
  w.Field("vehicle_class", network::VehicleClassName(r.run.run.vehicle_class))
      .Field("seats_left", r.seats_left)
      .EndObject();
}

std::string AvailabilityJson(const sales::SalesService::Availability& a, sales::Channel asked) {
  int seats_left = 0;
  for (const auto& c : a.channels) {
    if (c.channel == asked) seats_left = c.seats_left;
  }
  JsonWriter w;
  w.BeginObject()
      .Field("run_id", a.run.id.str())
      .Field("status", network::RunStatusKey(a.status))
      .Field("departs_at", a.run.departs_at.ToIso8601())
      .Field("seats", a.run.seats);
  w.Key("from_stop").BeginObject().Field("index", a.from_index).Field("code", a.from.str())
      .EndObject();
  w.Key("to_stop").BeginObject().Field("index", a.to_index).Field("code", a.to.str())
      .EndObject();
  w.Field("channel", sales::ChannelKey(asked))
      .Field("seats_left", seats_left)
      .Field("station_fee", a.station_fee.fen());
  w.Key("by_channel").BeginObject();
  for (const auto& c : a.channels) {
    w.Key(sales::ChannelKey(c.channel)).BeginObject().Field("on_sale", c.on_sale)
        .Field("seats_left", c.seats_left).EndObject();
  }
  w.EndObject();
  w.Key("by_fare_type").BeginObject();
  if (a.has_fare) {
    for (auto [type, fare] : {std::pair{sales::FareType::kAdult, a.adult},
                              std::pair{sales::FareType::kChild, a.child},
                              std::pair{sales::FareType::kDiscount, a.discount}}) {
      w.Key(sales::FareTypeKey(type)).BeginObject().Field("fare", fare.fen())
          .Field("seats_left", seats_left).EndObject();
    }
    // A free child (携童) takes no seat but travels with a seated adult of the same order.
    w.Key(sales::FareTypeKey(sales::FareType::kFreeChild)).BeginObject().Field("fare", 0)
        .Field("places_left", seats_left > 0 ? a.free_child_places : 0).EndObject();
  }
  w.EndObject().EndObject();
  return w.Take();
}

// The staff behind a window or kiosk request. Channel kiosk belongs to self-service machines'
// accounts (role kiosk) and they to it, so the node always knows a machine (Seller::machine),
// where nobody sees the passenger's papers.
Result<sales::Seller> SellerFor(sales::Channel channel, const Request& request,
                                Sessions& sessions) {
  bool staffed = channel == sales::Channel::kWindow || channel == sales::Channel::kKiosk;
  if (!staffed) return sales::Seller{};
  auto who = sessions.Authenticate(request);
  if (!who) return Propagate(who);
  auto role = network::ParseRole(who->role);
  sales::Seller seller{.staff_username = who->username,
                       .station = std::nullopt,
                       .province_wide = role && *role == network::Role::kProvinceAdmin,
                       .machine = role && *role == network::Role::kKiosk};
  if (seller.machine != (channel == sales::Channel::kKiosk)) {
    return PermissionDenied(seller.machine
                                ? "a self-service machine's account acts on channel kiosk only"
                                : "channel kiosk is for self-service machines' accounts (role "
                                  "kiosk); at a window use channel window");
  }
  if (role && *role != network::Role::kClerk && *role != network::Role::kStationManager &&
      *role != network::Role::kProvinceAdmin && *role != network::Role::kKiosk) {
    return PermissionDenied("your role (" + who->role + ") may not sell tickets");
  }
  if (!who->station_code.empty()) {
    auto station = core::StationCode::Parse(who->station_code);
    if (station) seller.station = *station;
  }
  return seller;
}

// The trip a search or an availability question names: from=STATION&to=STATION, and
// channel (default mobile). `usage` is the message for a missing station.
struct TripQuery {
  core::StationCode from, to;
  sales::Channel channel;
};
Result<TripQuery> ParseTrip(const Request& request, std::string_view usage) {
  auto from_text = request.QueryParam("from");
  auto to_text = request.QueryParam("to");
  if (!from_text || !to_text) {
    return InvalidArgument(std::string(usage), !from_text ? "from" : "to");
  }
  auto from = core::StationCode::Parse(*from_text);
  if (!from) return tl::unexpected(WithField(from.error(), "from"));
  auto to = core::StationCode::Parse(*to_text);
  if (!to) return tl::unexpected(WithField(to.error(), "to"));
  auto channel = sales::ParseChannel(request.QueryParam("channel").value_or("mobile"));
  if (!channel) return tl::unexpected(WithField(channel.error(), "channel"));
  return TripQuery{.from = *from, .to = *to, .channel = *channel};
}

// `pay`, when the body names one ("pay": "cash" or "card"): a window sale in one request.
Result<sales::OrderRequest> ParseOrder(const Request& request,
                                       std::optional<sales::PaymentMethod>* pay) {
  auto body =
      ParseJsonObject(request.body, {"run_id", "from", "to", "channel", "passengers", "pay"});
  if (!body) return Propagate(body);
  auto pay_text = StringField(*body, "pay", false);
  if (!pay_text) return Propagate(pay_text);
  if (*pay_text) {
    auto method = sales::ParsePaymentMethod(**pay_text);
    if (!method) return InvalidArgument(method.error().message, "pay");
    if (*method == sales::PaymentMethod::kSandbox) {
      return InZh(InvalidArgument("an order paid online is held first; pay it with POST "
                                  "/api/v1/orders/{id}/pay and method sandbox",
                                  "pay"),
                  "线上支付的订单须先占座，再调用支付接口");
    }
    *pay = *method;
  }
  sales::OrderRequest order;
  order.idempotency_key = request.Header("idempotency-key").value_or("");
  for (auto [name, target] : {std::pair{"run_id", &order.run_id}, std::pair{"from", &order.from},
                              std::pair{"to", &order.to}}) {
    auto value = StringField(*body, name, true);
    if (!value) return Propagate(value);
    *target = **value;
  }
  auto channel_text = StringField(*body, "channel", true);
  if (!channel_text) return Propagate(channel_text);
  auto channel = sales::ParseChannel(**channel_text);
  if (!channel) return InvalidArgument(channel.error().message, "channel");
  order.channel = *channel;
  auto passengers = body->find("passengers");
  if (passengers == body->end() || !passengers->is_array()) {
    return InvalidArgument("passengers must be an array of 1 to 5 passengers", "passengers");
  }
  for (std::size_t i = 0; i < passengers->size(); ++i) {
    const json& p = (*passengers)[i];
    std::string at = "passengers[" + std::to_string(i) + "]";
    if (!p.is_object()) return InvalidArgument(at + " must be an object", at);
    for (const auto& [key, value] : p.items()) {
      if (key != "name" && key != "id_type" && key != "id_number" && key != "fare_type" &&
          key != "seat") {
        return InvalidArgument("unknown field '" + key + "' in " + at +
                                   "; the fields are: name, id_type, id_number, fare_type, seat",
                               at + "." + key);
      }
    }
    sales::PassengerInput input;
    auto name = StringField(p, "name", true);
    if (!name) return InvalidArgument(name.error().message, at + ".name");
    input.name = **name;
    auto id_type = StringField(p, "id_type", false);
    if (!id_type) return InvalidArgument(id_type.error().message, at + ".id_type");
    if (*id_type) input.id_type = **id_type;
    auto id_number = StringField(p, "id_number", true);
    if (!id_number) return InvalidArgument(id_number.error().message, at + ".id_number");
    input.id_number = **id_number;
    auto fare_type = StringField(p, "fare_type", false);
    if (!fare_type) return InvalidArgument(fare_type.error().message, at + ".fare_type");
    if (*fare_type) {
      auto parsed = sales::ParseFareType(**fare_type);
      if (!parsed) return InvalidArgument(parsed.error().message, at + ".fare_type");
      input.fare_type = *parsed;
    }
    auto seat = IntField(p, "seat", false);
    if (!seat) return InvalidArgument(seat.error().message, at + ".seat");
    if (*seat) {
      if (**seat < 1 || **seat > 70) return InvalidArgument("seat must be 1 to 70", at + ".seat");
      input.seat = static_cast<int>(**seat);
    }
    order.passengers.push_back(std::move(input));
  }
  return order;
}

json ToJson(const sales::RefundRecord& r) {
  return {{"refund_id", r.refund_id.empty() ? json(nullptr) : json(r.refund_id)},
          {"ticket_number", r.ticket_number},
          {"order_id", r.order_id},
          {"fare", r.fare.fen()},
          {"fee", r.fee.fen()},
          {"refunded", r.refunded.fen()},
          {"cause", std::string(sales::RefundCauseKey(r.cause))},
          {"rule", r.rule},
          {"money_back", r.money_back},
          {"refund_status", r.status},
          {"at", r.at.ToIso8601()},
          {"done_at", r.done_at ? json(r.done_at->ToIso8601()) : json(nullptr)}};
}

// The ticket's refund (or quote) as the API shows it: the ticket asked for, with the free
// children refunded with it.
json ToJson(const sales::RefundResult& result, std::string_view ticket_status) {
  json reply = ToJson(result.ticket);
  reply["status"] = ticket_status;
  json children = json::array();
  for (const auto& child : result.free_children) {
    json c = ToJson(child);
    c["status"] = ticket_status;
    children.push_back(std::move(c));
  }
  reply["free_children"] = std::move(children);
  return reply;
}

// Who asks for an after-sale and on which channel, from the JSON body or the query: staff with
// a session (channel window unless given; a machine's: kiosk) or the passenger (mobile unless
// given), with the order id the passenger holds, or the ID card a machine read (body only).
using FieldReader = std::function<Result<std::optional<std::string>>(const char*)>;
// The request's optional string fields: from the JSON body when there is one (POST), else
// from the query (the GET quotes).
FieldReader FieldsOf(const Request& request, const std::optional<json>& body) {
  return [&request, &body](const char* name) -> Result<std::optional<std::string>> {
    if (body) return StringField(*body, name, false);
    return request.QueryParam(name);
  };
}
struct AfterSaleCaller {
  sales::Channel channel = sales::Channel::kMobile;
  std::string access_token;  // the order's, from the buyer (access_policy.h AccessTokenOf)
  std::string id_type = "resident_id", id_number;  // the card a self-service machine read
  sales::Seller staff;
};
Result<AfterSaleCaller> ParseAfterSaleCaller(const Request& request, Sessions& sessions,
                                             const std::optional<json>& body) {
  const FieldReader field = FieldsOf(request, body);
  AfterSaleCaller out;
  auto channel_text = field("channel");
  if (!channel_text) return Propagate(channel_text);
  std::string fallback = "mobile";
  if (!*channel_text && request.Header("authorization")) {
    auto who = sessions.Authenticate(request);
    if (!who) return Propagate(who);
    fallback = who->role == network::RoleKey(network::Role::kKiosk) ? "kiosk" : "window";
  }
  auto channel = sales::ParseChannel(channel_text->value_or(fallback));
  if (!channel) return InvalidArgument(channel.error().message, "channel");
  out.channel = *channel;
  out.access_token = AccessTokenOf(request);
  if (body) {  // never in a query string, where it would be logged; quotes need no proof
    for (auto [name, target] :
         {std::pair{"id_type", &out.id_type}, std::pair{"id_number", &out.id_number}}) {
      auto value = StringField(*body, name, false);
      if (!value) return Propagate(value);
      if (*value) *target = **value;
    }
  }
  auto seller = SellerFor(out.channel, request, sessions);
  if (!seller) return Propagate(seller);
  out.staff = std::move(*seller);
  return out;
}

// A refund request from the path, the optional JSON fields (or query parameters for the quote)
// and the caller (ParseAfterSaleCaller).
Result<sales::RefundRequest> ParseRefund(const Request& request, Sessions& sessions,
                                         const std::optional<json>& body) {
  const FieldReader field = FieldsOf(request, body);
  sales::RefundRequest out;
  out.ticket_number = request.PathParam("number");
  out.idempotency_key = request.Header("idempotency-key").value_or("");
  auto cause_text = field("cause");
  if (!cause_text) return Propagate(cause_text);
  auto cause = sales::ParseRefundCause(cause_text->value_or("passenger"));
  if (!cause) return Propagate(cause);
  out.cause = *cause;
  auto caller = ParseAfterSaleCaller(request, sessions, body);
  if (!caller) return Propagate(caller);
  out.channel = caller->channel;
  out.access_token = std::move(caller->access_token);
  out.id_type = std::move(caller->id_type);
  out.id_number = std::move(caller->id_number);
  out.staff = std::move(caller->staff);
  return out;
}

json ToJson(const sales::ChangeRecord& c) {
  auto optional = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
  return {{"change_id", optional(c.change_id)},
          {"old_ticket_number", c.old_ticket_number},
          {"new_ticket_number", optional(c.new_ticket_number)},
          {"new_order_id", optional(c.new_order_id)},
          {"old_run_id", c.old_run_id},
          {"new_run_id", c.new_run_id},
          {"change_number", c.change_number},
          {"old_fare", c.old_fare.fen()},
          {"new_fare", c.new_fare.fen()},
          {"fee", c.fee.fen()},
          {"charge", c.charge.fen()},
          {"refund", c.refund.fen()},
          {"rule", c.rule},
          {"money", c.money},
          {"money_status", c.money_status},
          {"refund_id", c.refund_id ? json(*c.refund_id) : json(nullptr)},
          {"payment_id", c.payment_id ? json(*c.payment_id) : json(nullptr)},
          {"at", c.at.ToIso8601()}};
}

// A change (or its quote) as the API shows it: the change's amounts, the new ticket, and the
// free children moved with it.
json ToJson(const sales::ChangeResult& result, std::string_view status) {
  json reply = ToJson(result.change);
  reply["status"] = status;
  reply["ticket"] = ToJson(result.ticket);
  json children = json::array();
  for (std::size_t i = 0; i < result.free_children.size(); ++i) {
    json c = ToJson(result.free_children[i]);
    c["ticket"] = ToJson(result.free_child_tickets.at(i));
    children.push_back(std::move(c));
  }
  reply["free_children"] = std::move(children);
  if (result.change.money_status == "awaiting_payment") {
    // A dearer change online: pay the new order in full; the old fare less the fee comes back.
    core::Money to_pay = result.ticket.fare + result.ticket.station_fee;
    for (const auto& t : result.free_child_tickets) to_pay = to_pay + t.fare + t.station_fee;
    reply["to_pay"] = to_pay.fen();
    reply["old_fare_back"] = (result.change.old_fare - result.change.fee).fen();
    reply["pay_path"] = "/api/v1/orders/" + result.change.new_order_id + "/pay";
  }
  return reply;
}

// A change request from the path, the JSON body (or query parameters for the quote) and the
// caller (ParseAfterSaleCaller).
Result<sales::ChangeRequest> ParseChange(const Request& request, Sessions& sessions,
                                         const std::optional<json>& body) {
  const FieldReader field = FieldsOf(request, body);
  sales::ChangeRequest out;
  out.ticket_number = request.PathParam("number");
  out.idempotency_key = request.Header("idempotency-key").value_or("");
  auto run_id = field("run_id");
  if (!run_id) return Propagate(run_id);
  if (!*run_id || (*run_id)->empty()) {
    return InvalidArgument("give the run to change to: run_id", "run_id");
  }
  out.run_id = **run_id;
  auto method = field("payment_method");
  if (!method) return Propagate(method);
  if (*method) {
    auto parsed = sales::ParsePaymentMethod(**method);
    if (!parsed || *parsed == sales::PaymentMethod::kSandbox) {
      return InvalidArgument("payment_method is cash or card", "payment_method");
    }
    out.payment_method = *parsed;
  }
  auto caller = ParseAfterSaleCaller(request, sessions, body);
  if (!caller) return Propagate(caller);
  out.channel = caller->channel;
  out.access_token = std::move(caller->access_token);
  out.id_type = std::move(caller->id_type);
  out.id_number = std::move(caller->id_number);
  out.staff = std::move(caller->staff);
  return out;
}

}  // namespace

void AddSalesApi(Router& router, sales::SalesService& sales, Sessions& sessions) {
  // Run search and availability answer from memory on the I/O thread; what is not in memory
  // yet (the catalogue after a change, a run not loaded) is loaded on a handler thread.
  router.Add(
      Method::kGet, "/api/v1/runs",
      [&sales](Request& request) {
        auto date_text = request.QueryParam("date");
        auto trip = ParseTrip(request, "search with from=STATION&to=STATION&date=YYYY-MM-DD");
        if (!trip) return ErrorResponse(trip.error());
        if (!date_text) {
          return ErrorResponse(Error{ErrorCode::kInvalidArgument,
                                     "search with from=STATION&to=STATION&date=YYYY-MM-DD",
                                     "date"});
        }
        auto date = core::LocalDate::Parse(*date_text);
        if (!date) return ErrorResponse(WithField(date.error(), "date"));
        auto offers = request.on_io_thread
                          ? sales.SearchInMemory(trip->from, trip->to, *date, trip->channel)
                          : std::optional(sales.Search(trip->from, trip->to, *date, trip->channel));
        if (!offers) return RunOnHandlerThread();
        if (!*offers) return ErrorResponse(offers->error());
        JsonWriter w;
        w.BeginObject().Key("items").BeginArray();
        for (const auto& offer : **offers) WriteOffer(w, offer);
        w.EndArray().EndObject();
        return JsonText(w.Take());
      },
      Blocking::kMemoryFirst);

  router.Add(
      Method::kGet, "/api/v1/runs/{run_id}/availability",
      [&sales](Request& request) {
        auto trip = ParseTrip(request, "ask with from=STATION&to=STATION (the trip's boarding "
                                       "and alighting stations)");
        if (!trip) return ErrorResponse(trip.error());
        const std::string& run_id = request.PathParam("run_id");
        auto seats = request.on_io_thread
                         ? sales.AvailabilityInMemory(run_id, trip->from, trip->to)
                         : std::optional(sales.GetAvailability(run_id, trip->from, trip->to));
        if (!seats) return RunOnHandlerThread();
        if (!*seats) return ErrorResponse(seats->error());
        return JsonText(AvailabilityJson(**seats, trip->channel));
      },
      Blocking::kMemoryFirst);

  router.Add(Method::kPost, "/api/v1/orders", [&sales, &sessions](Request& request) {
    std::optional<sales::PaymentMethod> pay;
    auto order_request = ParseOrder(request, &pay);
    if (!order_request) return ErrorResponse(order_request.error());
    if (pay && !request.session) {  // cash and card are taken by staff, as on .../pay
      return ErrorResponse(InZh(PermissionDenied("cash and card are taken at a station's window "
                                                 "or self-service machine; online, hold the "
                                                 "order and pay with method sandbox"),
                                "现金和银行卡仅在车站窗口或自助机收取；线上请先占座再在线支付")
                               .value());
    }
    auto seller = SellerFor(order_request->channel, request, sessions);
    if (!seller) return ErrorResponse(seller.error());
    order_request->seller = std::move(*seller);
    // Only a counter's own sale takes the money at once: the service refuses "pay" on a
    // passenger channel (whose order is paid on .../pay, where the guard checks its station).
    order_request->pay_now = pay;
    auto order = sales.CreateOrder(*order_request);
    if (!order) return ErrorResponse(order.error());
    // A counter sells and takes the money in one request and one transaction. A retry with the
    // same Idempotency-Key finds the order: issued, or held if it was made without "pay", which
    // is paid now.
    if (pay && order->status == sales::OrderStatus::kHeld) {
      order = sales.Pay(order->order_id, *pay);
      if (!order) return ErrorResponse(order.error());
    }
    json reply = ToJson(*order);
    // Only here, to the buyer (and to a retry with the same Idempotency-Key): the proof that
    // reads and after-sales of this order need without a staff session.
    reply["access_token"] = sales.OrderAccessToken(order->order_id);
    return Json(reply, 201);
  });

  // 停班 / 停班有售: the run's station manager (or a province administrator) stops a run.
  router.Add(Method::kPost, "/api/v1/runs/{run_id}/stop", [&sales, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    auto role = network::ParseRole(who->role);
    if (!role || (*role != network::Role::kStationManager &&
                  *role != network::Role::kProvinceAdmin)) {
      return ErrorResponse(PermissionDenied("a run is stopped by its station's manager; your "
                                            "role is " +
                                            who->role)
                               .value());
    }
    sales::Seller staff{.staff_username = who->username,
                        .station = std::nullopt,
                        .province_wide = *role == network::Role::kProvinceAdmin};
    if (auto station = core::StationCode::Parse(who->station_code)) staff.station = *station;
    auto stopped = sales.StopRun(request.PathParam("run_id"), staff);
    if (!stopped) return ErrorResponse(stopped.error());
    json holders = json::array();
    for (const auto& t : stopped->holders) holders.push_back(ToJson(t));
    return Json({{"run_id", stopped->run_id}, {"status", stopped->status}, {"holders", holders}});
  });

  router.Add(Method::kGet, "/api/v1/orders/{id}", [&sales](Request& request) {
    auto order = sales.GetOrder(request.PathParam("id"));
    if (!order) return ErrorResponse(order.error());
    return Json(ToJson(*order));
  });

  router.Add(Method::kPost, "/api/v1/orders/{id}/pay", [&sales, &sessions](Request& request) {
    auto body = ParseJsonObject(request.body.empty() ? "{}" : request.body, {"method"});
    if (!body) return ErrorResponse(body.error());
    auto method_text = StringField(*body, "method", true);
    if (!method_text) return ErrorResponse(method_text.error());
    auto method = sales::ParsePaymentMethod(**method_text);
    if (!method) return ErrorResponse(WithField(method.error(), "method"));
    if (*method == sales::PaymentMethod::kSandbox) {
      // Online: the provider collects, the passenger approves in the wallet, and the order is
      // issued when the provider's notification arrives (202 until then).
      auto started = sales.StartPayment(request.PathParam("id"), **method_text,
                                        request.Header("idempotency-key").value_or(""));
      if (!started) return ErrorResponse(started.error());
      json reply = ToJson(started->order);
      if (!started->payment) return Json(reply);
      reply["payment"] = ToJson(*started->payment);
      return Json(reply, 202);
    }
    if (!request.session) {  // cash and card are taken by staff, at a window or a machine
      return ErrorResponse(InZh(PermissionDenied("cash and card are taken at a station's window "
                                                 "or self-service machine; online, pay with "
                                                 "method sandbox"),
                                "现金和银行卡仅在车站窗口或自助机收取；线上请用在线支付")
                               .value());
    }
    auto order = sales.Pay(request.PathParam("id"), *method);
    if (!order) return ErrorResponse(order.error());
    return Json(ToJson(*order));
  });

  // Notifications from payment providers: the body exactly as posted; "success" tells the
  // provider to stop retrying (a repeated notification is acknowledged the same way).
  router.Add(Method::kPost, "/api/v1/payments/{provider}/notify", [&sales](Request& request) {
    auto outcome = sales.ApplyPaymentNotification(request.PathParam("provider"), request.body);
    if (!outcome) return ErrorResponse(outcome.error());
    Response response;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "success";
    return response;
  });

  router.Add(Method::kPost, "/api/v1/orders/{id}/cancel", [&sales](Request& request) {
    auto order = sales.Cancel(request.PathParam("id"));
    if (!order) return ErrorResponse(order.error());
    return Json(ToJson(*order));
  });

  // Refund (退票): a quote first (nothing changes), then the refund with an Idempotency-Key.
  router.Add(Method::kGet, "/api/v1/tickets/{number}/refund-quote",
             [&sales, &sessions](Request& request) {
               auto refund = ParseRefund(request, sessions, std::nullopt);
               if (!refund) return ErrorResponse(refund.error());
               auto quote = sales.QuoteTicketRefund(*refund);
               if (!quote) return ErrorResponse(quote.error());
               return Json(ToJson(*quote, "issued"));
             });
  router.Add(Method::kPost, "/api/v1/tickets/{number}/refund",
             [&sales, &sessions](Request& request) {
               auto body = ParseJsonObject(request.body.empty() ? "{}" : request.body,
                                           {"cause", "access_token", "channel", "id_type", "id_number"});
               if (!body) return ErrorResponse(body.error());
               auto refund = ParseRefund(request, sessions, *body);
               if (!refund) return ErrorResponse(refund.error());
               auto done = sales.Refund(*refund);
               if (!done) return ErrorResponse(done.error());
               return Json(ToJson(*done, "refunded"));
             });
  // Change (改签): a quote first (nothing changes), then the change with an Idempotency-Key.
  router.Add(Method::kGet, "/api/v1/tickets/{number}/change-quote",
             [&sales, &sessions](Request& request) {
               auto change = ParseChange(request, sessions, std::nullopt);
               if (!change) return ErrorResponse(change.error());
               auto quote = sales.QuoteTicketChange(*change);
               if (!quote) return ErrorResponse(quote.error());
               return Json(ToJson(*quote, "quote"));
             });
  router.Add(Method::kPost, "/api/v1/tickets/{number}/change",
             [&sales, &sessions](Request& request) {
               auto body = ParseJsonObject(request.body.empty() ? "{}" : request.body,
                                           {"run_id", "access_token", "channel", "payment_method",
                                            "id_type", "id_number"});
               if (!body) return ErrorResponse(body.error());
               auto change = ParseChange(request, sessions, *body);
               if (!change) return ErrorResponse(change.error());
               auto done = sales.Change(*change);
               if (!done) return ErrorResponse(done.error());
               // The changed ticket is in a new order: its buyer gets that order's proof.
               auto with_token = [&](json reply) {
                 if (!done->change.new_order_id.empty()) {
                   reply["access_token"] = sales.OrderAccessToken(done->change.new_order_id);
                 }
                 return reply;
               };
               // A dearer change online is held until its new order is paid: 202.
               if (done->change.money_status == "awaiting_payment") {
                 return Json(with_token(ToJson(*done, "awaiting_payment")), 202);
               }
               return Json(with_token(ToJson(*done, "changed")));
             });
  // A provider's refund notification (like the payment's, on its own path).
  router.Add(Method::kPost, "/api/v1/payments/{provider}/refund-notify",
             [&sales](Request& request) {
               auto outcome =
                   sales.ApplyRefundNotification(request.PathParam("provider"), request.body);
               if (!outcome) return ErrorResponse(outcome.error());
               Response response;
               response.content_type = "text/plain; charset=utf-8";
               response.body = "success";
               return response;
             });

  router.Add(Method::kGet, "/api/v1/tickets/{number}", [&sales](Request& request) {
    auto ticket = sales.GetTicket(request.PathParam("number"));
    if (!ticket) return ErrorResponse(ticket.error());
    return Json(ToJson(*ticket));
  });
}

void AddSandboxWalletApi(Router& router, sales::SandboxPaymentProvider& sandbox) {
  router.Add(Method::kGet, "/api/v1/sandbox/wallet/{payment_id}", [&sandbox](Request& request) {
    auto status = sandbox.Status(request.PathParam("payment_id"));
    if (!status) return ErrorResponse(status.error());
    return Json({{"payment_id", request.PathParam("payment_id")}, {"status", *status}});
  });
  router.Add(Method::kPost, "/api/v1/sandbox/wallet/{payment_id}/approve",
             [&sandbox](Request& request) {
               auto approved = sandbox.Approve(request.PathParam("payment_id"));
               if (!approved) return ErrorResponse(approved.error());
               return Json({{"payment_id", request.PathParam("payment_id")},
                            {"status", "approved"}},
                           202);
             });
}

void AddVoucherApi(Router& router, sales::TicketVouchers& vouchers,
                   const eticket::IssuerKeyStore& keys) {
  struct Format {
    const char* suffix;
    const char* content_type;
    Result<std::string> (sales::TicketVouchers::*render)(const std::string&);
  };
  static const Format kFormats[] = {
      {"voucher", "text/plain; charset=utf-8", &sales::TicketVouchers::Text},
      {"voucher.svg", "image/svg+xml", &sales::TicketVouchers::Svg},
      {"voucher.png", "image/png", &sales::TicketVouchers::Png},
      {"voucher.pdf", "application/pdf", &sales::TicketVouchers::Pdf},
  };
  for (const Format& format : kFormats) {
    router.Add(Method::kGet, std::string("/api/v1/tickets/{number}/") + format.suffix,
               [&vouchers, &format](Request& request) {
                 auto body = (vouchers.*format.render)(request.PathParam("number"));
                 if (!body) return ErrorResponse(body.error());
                 Response response;
                 response.content_type = format.content_type;
                 response.headers.emplace_back("Cache-Control", "no-store");
                 response.body = std::move(*body);
                 return response;
               });
  }
  router.Add(Method::kGet, "/api/v1/keys", [&keys](Request&) {
    json items = json::array();
    for (const auto& key : keys.PublicKeys()) {
      items.push_back({{"key_id", key.key_id},
                       {"algorithm", "ed25519"},
                       {"public_key", key.public_key_hex},
                       {"created_at", key.created_at.ToIso8601()},
                       {"retired_at", key.retired_at ? json(key.retired_at->ToIso8601())
                                                     : json(nullptr)}});
    }
    return Json({{"items", items}});
  });
}

}  // namespace keyun::http
