// Writes the seed corpus of the voucher fuzz target into a directory: for every sample payload
// (voucher_samples.h) its voucher text, its payload bytes and its signed bytes, and the sample
// passengers' ID hashes as hex. Run by tests/checkin/fuzz_voucher.sh before the fuzzer, so the
// seeds always match the current format and the fuzz target's fixed keys.
//
//   voucher_seeds <directory>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/voucher_samples.h"

namespace {

bool Write(const std::string& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keyun;
  if (argc != 2) {
    std::fprintf(stderr, "usage: voucher_seeds <directory>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<eticket::VoucherSigner> signers = checkin::fuzz::SampleSigners();
  int n = 0;
  for (const eticket::VoucherPayload& payload : checkin::fuzz::SamplePayloads()) {
    const eticket::VoucherSigner* signer = nullptr;
    for (const auto& s : signers) {
      if (s.key_id() == payload.key_id) signer = &s;
    }
    if (signer == nullptr) {
      std::fprintf(stderr, "voucher_seeds: no signer for %s\n", payload.key_id.c_str());
      return 1;
    }
    Result<std::string> text = signer->Issue(payload);
    Result<std::vector<std::uint8_t>> bytes = eticket::EncodeVoucherPayload(payload);
    Result<std::vector<std::uint8_t>> signed_bytes = signer->SignBytes(payload);
    if (!text || !bytes || !signed_bytes) {
      std::fprintf(stderr, "voucher_seeds: sample %d does not issue: %s\n", n,
                   !bytes ? bytes.error().ToString().c_str() : "signing failed");
      return 1;
    }
    const std::string stem = dir + "/sample-" + std::to_string(n);
    bool ok = Write(stem + "-voucher.txt", text->data(), text->size()) &&
              Write(stem + "-payload.bin", bytes->data(), bytes->size()) &&
              Write(stem + "-signed.bin", signed_bytes->data(), signed_bytes->size());
    if (payload.id_hash) {
      const std::string hex = eticket::IdHashHex(*payload.id_hash);
      ok = ok && Write(stem + "-id-hash.txt", hex.data(), hex.size());
    }
    if (!ok) {
      std::fprintf(stderr, "voucher_seeds: cannot write %s-*\n", stem.c_str());
      return 1;
    }
    ++n;
  }
  std::printf("voucher_seeds: %d samples written to %s\n", n, dir.c_str());
  return 0;
}
