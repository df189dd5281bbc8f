// SalesService::Search and GetAvailability: the read path, answered from memory
// (sales_service.h, docs/performance.md).
//
// The catalogue is an immutable snapshot of what a search joins: station names, routes by the
// stations they serve, and the runs of every date a search may sell (yesterday to the end of
// the presale window). It is built at one NetworkService::CatalogueVersion and used only while
// the version is unchanged, so a change to master data or a run's status is seen by the next
// search after the change returns. Seats come from each run's inventory (RunState), which the
// sales path changes in the same step as the store.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "sales/internal/run_state.h"
#include "sales/sales_service.h"

namespace keyun::sales {

struct SalesService::Catalogue {
  std::uint64_t version = 0;
  core::LocalDate first_date, last_date;  // runs below are complete for these dates
  std::unordered_map<std::string, std::string> station_names;  // code → name, every station
  std::vector<network::Route> routes;
  std::unordered_map<std::string, std::vector<const network::Route*>> routes_serving;
  std::map<core::LocalDate, std::vector<network::RunSummary>> runs;  // by departure
  // Per date and route, the positions of its runs in `runs`, so that a search visits only the
  // runs of the routes that serve its trip.
  std::map<core::LocalDate, std::unordered_map<std::string, std::vector<std::size_t>>> by_route;
};

namespace {

bool SelfServiceChannel(Channel channel) {
  return channel == Channel::kMobile || channel == Channel::kPlatform;
}

constexpr Channel kAllChannels[] = {Channel::kWindow, Channel::kKiosk, Channel::kMobile,
                                    Channel::kPlatform};

core::ChannelId InventoryChannel(Channel channel) {
  return core::ChannelId{static_cast<std::uint16_t>(channel)};
}

}  // namespace

std::shared_ptr<const SalesService::Catalogue> SalesService::CurrentCatalogue() {
  std::uint64_t version = network_.CatalogueVersion();
  std::lock_guard lock(mu_);
  if (catalogue_ && catalogue_->version == version) return catalogue_;
  return nullptr;
}

Result<std::shared_ptr<const SalesService::Catalogue>> SalesService::FreshCatalogue() {
  if (auto current = CurrentCatalogue()) return current;
  std::lock_guard building(catalogue_build_mu_);
  if (auto current = CurrentCatalogue()) return current;  // another thread just built it
  // The version is read before the store: a change committed meanwhile raises it, and this
  // snapshot is then not current and is rebuilt on the next search.
  auto catalogue = std::make_shared<Catalogue>();
  catalogue->version = network_.CatalogueVersion();
  core::LocalDate today = clock_.Now().ShanghaiDate();
  catalogue->first_date = today.AddDays(-1);
  catalogue->last_date = today.AddDays(std::max(0, policy_.presale_days));
  auto routes = network_.ListRoutes();
  if (!routes) return Propagate(routes);
  catalogue->routes = std::move(*routes);
  for (const network::Route& route : catalogue->routes) {
    for (const auto& stop : route.stops) {
      auto& serving = catalogue->routes_serving[stop.station.str()];
      if (serving.empty() || serving.back() != &route) serving.push_back(&route);
      if (!catalogue->station_names.contains(stop.station.str())) {
        auto station = network_.GetStation(stop.station);
        if (!station) return Propagate(station);
        catalogue->station_names.emplace(stop.station.str(), station->name);
      }
    }
  }
  for (core::LocalDate date = catalogue->first_date; date <= catalogue->last_date;
       date = date.AddDays(1)) {
    auto runs = network_.ListRuns(date);
    if (!runs) return Propagate(runs);
    auto& by_route = catalogue->by_route[date];
    for (std::size_t i = 0; i < runs->size(); ++i) {
      by_route[(*runs)[i].run.route_code].push_back(i);
    }
    catalogue->runs.emplace(date, std::move(*runs));
  }
  std::shared_ptr<const Catalogue> built = std::move(catalogue);
  std::lock_guard lock(mu_);
  catalogue_ = built;
  return built;
}

bool SalesService::OnSale(const network::Run& run, network::RunStatus status, Channel channel,
                          core::Instant now) const {
  if (status != network::RunStatus::kOpen) return false;
  if (run.date() > now.ShanghaiDate().AddDays(policy_.presale_days - 1)) return false;
  auto cutoff = SelfServiceChannel(channel) ? policy_.online_cutoff : policy_.window_cutoff;
  return run.departs_at - cutoff > now;
}

std::optional<RunOffer> SalesService::OfferOf(RunState& state,
                                              const network::RunSummary& summary,
                                              const core::StationCode& from, int from_index,
                                              const core::StationCode& to, int to_index,
                                              Channel channel, core::Instant now) const {
  std::lock_guard lock(state.mu);
  const network::Fare* fare = state.FareFor(from_index, to_index);
  if (fare == nullptr) return std::nullopt;  // no fare set: not sold
  auto left = state.inventory.SeatsLeft(from_index, to_index, InventoryChannel(channel), now);
  return RunOffer{.run = summary,
                  .from_index = from_index,
                  .to_index = to_index,
                  .from = from,
                  .from_name = {},
                  .to = to,
                  .to_name = {},
                  .adult = fare->adult,
                  .child = fare->child,
                  .discount = fare->discount,
                  .station_fee = fare->station_fee,
                  .cap = fare->cap,
                  .seats_left = left ? *left : 0};
}

std::optional<Result<std::vector<RunOffer>>> SalesService::SearchInMemory(
    const core::StationCode& from, const core::StationCode& to, core::LocalDate date,
    Channel channel) {
  if (from == to) return SearchFromStore(from, to, date, channel);  // the same error, no I/O
  std::shared_ptr<const Catalogue> catalogue = CurrentCatalogue();
  if (!catalogue || date < catalogue->first_date || date > catalogue->last_date) {
    return std::nullopt;
  }
  auto from_name = catalogue->station_names.find(from.str());
  auto to_name = catalogue->station_names.find(to.str());
  if (from_name == catalogue->station_names.end() || to_name == catalogue->station_names.end()) {
    return std::nullopt;  // a station on no route: the store says whether it exists
  }
  Trips trips;
  if (auto serving = catalogue->routes_serving.find(from.str());
      serving != catalogue->routes_serving.end()) {
    for (const network::Route* route : serving->second) {
      auto i = route->StopIndex(from);
      auto j = route->StopIndex(to);
      if (i && j && *i < *j) trips.emplace(route->code, std::make_pair(*i, *j));
    }
  }
  if (trips.empty()) return std::vector<RunOffer>{};
  const auto& runs = catalogue->runs.at(date);
  const auto& by_route = catalogue->by_route.at(date);
  std::vector<std::size_t> positions;
  for (const auto& [route_code, stops] : trips) {
    if (auto found = by_route.find(route_code); found != by_route.end()) {
      positions.insert(positions.end(), found->second.begin(), found->second.end());
    }
  }
  std::sort(positions.begin(), positions.end());  // back in departure order
  std::vector<const network::RunSummary*> visited;
  visited.reserve(positions.size());
  for (std::size_t i : positions) visited.push_back(&runs[i]);
  return OffersFor(visited, trips, from, from_name->second, to, to_name->second,
                   channel, [this](const std::string& run_id) -> Result<std::shared_ptr<RunState>> {
                     return RunInMemory(run_id);
                   });
}

std::optional<Result<std::vector<RunOffer>>> SalesService::OffersFor(
    std::span<const network::RunSummary* const> runs, const Trips& trips,
    const core::StationCode& from, const std::string& from_name, const core::StationCode& to,
    const std::string& to_name, Channel channel, const RunImage& image) {
  std::vector<RunOffer> offers;
  core::Instant now = clock_.Now();
  auto cutoff = SelfServiceChannel(channel) ? policy_.online_cutoff : policy_.window_cutoff;
  for (const network::RunSummary* each : runs) {
    const network::RunSummary& summary = *each;
    auto trip = trips.find(summary.run.route_code);
    if (trip == trips.end() || summary.run.status != network::RunStatus::kOpen) continue;
    if (summary.run.departs_at - cutoff <= now) continue;
    Result<std::shared_ptr<RunState>> state = image(summary.run.id.str());
    if (!state) return Result<std::vector<RunOffer>>(Propagate(state));
    if (!*state) return std::nullopt;
    if ((*state)->status.load() != network::RunStatus::kOpen) continue;
    auto offer = OfferOf(**state, summary, from, trip->second.first, to, trip->second.second,
                         channel, now);
    if (!offer) continue;
    offer->from_name = from_name;
    offer->to_name = to_name;
    offers.push_back(std::move(*offer));
  }
  return offers;
}

Result<std::vector<RunOffer>> SalesService::Search(const core::StationCode& from,
                                                   const core::StationCode& to,
                                                   core::LocalDate date, Channel channel) {
  if (auto answer = SearchInMemory(from, to, date, channel)) return std::move(*answer);
  auto catalogue = FreshCatalogue();
  if (!catalogue) return Propagate(catalogue);
  const Catalogue& known = **catalogue;
  auto runs = known.runs.find(date);
  auto serving = known.routes_serving.find(from.str());
  if (runs != known.runs.end() && serving != known.routes_serving.end()) {
    // Load the images of the open runs on the routes through `from`, not the whole day's.
    const auto& by_route = known.by_route.at(date);
    for (const network::Route* route : serving->second) {
      auto positions = by_route.find(route->code);
      if (positions == by_route.end()) continue;
      for (std::size_t i : positions->second) {
        const network::RunSummary& summary = runs->second[i];
        if (summary.run.status != network::RunStatus::kOpen) continue;
        if (auto loaded = LoadRun(summary.run.id.str()); !loaded) return Propagate(loaded);
      }
    }
    if (auto answer = SearchInMemory(from, to, date, channel)) return std::move(*answer);
  }
  // Outside the presale window, a station on no route, or the catalogue changed meanwhile.
  return SearchFromStore(from, to, date, channel);
}

Result<std::vector<RunOffer>> SalesService::SearchFromStore(const core::StationCode& from,
                                                            const core::StationCode& to,
                                                            core::LocalDate date,
                                                            Channel channel) {
  if (from == to) {
    return InZh(InvalidArgument("boarding and alighting stations are the same", "to"),
                "上车站与下车站相同，请重新选择到达站");
  }
  auto from_station = network_.GetStation(from);
  if (!from_station) return Propagate(from_station);
  auto to_station = network_.GetStation(to);
  if (!to_station) return Propagate(to_station);
  auto routes = network_.ListRoutes(from);
  if (!routes) return Propagate(routes);
  Trips trips;
  for (const auto& route : *routes) {
    auto i = route.StopIndex(from);
    auto j = route.StopIndex(to);
    if (i && j && *i < *j) trips.emplace(route.code, std::make_pair(*i, *j));
  }
  if (trips.empty()) return std::vector<RunOffer>{};
  auto runs = network_.ListRuns(date);
  if (!runs) return Propagate(runs);
  std::vector<const network::RunSummary*> visited;
  for (const network::RunSummary& summary : *runs) visited.push_back(&summary);
  return *OffersFor(visited, trips, from, from_station->name, to, to_station->name, channel,
                    [this](const std::string& run_id) { return LoadRun(run_id); });
}

Result<SalesService::Availability> SalesService::AvailabilityOf(
    RunState& state, const core::StationCode& from, const core::StationCode& to) const {
  const std::string run_id = state.run.id.str();
  auto from_index = state.route.StopIndex(from);
  if (!from_index) {
    return InZh(InvalidArgument("run " + run_id + " does not stop at " + from.str(), "from"),
                "班次 " + run_id + " 不经停上车站 " + from.str());
  }
  auto to_index = state.route.StopIndex(to);
  if (!to_index) {
    return InZh(InvalidArgument("run " + run_id + " does not stop at " + to.str(), "to"),
                "班次 " + run_id + " 不经停到达站 " + to.str());
  }
  if (*from_index >= *to_index) {
    return InZh(InvalidArgument(
                    "the alighting station comes before the boarding station on this run", "to"),
                "本班次的到达站在上车站之前，请重新选择");
  }
  core::Instant now = clock_.Now();
  Availability out{.run = state.run,
                   .status = state.status.load(),
                   .from_index = *from_index,
                   .to_index = *to_index,
                   .from = from,
                   .to = to,
                   .has_fare = false,
                   .adult = {},
                   .child = {},
                   .discount = {},
                   .station_fee = {},
                   .channels = {},
                   .free_child_places = 0};
  out.run.status = out.status;
  std::lock_guard lock(state.mu);
  const network::Fare* fare = state.FareFor(*from_index, *to_index);
  if (fare != nullptr) {
    out.has_fare = true;
    out.adult = fare->adult;
    out.child = fare->child;
    out.discount = fare->discount;
    out.station_fee = fare->station_fee;
  }
  for (Channel channel : kAllChannels) {
    ChannelSeats seats{.channel = channel, .on_sale = false, .seats_left = 0};
    seats.on_sale = out.has_fare && OnSale(state.run, out.status, channel, now);
    if (seats.on_sale) {
      auto left = state.inventory.SeatsLeft(*from_index, *to_index, InventoryChannel(channel),
                                            now);
      seats.seats_left = left ? *left : 0;
    }
    out.channels.push_back(seats);
  }
  int cap = state.run.seats * policy_.free_child_percent / 100;
  out.free_child_places = std::max(0, cap - state.free_children);
  return out;
}

std::optional<Result<SalesService::Availability>> SalesService::AvailabilityInMemory(
    const std::string& run_id, const core::StationCode& from, const core::StationCode& to) {
  std::shared_ptr<RunState> state = RunInMemory(run_id);
  if (!state) return std::nullopt;
  return AvailabilityOf(*state, from, to);
}

Result<SalesService::Availability> SalesService::GetAvailability(const std::string& run_id,
                                                                 const core::StationCode& from,
                                                                 const core::StationCode& to) {
  auto state = LoadRun(run_id);
  if (!state) return Propagate(state);
  return AvailabilityOf(**state, from, to);
}

}  // namespace keyun::sales
