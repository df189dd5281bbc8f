// SalesService (售票服务): search, seat holds, orders and payment on every channel.
//
//   SalesService sales(store, network, clock, SalesPolicy{}, keys);
//   Result<std::vector<RunOffer>> offers = sales.Search(jinan, taian, date, Channel::kMobile);
//   Result<Order> order = sales.CreateOrder(OrderRequest{
//       .run_id = offers->front().run_id, .from = jinan, .to = taian,
//       .channel = Channel::kMobile, .idempotency_key = "c0ffee-1",
//       .passengers = {{.name = "张三", .id_type = "resident_id",
//                       .id_number = "11010519491231002X", .fare_type = FareType::kAdult}}});
//   // order->status == OrderStatus::kHeld; seats are held until order->expires_at
//   Result<Order> paid = sales.Pay(order->order_id, PaymentMethod::kCash);   // at a window
//   // paid->status == kIssued; every ticket has its 20-digit number
//
// Online, the passenger pays through a provider instead (payment_provider.h):
//   Result<PaymentStart> started = sales.StartPayment(order_id, "sandbox", "c0ffee-1-pay");
//   // …the passenger approves in the wallet; the provider posts its signed notification:
//   Result<NotificationOutcome> done = sales.ApplyPaymentNotification("sandbox", body);
//
// Seats: each run's SeatInventory (core/seat_inventory.h) is kept in memory, loaded from the
// store on first use (rebuilt exactly from its active tickets). A sale takes seats in memory
// under the run's lock, then commits order, tickets and seat segments in one transaction
// before it answers; if the commit fails the seats are given back. The store's constraints
// (a seat segment held once, one active ticket per ID per run) back the memory up.
//
// Holds expire after policy.hold (default 15 min): ExpireHolds() (run by the node every few
// seconds) releases them, and Pay refuses an expired order.
//
// Errors: kInvalidArgument (a bad field, named: "passengers[1].id_number"), kNotFound (run,
// order, ticket), kFailedPrecondition (a rule broken: sold out, cut-off passed, ID already
// on the run, order expired — the message names the passenger), kPermissionDenied (staff of
// another station), kAlreadyExists (idempotency key reused for a different request), and the
// store's errors.
//
// Thread-safety: safe from many threads; one lock per run, held only in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/after_sale_policy.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/personal_data.h"
#include "core/result.h"
#include "core/secret_box.h"
#include "core/time.h"
#include "network/network_service.h"
#include "sales/payment_provider.h"
#include "store/key_file.h"
#include "store/store.h"

namespace keyun::sales {

namespace internal {
class KeysInFlight;  // internal/keys_in_flight.h
}  // namespace internal

// Where a sale comes from (售票渠道). Recorded on every order and ticket.
enum class Channel { kWindow, kKiosk, kMobile, kPlatform };
[[nodiscard]] std::string_view ChannelKey(Channel channel);  // "window", "kiosk", …
[[nodiscard]] Result<Channel> ParseChannel(std::string_view key);

// Fare types (DESIGN.md §3): 全票, 半票 (child with seat), 携童 (free child, no seat), 优待票.
enum class FareType { kAdult, kChild, kFreeChild, kDiscount };
[[nodiscard]] std::string_view FareTypeKey(FareType type);  // "adult", "child", "free_child", …
[[nodiscard]] Result<FareType> ParseFareType(std::string_view key);

enum class OrderStatus { kHeld, kPaid, kIssued, kExpired, kCancelled };
[[nodiscard]] std::string_view OrderStatusKey(OrderStatus status);
// An order's or a ticket's status key ("held", "refunded", …) as Chinese messages say it
// (待支付, 已退票, …); an unknown key is given back as it is.
[[nodiscard]] std::string_view StatusZh(std::string_view key);

enum class PaymentMethod { kSandbox, kCash, kCard };
[[nodiscard]] std::string_view PaymentMethodKey(PaymentMethod method);
[[nodiscard]] Result<PaymentMethod> ParsePaymentMethod(std::string_view key);

// Every number is a policy setting (DESIGN.md §3), per province by default.
struct SalesPolicy {
  int presale_days = 15;                         // sales open this many days ahead
  std::chrono::minutes online_cutoff{120};       // mobile and platforms stop before departure
  std::chrono::minutes window_cutoff{5};         // windows and kiosks stop before departure
  std::chrono::minutes hold{15};                 // an unpaid hold lasts this long
  int max_passengers = 5;                        // per order
  int free_child_percent = 10;                   // free children ≤ this % of the seats
  // Refund and change fees and rules (docs/after-sale.md), per province with station, carrier
  // and channel overrides. nullopt: core::AfterSalePolicy::Default() for the whole province.
  std::optional<core::AfterSalePolicyBook> after_sale = std::nullopt;
};

// The secrets the sales service needs: the keyed hash of ID numbers (look-up) and the box that
// seals them at rest. Loaded by the node from its key store.
struct PersonalDataKeys {
  std::array<std::uint8_t, 32> id_hash_key{};
  std::array<std::uint8_t, 32> id_seal_key{};
};

// A run sellable for a trip, as a search shows it.
struct RunOffer {
  network::RunSummary run;
  int from_index = 0;
  int to_index = 0;
  core::StationCode from;
  std::string from_name;
  core::StationCode to;
  std::string to_name;
  core::Money adult, child, discount, station_fee, cap;
  int seats_left = 0;  // exact, for this trip and channel, now
};

struct PassengerInput {
  std::string name;
  std::string id_type = "resident_id";  // core::IdTypeName
  std::string id_number;
  FareType fare_type = FareType::kAdult;
  std::optional<int> seat;  // a chosen seat
};

// Who is selling: staff at a window or kiosk, or nobody (a passenger on the phone, a platform).
struct Seller {
  std::string staff_username;               // empty for self-service channels
  std::optional<core::StationCode> station;  // the staff member's station
  bool province_wide = false;               // a province administrator may sell anywhere
  // A self-service machine's account (role kiosk, channel kiosk): nobody at it sees the
  // passenger's papers, so each refund or change there needs the holder's proof (below).
  bool machine = false;
};

struct OrderRequest {
  std::string run_id;
  std::string from;  // boarding station code
  std::string to;    // alighting station code
  Channel channel = Channel::kMobile;
  std::vector<PassengerInput> passengers;
  std::string idempotency_key;  // required: a retried request returns the same order
  Seller seller;
  // A counter's sale (window or kiosk, staff seller): cash or card taken in the same
  // transaction as the hold, so the order is committed issued or not at all. Not part of the
  // request's fingerprint: a retry that finds the order held pays it with Pay().
  std::optional<PaymentMethod> pay_now = std::nullopt;
};

struct Ticket {
  std::string ticket_id;      // internal, "{order}-{n}"
  std::string ticket_number;  // 20 digits once issued, empty while held
  std::string run_id;
  int from_index = 0, to_index = 0;
  core::StationCode from, to;
  int seat = 0;  // 0 = free child without a seat
  FareType fare_type = FareType::kAdult;
  std::string passenger_name_masked;
  std::string id_type;
  std::string id_masked;
  core::Money fare, station_fee, cap;  // fare charged (执行票价), station fee line, cap (上限票价)
  std::string status;  // "held", "issued", "released", "refunded", "changed" (tickets.after_sale)
  std::string channel;
  std::optional<std::string> attached_to;  // a free child's adult ticket id
  core::Instant departs_at;
  std::string id_hash;                    // keyed hash (hex) of the ID, for vouchers and gates
  std::optional<core::Instant> issued_at;  // once issued
  std::string order_id;                    // the order it belongs to (a change makes a new one)
  std::optional<std::string> changed_from;  // the ticket number this one was changed (改签) from
  // When a gate checked it in (检票), if one did: a boarded ticket is neither refunded nor
  // changed, so desks do not offer it.
  std::optional<core::Instant> checked_in_at;
};

struct Order {
  std::string order_id;
  std::string run_id;
  std::string channel;
  OrderStatus status = OrderStatus::kHeld;
  core::Money amount;
  core::Instant created_at, expires_at;
  std::optional<std::string> payment_method;
  std::optional<std::string> seller_station;  // the window's or kiosk's station that sold it
  std::vector<Ticket> tickets;
};

// Refund (退票) of one ticket: who asks, where, and why.
struct RefundRequest {
  std::string ticket_number;
  std::string idempotency_key;  // required for Refund: a retried request returns the same refund
  Channel channel = Channel::kMobile;
  // Staff at a window or kiosk (username and station); empty for the passenger's own channels.
  Seller staff;
  // On the mobile and platform channels: the access token of the ticket's order, which only
  // its buyer was given (OrderAccessToken); the order id alone proves nothing.
  std::string access_token;
  // Operator causes (stopped, delayed, missed by the operator) refund without fee, staff only.
  core::RefundCause cause = core::RefundCause::kPassenger;
  // At a self-service machine: the ID document the machine read from the holder's card (or,
  // instead, the order's access_token). Not needed for a quote, which changes nothing.
  std::string id_type = "resident_id";
  std::string id_number = {};
};

// One refunded (or quoted) ticket.
struct RefundRecord {
  std::string refund_id;  // "R…"; empty in a quote
  std::string ticket_number;
  std::string order_id;
  core::Money fare;      // what the passenger paid for this ticket: fare + station fee
  core::Money fee;       // kept by the station
  core::Money refunded;  // fare − fee, paid back
  core::RefundCause cause = core::RefundCause::kPassenger;
  std::string rule;        // the fee rule that applied, for the receipt
  std::string money_back;  // "cash", "card", "provider" (the order's payment provider), "none"
  std::string status;      // "quote", "pending" (the provider has not confirmed), "done"
  core::Instant at;
  std::optional<core::Instant> done_at;
};

struct RefundResult {
  RefundRecord ticket;                      // the ticket asked for
  std::vector<RefundRecord> free_children;  // free children (携童) attached to it, refunded with it
};

[[nodiscard]] std::string_view RefundCauseKey(core::RefundCause cause);  // "passenger", …

// Change (改签) of one ticket to another run: who asks, where, to which run, and how money moves.
struct ChangeRequest {
  std::string ticket_number;
  std::string run_id;           // the new run
  std::string idempotency_key;  // required for Change: a retried request returns the same change
  Channel channel = Channel::kMobile;
  Seller staff;          // staff at a window or kiosk; empty for the passenger's own channels
  std::string access_token;  // on the mobile and platform channels: its order's access token
  // At a window or kiosk: how a positive charge is paid and, by default, how a refund of a
  // difference is paid out ("cash" or "card"). Not used online.
  std::optional<PaymentMethod> payment_method;
  // At a self-service machine: the holder's ID document or access_token, as for a refund.
  std::string id_type = "resident_id";
  std::string id_number = {};
};

// One changed (or quoted) ticket.
struct ChangeRecord {
  std::string change_id;  // "C…"; empty in a quote
  std::string old_ticket_number;
  std::string new_ticket_number;  // empty in a quote
  std::string new_order_id;       // empty in a quote
  std::string old_run_id, new_run_id;
  int change_number = 1;  // this is the ticket chain's n-th change
  core::Money old_fare;   // paid for the old ticket: fare + station fee
  core::Money new_fare;   // of the new ticket: fare + station fee
  core::Money fee;        // the change fee, kept by the station
  core::Money charge;     // collected from the passenger (fee + a dearer fare)
  core::Money refund;     // paid back (a cheaper fare, less the fee)
  std::string rule;       // the fee rule that applied
  // "none", "cash", "card", or "provider": online, through the payment provider — a cheaper
  // fare's difference refunded (refund_id); or a dearer one: the new order paid in full
  // (payment_id) and the old fare less the fee refunded (refund_id, unless nothing is left).
  std::string money;
  // "quote"; "awaiting_payment" (a dearer change online: the new seat is held until the new
  // order is paid, new_order_id); "pending" (a provider refund not yet confirmed); "done";
  // for a held change that did not complete: "expired", "cancelled" or "failed".
  std::string money_status;
  std::optional<std::string> refund_id;   // the provider refund's record ("R…")
  std::optional<std::string> payment_id;  // the new order's provider payment ("P…")
  core::Instant at;
};

struct ChangeResult {
  ChangeRecord change;
  Ticket ticket;  // the new ticket (in a quote: as it would be, without number)
  // Free children (携童) attached to the ticket, moved with it: their records and new tickets.
  std::vector<ChangeRecord> free_children;
  std::vector<Ticket> free_child_tickets;
};
[[nodiscard]] Result<core::RefundCause> ParseRefundCause(std::string_view key);

class SalesService final {
 public:
  SalesService(store::Store& store, network::NetworkService& network, const core::Clock& clock,
               SalesPolicy policy, const PersonalDataKeys& keys);
  ~SalesService();
  SalesService(const SalesService&) = delete;
  SalesService& operator=(const SalesService&) = delete;

  // Runs on `date` that stop at `from` and later at `to`, open and inside the channel's
  // sale window, with fares and the exact seats left for that trip. Ordered by departure.
  // kInvalidArgument if from == to; kNotFound if a station does not exist.
  // Answered from memory (run_search.cc): the catalogue of stations, routes and the presale
  // window's runs, rebuilt after any change to them (NetworkService::CatalogueVersion), and
  // each run's inventory. Loads what is missing from the store first; a date outside the
  // presale window is read from the store.
  [[nodiscard]] Result<std::vector<RunOffer>> Search(const core::StationCode& from,
                                                     const core::StationCode& to,
                                                     core::LocalDate date, Channel channel);
  // Search from memory alone, never waiting on the store: nullopt when something it needs is
  // not in memory (the catalogue after a change, a run not yet loaded, a date outside the
  // presale window); then Search answers. The same answer as Search otherwise.
  [[nodiscard]] std::optional<Result<std::vector<RunOffer>>> SearchInMemory(
      const core::StationCode& from, const core::StationCode& to, core::LocalDate date,
      Channel channel);

  // Seats left on one run for one trip, by channel and fare type, from the run's inventory:
  // exact (a seat held or sold is gone from the next answer). kNotFound for an unknown run,
  // kInvalidArgument for a station the run does not call at or a trip that goes backwards.
  struct ChannelSeats {
    Channel channel;
    bool on_sale = false;  // open, inside the presale window, before the channel's cutoff
    int seats_left = 0;    // 0 when not on sale; seats kept for other channels not counted
  };
  struct Availability {
    network::Run run;
    network::RunStatus status = network::RunStatus::kOpen;
    int from_index = 0, to_index = 0;
    core::StationCode from, to;
    bool has_fare = false;  // a fare is set for the trip (without one it is not sold)
    core::Money adult, child, discount, station_fee;
    std::vector<ChannelSeats> channels;  // every Channel, in enum order
    int free_child_places = 0;  // 携童 places left (no seat; each with a seated adult)
  };
  [[nodiscard]] Result<Availability> GetAvailability(const std::string& run_id,
                                                     const core::StationCode& from,
                                                     const core::StationCode& to);
  // GetAvailability from memory alone: nullopt when the run is not in memory yet.
  [[nodiscard]] std::optional<Result<Availability>> AvailabilityInMemory(
      const std::string& run_id, const core::StationCode& from, const core::StationCode& to);

  // Holds seats for every passenger (free children get no seat). Durable before it returns.
  [[nodiscard]] Result<Order> CreateOrder(const OrderRequest& request);
  // Pays a held order in cash or by card at a window and issues its tickets (numbers
  // assigned). Paying an issued order again returns it unchanged (idempotent); an expired or
  // cancelled one is kFailedPrecondition. kSandbox is refused (kInvalidArgument): online
  // money comes through StartPayment and the provider's notification.
  [[nodiscard]] Result<Order> Pay(const std::string& order_id, PaymentMethod method);

  // Online payment providers, by name(). Register before serving (not synchronised with
  // sales); the provider must outlive the service.
  void AddPaymentProvider(PaymentProvider& provider);

  struct Payment {
    std::string payment_id;
    std::string provider;
    std::string status;  // "pending", "paid", "paid_after_close", "failed"
    core::Money amount;
  };
  struct PaymentStart {
    Order order;
    std::optional<Payment> payment;  // none when the order was issued already
  };
  // Asks `provider` to collect a held order's amount. The passenger then approves the payment
  // in the provider's app; the order stays held until the provider's notification is applied.
  // While a payment is pending, asking again (same key or not) returns it; an issued order
  // comes back with no payment. Errors: kNotFound (order, or no such provider),
  // kFailedPrecondition (order expired, cancelled or its hold lapsed), kAlreadyExists (the
  // key was used for another order), kInvalidArgument (key missing), the provider's errors.
  [[nodiscard]] Result<PaymentStart> StartPayment(const std::string& order_id,
                                                  std::string_view provider,
                                                  const std::string& idempotency_key);

  struct NotificationOutcome {
    Order order;
    Payment payment;
    bool applied = false;  // false: seen before, nothing changed (a provider's retry)
    // The order was a held change (Change online to a dearer fare): the change it completed,
    // or, if it could not (money_status "failed"), the change as held.
    std::optional<ChangeResult> change = std::nullopt;
  };
  // Applies a provider's notification, `body` exactly as posted. The provider verifies the
  // signature; the node checks the payment, order and amount against its own record, then in
  // one transaction marks the payment paid and issues the tickets. A repeated notification
  // (retries, parallel deliveries) changes nothing and is answered like the first. Money that
  // arrives for an order no longer held (expired, cancelled) is recorded as
  // "paid_after_close", owed back to the passenger, and the tickets are not issued.
  // Errors: kNotFound (provider, payment), kInvalidArgument (malformed body),
  // kFailedPrecondition (bad signature; amount, order or trade differs from the record).
  [[nodiscard]] Result<NotificationOutcome> ApplyPaymentNotification(std::string_view provider,
                                                                     std::string_view body);
  // Cancels a held order and releases its seats; kFailedPrecondition once paid.
  [[nodiscard]] Result<Order> Cancel(const std::string& order_id);
  [[nodiscard]] Result<Order> GetOrder(const std::string& order_id);
  // The order's access token: the proof that a caller without a staff session is its buyer.
  // Handed out only in the answers to the buyer's own writes (POST /orders, a change that made
  // the order), never in a read. Derived from the order id under the node's ID hash key
  // (keyed BLAKE2b, its own domain), so nothing is stored and a retried POST gets the same one.
  // 32 lower-case hex characters (128 bits). Thread-safe.
  [[nodiscard]] std::string OrderAccessToken(std::string_view order_id) const;
  // True if `token` is `order_id`'s access token; compares in constant time.
  [[nodiscard]] bool IsOrderAccessToken(std::string_view order_id, std::string_view token) const;
  [[nodiscard]] Result<Ticket> GetTicket(const std::string& ticket_number);
  // The keyed hash of an ID document as tickets keep it (Ticket::id_hash), to match what a
  // self-service machine reads from a card. kInvalidArgument (field "id_type" or "id_number")
  // for a malformed document.
  [[nodiscard]] Result<std::string> HashHolderId(const std::string& id_type,
                                                 const std::string& id_number) const;

  // Refunds one issued ticket (退票), and the free children attached to it (fee 0, a row each).
  //
  // Rules (DESIGN.md §3, docs/after-sale.md): a passenger's refund only before the run leaves
  // the boarding stop (its departure time, or earlier if it departed early), with the fee of
  // the policy resolved for (boarding station, carrier, selling channel); operator causes
  // (run stopped / delayed / missed by the operator) refund in full at any time, and only
  // staff may give them. Where: on the channel that sold the ticket (mobile and platform: the
  // order_id must be the ticket's), or at any window or kiosk of the boarding station (staff of
  // the selling station may refund its own window sales too; a province administrator
  // anywhere); at a machine (Seller::machine) only with the holder's proof: the ID document the
  // ticket was bought with (id_number), or its order_id. Money back: cash and card at once
  // ("done"); an order paid through a provider is refunded through it ("pending" until its
  // signed refund notification, see ApplyRefundNotification).
  //
  // In one transaction: the ticket ends (conditional update: it must still be issued and
  // active), a check-in of it refuses the refund, its seat segments are released, its voucher
  // is revoked (eticket::RevokeTicket, reason refunded), the refund rows are inserted and a
  // "refunded" event per ticket goes to the outbox. Then the seat returns to the in-memory
  // inventory for exactly the ticket's segments.
  //
  // Idempotent: the same key for the same ticket returns the first result (with its current
  // money status; a still pending provider refund is asked for again, which the provider
  // ignores if it has it).
  // Errors: kInvalidArgument (key missing or over 100 characters, malformed ticket number),
  // kNotFound (no such ticket), kPermissionDenied (not this order's ticket, not the holder's
  // ID at a machine, staff of another station, a window sale refunded online, an operator
  // cause without staff or at a machine, no staff session on a staffed channel),
  // kFailedPrecondition (already refunded — "already refunded at …" —,
  // not issued, checked in, departed, or changed where the policy forbids), kAlreadyExists
  // (the key was used for another ticket), the store's errors. A provider that cannot be
  // reached leaves the refund "pending" (no error): retry the same request.
  // Thread-safety: safe from many threads; racing refunds and check-ins of one ticket end
  // with exactly one winner (the ticket row and the checkins primary key decide).
  [[nodiscard]] Result<RefundResult> Refund(const RefundRequest& request);

  // What Refund would do now, without doing it (status "quote"): the same checks and amounts.
  // The idempotency key is not needed.
  [[nodiscard]] Result<RefundResult> QuoteTicketRefund(const RefundRequest& request);

  // Changes one issued ticket (改签) to another run, with the free children attached to it.
  //
  // Rules (DESIGN.md §3, docs/after-sale.md "Changes in the sales service"): the policy resolved
  // for (boarding station, the old run's carrier, the selling channel) says how often a ticket
  // may change (counted along its chain, tickets.changed_from), which changes are free, and
  // whether the new run must be on the same route and of the same vehicle class. The new run
  // stops at the same boarding and alighting stations, is open, on sale (presale window) and
  // before the request channel's cut-off; the old run has not left the boarding stop. Amounts
  // come from core::QuoteChange: charge = fee + a dearer fare, refund = a cheaper fare − fee.
  // Who and where: exactly as for Refund. Money: at a window or kiosk the charge or refund is
  // settled at once in cash or by card (request.payment_method; a charge needs it). Online, a
  // cheaper fare's difference goes back through the order's payment provider ("pending" until
  // its refund notification, like a refund); a dearer change is held instead (money_status
  // "awaiting_payment"): the new seat is taken as a held order (new_order_id) which the
  // passenger pays in full like any order (StartPayment); the provider's notification then
  // completes the change (ApplyPaymentNotification) and the old fare less the fee goes back
  // through the old ticket's payment. Until then the old ticket stays valid; if the hold
  // lapses or the old ticket is used or refunded first, nothing changes on it.
  //
  // All or nothing: a seat for the same segment is taken on the new run in memory (under that
  // run's lock alone: the two runs' locks are never held together, so changes in opposite
  // directions cannot deadlock), then one transaction issues the new ticket (new number, same
  // passenger and channel, changed_from = the old number) in a new order, ends the old ticket
  // (conditional update: still issued, active, no after-sale; a check-in of it refuses the
  // change), frees its seat segments, revokes its voucher (reason changed), writes the
  // `changes` rows and a "changed" outbox event per ticket. If the seat cannot be had (sold
  // out, the passenger already on the new run, cut-off) or anything fails, nothing changes,
  // in memory neither. After the commit the old seat returns to the old run's inventory.
  //
  // Idempotent: the same key for the same ticket returns the first change.
  // Errors: kInvalidArgument (key, ticket number, run id, payment method), kNotFound (ticket,
  // run), kPermissionDenied (as Refund), kFailedPrecondition
  // (already changed or refunded, checked in, departed, too many changes, another route or
  // class, the new run not on sale or full, the passenger already on it, a held change with
  // this key that lapsed), kAlreadyExists (the key was used for another change), the store's
  // errors.
  // Thread-safety: safe from many threads; racing changes, refunds and check-ins of one ticket
  // end with exactly one winner (the ticket row decides).
  [[nodiscard]] Result<ChangeResult> Change(const ChangeRequest& request);

  // What Change would do now, without doing it (money_status "quote"): the same checks and
  // amounts, including whether a seat is free on the new run now. No key needed.
  [[nodiscard]] Result<ChangeResult> QuoteTicketChange(const ChangeRequest& request);

  struct RefundNotificationOutcome {
    RefundRecord refund;
    bool applied = false;  // false: seen before, nothing changed
  };
  // Applies a provider's refund notification, `body` exactly as posted: verified by the
  // provider, checked against the node's refund (payment, amount), and marks the refund done
  // once. Repeats change nothing. Errors: kNotFound (provider, refund), kInvalidArgument
  // (malformed), kFailedPrecondition (bad signature; amount, payment or refund number differ).
  // A notification for a payment returned whole (payment_returns) is applied the same way.
  [[nodiscard]] Result<RefundNotificationOutcome> ApplyRefundNotification(
      std::string_view provider, std::string_view body);

  // Asks the providers again for money still owed: ticket refunds and returned payments
  // pending since at least `older_than` (a provider that could not be reached, a lost
  // notification). Asking twice is harmless: providers key on the refund id. Run by the node
  // every half minute. Returns how many were asked.
  [[nodiscard]] Result<int> RetryProviderRefunds(std::chrono::seconds older_than);

  // 停班: stops a run that will not leave. Without tickets it becomes "stopped"; with issued
  // tickets "stopped_sold" (停班有售), and every holder may refund without fee (Refund treats
  // it as kRunStopped whoever asks) or move to another run. Sales and window payments of the
  // run stop at once; a "run_stopped" outbox event is written. Returns the holders' tickets,
  // for the station to reach them. kPermissionDenied unless `staff` is of the run's origin
  // station or province-wide; kFailedPrecondition if the run departed; kNotFound.
  struct RunStop {
    std::string run_id;
    std::string status;           // "stopped" or "stopped_sold"
    std::vector<Ticket> holders;  // issued, not refunded or changed
  };
  [[nodiscard]] Result<RunStop> StopRun(const std::string& run_id, const Seller& staff);

  // Releases every hold past its expiry; returns how many orders expired.
  [[nodiscard]] Result<int> ExpireHolds();

  // Seats held or sold for a run per seat, straight from the store (for audits and tests):
  // (seat, from, to) of every active ticket with a seat.
  struct Occupancy {
    int seat, from, to;
  };
  [[nodiscard]] Result<std::vector<Occupancy>> StoredOccupancy(const std::string& run_id);

  [[nodiscard]] const SalesPolicy& policy() const { return policy_; }

 private:
  struct RunState;
  Result<std::shared_ptr<RunState>> LoadRun(const std::string& run_id);
  // The run's image if it is in memory; null otherwise (never reads the store).
  std::shared_ptr<RunState> RunInMemory(const std::string& run_id);

  // Search's image of the network (run_search.cc).
  struct Catalogue;
  // The catalogue if it is current (built at the network's present CatalogueVersion).
  std::shared_ptr<const Catalogue> CurrentCatalogue();
  // Rebuilds the catalogue from the store if it is not current.
  Result<std::shared_ptr<const Catalogue>> FreshCatalogue();
  // Search as it was before the catalogue: every master record from the store.
  Result<std::vector<RunOffer>> SearchFromStore(const core::StationCode& from,
                                                const core::StationCode& to,
                                                core::LocalDate date, Channel channel);
  // The offers of `runs` (in their order) for a trip: `trips` maps a route code to the trip's
  // stop indexes on it. `image` gives a run's image: null to give up (the answer is then
  // nullopt: not in memory), an error to fail with it.
  using RunImage = std::function<Result<std::shared_ptr<RunState>>(const std::string& run_id)>;
  using Trips = std::map<std::string, std::pair<int, int>, std::less<>>;
  std::optional<Result<std::vector<RunOffer>>> OffersFor(
      std::span<const network::RunSummary* const> runs, const Trips& trips,
      const core::StationCode& from, const std::string& from_name, const core::StationCode& to,
      const std::string& to_name, Channel channel, const RunImage& image);
  // The offer of one run for a trip, from its image; nullopt when it is not sold (no fare).
  std::optional<RunOffer> OfferOf(RunState& state, const network::RunSummary& summary,
                                  const core::StationCode& from, int from_index,
                                  const core::StationCode& to, int to_index, Channel channel,
                                  core::Instant now) const;
  Result<Availability> AvailabilityOf(RunState& state, const core::StationCode& from,
                                      const core::StationCode& to) const;
  // Whether `channel` sells `run` at `now`: open, inside the presale window, before cutoff.
  bool OnSale(const network::Run& run, network::RunStatus status, Channel channel,
              core::Instant now) const;
  // CreateOrder without the idempotency look-up: checks, seats, and the durable write.
  Result<Order> CreateOrderOnce(const OrderRequest& request, const std::string& fingerprint);
  Result<Order> ReadOrder(store::Transaction& tx, const std::string& order_id);
  // Ok if `order` is held and its hold has not lapsed at `now`; kFailedPrecondition saying
  // which otherwise. (An issued order is the caller's case: paying it again is no error.)
  static Result<void> CheckPayable(const Order& order, core::Instant now);
  // Numbers and issues every ticket of a held order, inside `tx`.
  Result<void> IssueTickets(store::Transaction& tx, Order& order, std::string_view method,
                            core::Instant now);
  // Gives back the seats, free-child places and IDs of tickets no longer active.
  Result<void> ReleaseInMemory(const std::string& run_id, const std::vector<Ticket>& tickets,
                               const std::vector<std::string>& id_hashes);

  // The refund's checks and amounts, read in `tx` (refunds.cc).
  struct RefundPlan;
  // `holder`: MachineHolder's answer for the refund itself, null for a quote (no proof).
  Result<RefundPlan> PlanRefund(store::Transaction& tx, const RefundRequest& request,
                                core::Instant now, const std::optional<std::string>* holder);
  Result<RefundResult> ReadRefund(store::Transaction& tx, const std::string& refund_id);
  // Asks the provider for a pending refund's money (after the commit; idempotent).
  void AskProviderToRefund(const RefundRecord& refund);
  // Money taken for a closed order (payment "paid_after_close") goes back whole (payments.cc):
  // the payment_returns row, written in the notification's transaction; the ask, after it.
  Result<std::string> WritePaymentReturn(store::Transaction& tx, const Payment& payment,
                                         const std::string& reason, core::Instant now);
  void AskProviderToReturn(const std::string& return_id);
  // ApplyRefundNotification's case of a returned payment, inside its transaction.
  Result<RefundNotificationOutcome> ApplyReturnNotification(store::Transaction& tx,
                                                            const RefundNotice& notice,
                                                            std::string_view provider,
                                                            core::Instant now);
  // The paid provider payment (payment id, provider) behind a ticket: its order's, or for a
  // ticket made by a change, the first ticket of its chain's (changes.cc). kInternal if none.
  Result<std::pair<std::string, std::string>> OriginPayment(store::Transaction& tx,
                                                            const std::string& ticket_number);

  // The keyed hash of the ID a self-service machine read (`staff.machine`) for an after-sale,
  // nullopt when none was read or the caller is no machine (internal::CheckAfterSaleAccess).
  Result<std::optional<std::string>> MachineHolder(const Seller& staff,
                                                   const std::string& id_type,
                                                   const std::string& id_number) const;

  // The change's checks and amounts, read in `tx` (changes.cc).
  struct ChangePlan;
  // `holder` as for PlanRefund.
  Result<ChangePlan> PlanChange(store::Transaction& tx, const ChangeRequest& request,
                                const RunState& new_run, core::Instant now,
                                const std::optional<std::string>* holder);
  Result<ChangeResult> ReadChange(store::Transaction& tx, const std::string& change_id);
  // Change without the idempotency look-up: plan, seat, and the durable write.
  Result<ChangeResult> ChangeOnce(const ChangeRequest& request, core::Instant now);
  // The change's new order and tickets on `seats` (per plan ticket; 0 for a free child):
  // issued with numbers, or held (plan.hold) until paid. Returns the order id.
  Result<std::string> WriteNewOrder(store::Transaction& tx, ChangePlan& plan,
                                    const std::vector<int>& seats, const ChangeRequest& request,
                                    core::Instant now);
  // A held change (online, dearer) as the API shows it, from its held order.
  Result<ChangeResult> ReadChangeHold(store::Transaction& tx, const std::string& order_id);
  // Completes the held change behind a paid `order`, inside `tx` (changes.cc); nullopt when
  // the order is no held change. The old tickets and their run are for the memory release
  // after the commit; `done` false means the change failed and the held seats were freed.
  struct HeldChangeOutcome {
    bool done = false;
    ChangeResult change;
    std::string old_run_id;
    std::vector<Ticket> old_tickets;
    std::optional<RefundRecord> refund;  // of the old fare, to ask the provider for
  };
  Result<std::optional<HeldChangeOutcome>> CompleteHeldChange(store::Transaction& tx,
                                                              Order& order,
                                                              const std::string& payment_id,
                                                              core::Instant now);

  store::Store& store_;                 // constant after construction
  network::NetworkService& network_;    // constant after construction
  const core::Clock& clock_;            // constant after construction
  const SalesPolicy policy_;
  const core::AfterSalePolicyBook after_sale_;  // policy_.after_sale or the default
  const core::KeyedHasher hasher_;
  const core::SecretBox box_;

  std::map<std::string, PaymentProvider*, std::less<>> providers_;  // set before serving

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<RunState>> runs_;  // guarded by mu_
  std::shared_ptr<const Catalogue> catalogue_;             // guarded by mu_
  std::mutex catalogue_build_mu_;  // one rebuild at a time; the others wait and use it
  std::size_t run_status_listener_ = 0;  // our NetworkService listener, removed on destruction
  // Orders and changes being made, by idempotency key: a retry waits for its first attempt.
  const std::unique_ptr<internal::KeysInFlight> keys_in_flight_;
};

}  // namespace keyun::sales

namespace keyun::sales {

// The node's personal-data keys, from its key file (never from the store: docs/keys.md), made
// on first use, so hashes stay comparable and sealed numbers stay readable across restarts.
// The store keeps their fingerprint (node_meta key_fingerprint) and nothing else of them.
// Errors (kFailedPrecondition, in English and Chinese, saying what to do): the store has sealed
// personal data or a fingerprint but the key file lacks the keys (missing key file); the key
// file's keys do not match the store's fingerprint (a key file of another database); a
// malformed key; the store's and the key file's errors.
[[nodiscard]] Result<PersonalDataKeys> LoadOrCreatePersonalDataKeys(store::Store& store,
                                                                    store::KeyFile& key_file);

}  // namespace keyun::sales
