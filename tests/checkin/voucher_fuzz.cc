// libFuzzer target: the voucher decoder, verifier and gate on arbitrary bytes. Built with
// Debian's clang (-fsanitize=fuzzer,address,undefined) by tests/checkin/fuzz_voucher.sh, which
// ctest runs for a bounded time; seeds are genuine vouchers (fuzz/voucher_seeds.cc).
//
// Each input is tried as
//   1. Base45 text: strict decoding, so whatever decodes re-encodes to the same text;
//   2. payload bytes: whatever DecodeVoucherPayload accepts, EncodeVoucherPayload writes back
//      byte for byte (one encoding per payload: no second spelling a forger could use);
//   3. a voucher text, and "KY1:" + Base45(input) (the input as a voucher's bytes, which gets
//      past the framing to the payload decoder and the signature check): a voucher that
//      verifies re-issues to the same text (Ed25519 signatures are deterministic), and a
//      failure is one of the three documented kinds;
//   4. a scan and an ID hash at a gate: it never crashes, admits only what verified, and every
//      refusal has both messages.
// Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkin/boarding_manifest.h"
#include "checkin/gate_verifier.h"
#include "eticket/base45.h"
#include "eticket/voucher.h"
#include "eticket/voucher_codec.h"
#include "fuzz/voucher_samples.h"

namespace keyun::checkin::fuzz {
namespace {

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "voucher_fuzz: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, \
                   #cond);                                                                      \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)

struct Fixture {
  std::vector<eticket::VoucherSigner> signers = SampleSigners();
  eticket::VoucherVerifier trust;
  std::unique_ptr<GateVerifier> gate;

  Fixture() {
    for (const eticket::VoucherSigner& s : signers) {
      FUZZ_CHECK(trust.AddKey(s.key_id(), s.public_key()).has_value());
    }
    // The samples that board here are on the gate's manifest; the adult takes the child.
    std::vector<ManifestTicket> tickets;
    for (const eticket::VoucherPayload& p : SamplePayloads()) {
      if (p.boarding_station.str() != kSampleStation) continue;
      tickets.push_back(ManifestTicket{.ticket_number = p.ticket_number,
                                       .run_id = p.run,
                                       .boarding_stop = p.boarding_stop,
                                       .boarding_station = p.boarding_station,
                                       .seat = p.seat,
                                       .fare_type = p.fare_type,
                                       .passenger_name_masked = p.passenger_name_masked,
                                       .id_hash = p.id_hash,
                                       .departs_at = SampleDeparture()});
    }
    tickets[0].free_children = {tickets[1].ticket_number};
    auto created = GateVerifier::Create(
        {.station = *core::StationCode::Parse(kSampleStation), .verified_cache_entries = 64},
        trust);
    FUZZ_CHECK(created.has_value());
    gate = std::move(*created);
    auto manifest = BoardingManifest::Build(*core::StationCode::Parse(kSampleStation), tickets);
    FUZZ_CHECK(manifest.has_value());
    FUZZ_CHECK(gate->ReplaceManifest(std::move(*manifest)).has_value());
  }

  const eticket::VoucherSigner* SignerOf(std::string_view key_id) const {
    for (const eticket::VoucherSigner& s : signers) {
      if (s.key_id() == key_id) return &s;
    }
    return nullptr;
  }
};

// Verify's result for `text` obeys its contract; returns whether it verified.
bool CheckVerify(const Fixture& f, const std::string& text) {
  Result<eticket::VoucherPayload> payload = f.trust.Verify(text);
  if (!payload) {
    const Error& e = payload.error();
    FUZZ_CHECK(e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kFailedPrecondition);
    FUZZ_CHECK(!e.message.empty());
    return false;
  }
  FUZZ_CHECK(eticket::ValidateVoucherPayload(*payload).has_value());
  const eticket::VoucherSigner* signer = f.SignerOf(payload->key_id);
  FUZZ_CHECK(signer != nullptr);
  Result<std::string> again = signer->Issue(*payload);
  FUZZ_CHECK(again.has_value() && *again == text);
  return true;
}

void CheckDecision(const GateDecision& d, bool may_admit) {
  if (d.accepted()) {
    FUZZ_CHECK(may_admit);
    return;
  }
  FUZZ_CHECK(!d.refusal().message_zh.empty());
  FUZZ_CHECK(!d.refusal().message_en.empty());
  FUZZ_CHECK(RefusalKey(d.refusal().reason) != "unknown");
}

}  // namespace
}  // namespace keyun::checkin::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keyun;
  using namespace keyun::checkin::fuzz;
  static Fixture& f = *new Fixture();  // never destroyed: no exit-time ordering to worry about
  const std::span<const std::uint8_t> bytes(data, size);
  const std::string text(reinterpret_cast<const char*>(data), size);

  // 1. Base45.
  if (Result<std::vector<std::uint8_t>> decoded = eticket::Base45Decode(text)) {
    FUZZ_CHECK(eticket::Base45Encode(*decoded) == text);
  }

  // 2. The payload layout.
  if (Result<eticket::VoucherPayload> payload = eticket::DecodeVoucherPayload(bytes)) {
    Result<std::vector<std::uint8_t>> encoded = eticket::EncodeVoucherPayload(*payload);
    FUZZ_CHECK(encoded.has_value());
    FUZZ_CHECK(std::equal(encoded->begin(), encoded->end(), bytes.begin(), bytes.end()));
    Result<eticket::VoucherPayload> again = eticket::DecodeVoucherPayload(*encoded);
    FUZZ_CHECK(again.has_value() && *again == *payload);
  }

  // 3. Verification, of the input as text and as a voucher's bytes.
  const bool text_verified = CheckVerify(f, text);
  const std::string framed = std::string(eticket::kVoucherScheme) + eticket::Base45Encode(bytes);
  const bool bytes_verified = CheckVerify(f, framed);

  // 4. The gate, at a time inside the samples' check-in window; forget the check-ins so that
  // a genuine sample admits every time it comes round.
  const checkin::GateContext at{
      .gate_id = "3", .operator_id = "fuzz", .now = SampleDeparture() - std::chrono::minutes(10)};
  CheckDecision(f.gate->CheckVoucher(text, at), text_verified);
  CheckDecision(f.gate->CheckVoucher(framed, at), bytes_verified);
  CheckDecision(f.gate->CheckIdNumber(text, at), /*may_admit=*/true);
  if (size == 32) {
    eticket::IdHash hash;
    std::copy(data, data + size, hash.begin());
    CheckDecision(f.gate->CheckIdHash(hash, checkin::CheckinMethod::kIdCard, at), true);
  }
  f.gate->ClearCheckins();
  return 0;
}
