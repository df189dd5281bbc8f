// Gate verification benchmarks. DESIGN.md §8: offline voucher verification at a gate at
// ≥ 20,000 verifications/s per core, the Ed25519 verify itself costing ~40 µs, so decode,
// revocation and duplicate checks must be nearly free.
//
//   gate_verify_bench --benchmark_min_time=1          (a Release build)
//
// One station with 20 runs of 100 passengers (2,000 tickets, one voucher each), departing
// 08:30 to 08:49 so that every run's check-in window is open at the benchmark's "now", 08:10;
// a revocation list of 1,000 entries, 100 of them tickets on the manifest (every 20th), the
// rest elsewhere in the province. Every line reports items/s, one item being one voucher (or
// one ID card) processed.
//
// The breakdown, first scans (the verified-voucher cache off, as for every passenger's first
// scan):
//   BM_Base45Decode         the voucher text to bytes
//   BM_DecodePayload        bytes to a VoucherPayload (ids rebuilt and validated)
//   BM_Ed25519Verify        libsodium's crypto_sign_verify_detached alone
//   BM_VoucherVerify        eticket::VoucherVerifier::Verify: all three
//   BM_CheckVoucherAccepted GateVerifier::CheckVoucher admitting: Verify + the gate's checks +
//                           the record; the 1,900 unrevoked vouchers in turn, the checked-in
//                           set cleared after each pass (inside the timing: ~1 µs a pass)
//   BM_CheckVoucherMix      a shuffled mix per pass of the 2,000 vouchers (1,900 admitted,
//                           100 refunded), 200 re-scans (already checked in), 50 altered
//                           (forged) and 50 cut-short (damaged) codes
// and what the cache and the ID card save:
//   BM_CheckVoucherConcurrent  CheckVoucher from 1 and 2 threads on one GateVerifier
//   BM_CheckVoucherRescan   re-scans of verified texts, answered "already checked in"
//   BM_GateChecksOnly       admissions from the cache: the gate's own work, no signature
//   BM_CheckIdNumber        ID-card swipes admitting (no signature to check)
#include <benchmark/benchmark.h>
#include <sodium.h>  // BM_Ed25519Verify measures libsodium itself

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "checkin/boarding_manifest.h"
#include "checkin/gate_verifier.h"
#include "checkin/revocation_list.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "eticket/base45.h"
#include "eticket/voucher.h"
#include "eticket/voucher_codec.h"

namespace keyun::checkin {
namespace {

constexpr int kRuns = 20;
constexpr int kPerRun = 100;
constexpr int kTickets = kRuns * kPerRun;
constexpr int kRevokedEvery = 20;  // 100 of the manifest's tickets
constexpr int kRevocations = 1000;
constexpr std::size_t kSignatureBytes = 64;

const core::StationCode& Here() {
  static const core::StationCode station = *core::StationCode::Parse("370102001");
  return station;
}

core::Instant At(int hour, int minute) {
  return core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-22"),
                                     *core::TimeOfDay::FromMinutes(hour * 60 + minute));
}

core::TicketNumber Ticket(std::int64_t sequence) {
  return *core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                                   *core::LocalDate::Parse("2026-11-20"), sequence);
}

eticket::IdHash Person(int i) {
  eticket::IdHash hash{};
  for (std::size_t k = 0; k < hash.size(); ++k) {
    hash[k] = static_cast<std::uint8_t>((i >> (8 * (k % 4))) + 31 * k);
  }
  return hash;
}

struct Station {
  eticket::VoucherSigner signer = [] {
    eticket::SecretSeed seed;
    seed.fill(7);
    return *eticket::VoucherSigner::FromSeed("37-ed25519-0001", seed);
  }();
  eticket::VoucherVerifier trust;
  std::vector<ManifestTicket> tickets;
  std::vector<std::string> vouchers;                    // per ticket, "KY1:…"
  std::vector<std::vector<std::uint8_t>> signed_bytes;  // per ticket: payload ‖ signature
  std::vector<std::string> admitted;                    // vouchers of unrevoked tickets
  std::vector<std::string> id_hashes;                   // hex, of unrevoked tickets' passengers
  std::vector<Revocation> revocations;
  core::Instant now = At(8, 10);

  Station() {
    (void)trust.AddKey(signer.key_id(), signer.public_key());
    for (int i = 0; i < kTickets; ++i) {
      const int run = i / kPerRun;
      const core::RunId run_id = *core::RunId::Parse(
          "370102001-20261122-K03" + std::string(run < 9 ? "0" : "") + std::to_string(run + 1));
      const core::Instant departs = At(8, 30 + run);
      const ManifestTicket t{.ticket_number = Ticket(i + 1),
                             .run_id = run_id,
                             .boarding_stop = 0,
                             .boarding_station = Here(),
                             .seat = i % kPerRun % 40 + 1,
                             .fare_type = eticket::FareType::kAdult,
                             .passenger_name_masked = "欧**娜",
                             .id_hash = Person(i),
                             .departs_at = departs};
      const eticket::VoucherPayload payload{
          .key_id = signer.key_id(),
          .ticket_number = t.ticket_number,
          .run = t.run_id,
          .boarding_stop = 0,
          .boarding_station = Here(),
          .alighting_stop = 3,
          .alighting_station = *core::StationCode::Parse("370602001"),
          .seat = t.seat,
          .fare = core::Money::Fen(18650),
          .fare_type = t.fare_type,
          .passenger_name_masked = t.passenger_name_masked,
          .id_hash = t.id_hash,
          .valid_from = departs - std::chrono::hours(2),
          .valid_until = departs + std::chrono::hours(1),
          .issued_at = departs - std::chrono::hours(40)};
      tickets.push_back(t);
      vouchers.push_back(*signer.Issue(payload));
      signed_bytes.push_back(*signer.SignBytes(payload));
      if (i % kRevokedEvery == 0) {
        revocations.push_back(Revocation{.sequence = static_cast<std::int64_t>(i + 1),
                                         .ticket_number = t.ticket_number});
      } else {
        admitted.push_back(vouchers.back());
        id_hashes.push_back(eticket::IdHashHex(*t.id_hash));
      }
    }
    for (int k = static_cast<int>(revocations.size()); k < kRevocations; ++k) {
      revocations.push_back(Revocation{.sequence = 10'000 + k,
                                       .ticket_number = Ticket(50'000 + k),
                                       .reason = RevocationReason::kChanged});
    }
  }

  std::unique_ptr<GateVerifier> Gate(std::size_t cache_entries) const {
    auto gate =
        *GateVerifier::Create({.station = Here(), .verified_cache_entries = cache_entries}, trust);
    (void)gate->ReplaceManifest(*BoardingManifest::Build(Here(), tickets));
    (void)gate->ApplyRevocations(revocations);
    return gate;
  }

  GateContext Context() const {
    return GateContext{.gate_id = "3", .operator_id = "li.na", .now = now};
  }
};

const Station& TheStation() {
  static const Station station;
  return station;
}

void BM_Base45Decode(benchmark::State& state) {
  const Station& s = TheStation();
  std::vector<std::uint8_t> buffer(eticket::Base45DecodedSize(eticket::kMaxVoucherTextChars));
  std::size_t i = 0;
  for (auto _ : state) {
    std::string_view text = s.vouchers[i];
    text.remove_prefix(eticket::kVoucherScheme.size());
    benchmark::DoNotOptimize(eticket::Base45Decode(text, buffer));
    if (++i == s.vouchers.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Base45Decode);

void BM_DecodePayload(benchmark::State& state) {
  const Station& s = TheStation();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::vector<std::uint8_t>& bytes = s.signed_bytes[i];
    benchmark::DoNotOptimize(
        eticket::DecodeVoucherPayload(std::span(bytes.data(), bytes.size() - kSignatureBytes)));
    if (++i == s.signed_bytes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePayload);

void BM_Ed25519Verify(benchmark::State& state) {
  const Station& s = TheStation();
  const std::span<const std::uint8_t> key = s.signer.public_key();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::vector<std::uint8_t>& bytes = s.signed_bytes[i];
    const std::size_t signed_size = bytes.size() - kSignatureBytes;
    const int rc = crypto_sign_verify_detached(bytes.data() + signed_size, bytes.data(),
                                               signed_size, key.data());
    benchmark::DoNotOptimize(rc);
    if (++i == s.signed_bytes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void BM_VoucherVerify(benchmark::State& state) {
  const Station& s = TheStation();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.trust.Verify(s.vouchers[i]));
    if (++i == s.vouchers.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VoucherVerify);

// Runs `texts` through CheckVoucher in turn, clearing the checked-in set after each pass.
void CheckVouchers(benchmark::State& state, GateVerifier& gate,
                   const std::vector<std::string>& texts) {
  const GateContext ctx = TheStation().Context();
  std::size_t i = 0;
  std::int64_t admitted = 0;
  for (auto _ : state) {
    admitted += gate.CheckVoucher(texts[i], ctx).accepted() ? 1 : 0;
    if (++i == texts.size()) {
      i = 0;
      gate.ClearCheckins();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["admitted"] =
      benchmark::Counter(static_cast<double>(admitted) / static_cast<double>(state.iterations()));
}

void BM_CheckVoucherAccepted(benchmark::State& state) {
  std::unique_ptr<GateVerifier> gate = TheStation().Gate(/*cache_entries=*/0);
  CheckVouchers(state, *gate, TheStation().admitted);
}
BENCHMARK(BM_CheckVoucherAccepted);

void BM_CheckVoucherMix(benchmark::State& state) {
  const Station& s = TheStation();
  std::vector<std::string> mix = s.vouchers;
  std::mt19937_64 random(20261122);
  std::uniform_int_distribution<std::size_t> pick(0, s.vouchers.size() - 1);
  for (int k = 0; k < 200; ++k) mix.push_back(s.vouchers[pick(random)]);  // re-scans
  for (int k = 0; k < 50; ++k) {
    std::vector<std::uint8_t> bytes = s.signed_bytes[pick(random)];
    bytes.back() ^= 0x40;
    mix.push_back(std::string(eticket::kVoucherScheme) + eticket::Base45Encode(bytes));
  }
  for (int k = 0; k < 50; ++k) {
    const std::string& v = s.vouchers[pick(random)];
    mix.push_back(v.substr(0, v.size() - 30));
  }
  std::shuffle(mix.begin(), mix.end(), random);
  std::unique_ptr<GateVerifier> gate = s.Gate(/*cache_entries=*/0);
  CheckVouchers(state, *gate, mix);
}
BENCHMARK(BM_CheckVoucherMix);

// Gates of one node sharing one GateVerifier, one thread each: the signature check runs
// outside the mutex, so the rate grows with the cores there are (threads:2 on 2 idle cores
// would double threads:1). Real time; items/s counts every thread's scans.
void BM_CheckVoucherConcurrent(benchmark::State& state) {
  static std::unique_ptr<GateVerifier> gate;
  const Station& s = TheStation();
  if (state.thread_index() == 0) gate = s.Gate(/*cache_entries=*/0);  // before the start barrier
  const GateContext ctx = s.Context();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * s.vouchers.size() /
                  static_cast<std::size_t>(state.threads());
  for (auto _ : state) {
    benchmark::DoNotOptimize(gate->CheckVoucher(s.vouchers[i], ctx));
    if (++i == s.vouchers.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckVoucherConcurrent)->Threads(1)->Threads(2)->UseRealTime();

void BM_CheckVoucherRescan(benchmark::State& state) {
  const Station& s = TheStation();
  std::unique_ptr<GateVerifier> gate = s.Gate(/*cache_entries=*/4096);
  for (const std::string& v : s.admitted) (void)gate->CheckVoucher(v, s.Context());
  const GateContext ctx = s.Context();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gate->CheckVoucher(s.admitted[i], ctx));
    if (++i == s.admitted.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckVoucherRescan);

void BM_GateChecksOnly(benchmark::State& state) {
  const Station& s = TheStation();
  std::unique_ptr<GateVerifier> gate = s.Gate(/*cache_entries=*/4096);
  for (const std::string& v : s.admitted) (void)gate->CheckVoucher(v, s.Context());
  gate->ClearCheckins();
  CheckVouchers(state, *gate, s.admitted);
}
BENCHMARK(BM_GateChecksOnly);

void BM_CheckIdNumber(benchmark::State& state) {
  const Station& s = TheStation();
  std::unique_ptr<GateVerifier> gate = s.Gate(/*cache_entries=*/0);
  const GateContext ctx = s.Context();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gate->CheckIdNumber(s.id_hashes[i], ctx));
    if (++i == s.id_hashes.size()) {
      i = 0;
      gate->ClearCheckins();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckIdNumber);

}  // namespace
}  // namespace keyun::checkin

BENCHMARK_MAIN();
