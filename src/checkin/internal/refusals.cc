#include "checkin/internal/refusals.h"

#include <fmt/format.h>

namespace keyun::checkin::internal {
namespace {

// "08:12", Shanghai time.
std::string TimeText(core::Instant at) { return at.ShanghaiTime().ToString(); }

// "2026-11-22 08:12".
std::string DateTimeText(core::Instant at) {
  return fmt::format("{} {}", at.ShanghaiDate().ToString(), TimeText(at));
}

// "08:12" on the day of `now`, "2026-11-22 08:12" on any other.
std::string WhenText(core::Instant at, core::Instant now) {
  return at.ShanghaiDate() == now.ShanghaiDate() ? TimeText(at) : DateTimeText(at);
}

// English: "at 08:12" today, "on 2026-11-22 at 08:12" another day.
std::string AtText(core::Instant at, core::Instant now) {
  if (at.ShanghaiDate() == now.ShanghaiDate()) return "at " + TimeText(at);
  return fmt::format("on {} at {}", at.ShanghaiDate().ToString(), TimeText(at));
}

}  // namespace

Refusal MakeRefusal(RefusalReason reason, RefusalFacts f, core::Instant now) {
  Refusal r{.reason = reason, .detail = std::move(f.detail)};
  if (f.ticket != nullptr) r.ticket_number = *f.ticket;
  switch (reason) {
    case RefusalReason::kDamaged:
      if (f.method == CheckinMethod::kQrCode) {
        r.message_zh = "无法识别：二维码损坏或不是本系统的电子客票，请改用身份证检票";
        r.message_en =
            "cannot read: the code is damaged or not a keyun e-ticket; swipe the ID "
            "card instead";
      } else {
        r.message_zh = "无法识别证件信息，请重新刷证";
        r.message_en = "cannot read the ID card; swipe it again";
      }
      break;
    case RefusalReason::kUnknownKey:
      r.message_zh = fmt::format(
          "无法核验：本检票口尚未同步签发密钥 {}，请联系值班站长或改用身份证检票", f.key_id);
      r.message_en = fmt::format(
          "cannot verify: signing key {} is not known at this gate yet; call the duty manager "
          "or swipe the ID card",
          f.key_id);
      break;
    case RefusalReason::kForged:
      r.message_zh = "假票：电子客票签名不符，可能被伪造或篡改，请联系值班站长";
      r.message_en =
          "forged or altered e-ticket: the signature does not match; call the duty "
          "manager";
      break;
    case RefusalReason::kNotYetValid:
      r.message_zh = fmt::format("电子客票尚未生效：{} 起有效", WhenText(f.at, now));
      r.message_en = fmt::format("e-ticket not valid yet: valid from {}", WhenText(f.at, now));
      break;
    case RefusalReason::kExpired:
      r.message_zh = fmt::format("电子客票已过期：有效期至 {}", WhenText(f.at, now));
      r.message_en = fmt::format("e-ticket expired {}", AtText(f.at, now));
      break;
    case RefusalReason::kWrongStation:
      r.message_zh = fmt::format("非本站上车：本票在 {} 站检票上车", f.station);
      r.message_en = fmt::format("wrong station: this ticket boards at station {}", f.station);
      break;
    case RefusalReason::kRefunded:
      r.message_zh = "车票已退票，不能检票";
      r.message_en = "this ticket was refunded and does not admit";
      break;
    case RefusalReason::kChanged:
      r.message_zh = "车票已改签，请出示改签后的新车票";
      r.message_en = "this ticket was changed to another run: show the new ticket";
      break;
    case RefusalReason::kUnknownRun:
      r.message_zh = fmt::format("本站无班次 {} 的检票名单：非本站班次，或名单尚未同步", f.run);
      r.message_en = fmt::format(
          "no manifest for run {} at this station: it does not board here, or it has not synced",
          f.run);
      break;
    case RefusalReason::kNotInManifest:
      r.message_zh = fmt::format("班次 {} 名单中无此票，请到售票窗口核实", f.run);
      r.message_en = fmt::format(
          "ticket not on the manifest of run {}: send the passenger to the ticket office", f.run);
      break;
    case RefusalReason::kWrongRun:
      r.message_zh = fmt::format("班次不符：车票为 {} 班次，凭证为 {} 班次，请出示最新凭证", f.run,
                                 f.other_run);
      r.message_en = fmt::format(
          "wrong run: the ticket is on run {}, the voucher says {}; ask for the current voucher",
          f.run, f.other_run);
      break;
    case RefusalReason::kAlreadyCheckedIn:
      if (f.earlier != nullptr) {
        r.message_zh = fmt::format("已检票：{} 于 {} 号检票口", DateTimeText(f.earlier->at),
                                   f.earlier->gate_id);
        r.message_en = fmt::format("already checked in {} at gate {}", AtText(f.earlier->at, now),
                                   f.earlier->gate_id);
        r.earlier_checkin = *f.earlier;
      }
      break;
    case RefusalReason::kTooEarly:
      r.message_zh = fmt::format("未到检票时间：{} 班次 {} 开始检票", f.run, WhenText(f.at, now));
      r.message_en =
          fmt::format("too early: check-in for run {} opens {}", f.run, AtText(f.at, now));
      break;
    case RefusalReason::kCheckinClosed:
      r.message_zh = fmt::format("检票已截止：{} 班次 {} 发车，发车前 {} 分钟停止检票", f.run,
                                 WhenText(f.at, now), f.closes_minutes);
      r.message_en =
          fmt::format("check-in closed: run {} leaves {} and check-in closes {} min before", f.run,
                      AtText(f.at, now), f.closes_minutes);
      break;
    case RefusalReason::kDeparted:
      r.message_zh = fmt::format("班次已发车：{} 班次于 {} 发车", f.run, WhenText(f.at, now));
      r.message_en = fmt::format("the bus has left: run {} departed {}", f.run, AtText(f.at, now));
      break;
    case RefusalReason::kFreeChildAlone:
      if (f.adult != nullptr) {
        r.message_zh = fmt::format("携童票随成人检票：请出示同行成人的车票 {}", f.adult->str());
        r.message_en = fmt::format(
            "a free child checks in with the adult: scan the adult's ticket {}", f.adult->str());
      } else {
        r.message_zh = "携童票随成人检票：请出示同行成人的车票";
        r.message_en = "a free child checks in with the adult: scan the adult's ticket";
      }
      break;
    case RefusalReason::kNoTicket:
      r.message_zh = "未找到该证件在本站上车的车票";
      r.message_en = "no ticket for this ID boards at this station";
      break;
    case RefusalReason::kFaceNotVerified:
      if (f.face_score.empty()) {
        r.message_zh = "人脸核验未通过（活体检测失败），请走人工通道";
        r.message_en = "face not verified: the liveness check failed; go to the manual lane";
      } else {
        r.message_zh = fmt::format("人脸核验未通过（相似度 {} 低于 {}），请走人工通道",
                                   f.face_score, f.face_threshold);
        r.message_en = fmt::format("face not verified: score {} is below {}; go to the manual lane",
                                   f.face_score, f.face_threshold);
      }
      break;
  }
  return r;
}

}  // namespace keyun::checkin::internal
