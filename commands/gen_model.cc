// The generator's model: region, calendar windows and child plans. See
// gen_model.h for the invariants (predictable L/J numbers, injective IDs and
// names, dates monotone in the child index).
#include "commands/gen_model.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/dates.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"

namespace xueji::gen {
namespace {

using absl::CivilDay;

// splitmix64: the generator's only source of randomness.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0,
              uint64_t d = 0) {
  return Mix(Mix(Mix(Mix(Mix(seed) ^ a) ^ b) ^ c) ^ d);
}

class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  uint64_t Next() { return Mix(state_++); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

enum Tag : uint64_t {
  kChildTag = 1,
  kTypeTag,
  kBirthR,
  kBirthL,
  kBirthJ,
  kCountyTag,
  kNameTag,
};

// Residence-permit areas and nationality codes of the foreign card.
constexpr const char* kPermitAreas[] = {"810000", "820000", "830000"};
constexpr const char* kNationalities[] = {"840", "392", "410", "643",
                                          "276", "250", "826", "036"};
constexpr int kPermitCounties = 3 * 499;
constexpr int kForeignCounties = 8 * 499;
constexpr int64_t kMaxResidentSlot = 448;  // sequences 001..898

constexpr char kSurnames[] =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
constexpr char kGiven[] =
    "子梓浩宇轩涵欣怡雨泽睿思一诗佳俊晨博辰嘉文雅若彤可依安琪铭瑞昊天然欢乐心语"
    "婉静慧颖明杰凯伟志强鹏飞翔宁远航海洋逸凡书豪恒旭升晓曦悦萱妍菲蕾薇蓉芸芷溪"
    "澜清源霖皓锦程煜祺楷钧熙昕阳朗峻岩峰松柏楠桐柯梦琳瑶璐珊瑾瑜瑄琦玥朵贝晴蔚"
    "岚露霏霞丹彬斌韬鑫磊淼森焱垚鸿鹤翰墨砚宸昱晗晟曜暄煊灿炜烨烁昆仑泓沐沛润潇"
    "澄湘漪沁";
// Characters a key-information edit corrects a name to (none of kGiven).
constexpr char kGivenEdit[] =
    "永荣华秀英兰芳玉珍凤桂淑敏丽红梅燕萍娟莉琼娴雪月春秋冬夏紫青蓝绿银宝贵福寿"
    "康喜庆祥和平顺利建国家军民兵德仁义礼智信忠孝廉勇毅诚善良美好真纯洁正直圆长"
    "久大广厚重深高新开立成功胜达通畅舒展望尚崇敬承继传启发育培植树木火土山川河"
    "湖田野草花叶果实种苗根枝宏伦涛波桦樱檀杉桃杏梨橙荷莲菊竹兴旺际卓越超群"
    "晋冀豫皖赣闽粤桂琼渝蜀黔滇藏陕甘宁青新";

std::vector<std::string> SplitUtf8(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
    out.emplace_back(text.substr(i, len));
    i += len;
  }
  return out;
}

// Distinct characters of `text`, in order, leaving out those in `exclude`.
std::vector<std::string> Pool(std::string_view text,
                              const std::vector<std::string>& exclude) {
  std::set<std::string> seen(exclude.begin(), exclude.end());
  std::vector<std::string> out;
  for (std::string& ch : SplitUtf8(text)) {
    if (seen.insert(ch).second) out.push_back(std::move(ch));
  }
  return out;
}

uint64_t CoprimeNear(uint64_t candidate, uint64_t modulus) {
  if (modulus <= 1) return 1;
  uint64_t a = 1 + candidate % (modulus - 1);
  while (std::gcd(a, modulus) != 1) a = a % (modulus - 1) + 1;
  return a;
}

// An affine bijection of [0, modulus), keyed by a hash.
int64_t Affine(uint64_t h, int64_t x, int64_t modulus) {
  uint64_t a = CoprimeNear(h, static_cast<uint64_t>(modulus));
  uint64_t b = (h >> 24) % static_cast<uint64_t>(modulus);
  return static_cast<int64_t>((a * static_cast<uint64_t>(x) + b) %
                              static_cast<uint64_t>(modulus));
}

std::vector<CivilDay> WorkingDays(const WorkingCalendar& cal, CivilDay from,
                                  CivilDay to) {
  std::vector<CivilDay> days;
  for (CivilDay d = from; d <= to; ++d) {
    if (cal.IsWorkingDay(d)) days.push_back(d);
  }
  return days;
}

// The window day for position `pos` of `total` (non-decreasing in pos).
CivilDay Pick(const std::vector<CivilDay>& window, int64_t pos, int64_t total) {
  auto at = static_cast<size_t>(static_cast<__int128>(pos) *
                                static_cast<__int128>(window.size()) / total);
  return window[std::min(at, window.size() - 1)];
}

std::string Digits(int64_t value, int width) {
  return absl::StrFormat("%0*d", width, value);
}

std::string WithCheck(const std::string& first17) {
  return first17 + Mod112CheckChar(first17);
}

std::string Yyyymmdd(CivilDay d) {
  return absl::StrFormat("%04d%02d%02d", d.year(), d.month(), d.day());
}

}  // namespace

const char* PlantName(Plant plant) {
  return TextOf(kPlantNames, plant).value_or("none");
}

absl::StatusOr<std::unique_ptr<GenModel>> GenModel::Create(
    const GenOptions& options) {
  std::unique_ptr<GenModel> model(new GenModel(options));
  if (absl::Status s = model->Init(); !s.ok()) return s;
  return model;
}

absl::Status GenModel::Init() {
  const GenOptions& o = options_;
  if (o.children < 1)
    return absl::InvalidArgumentError("--children must be >= 1");
  if (o.school_years < 1 || o.school_years > 20) {
    return absl::InvalidArgumentError("--school-years must be 1..20");
  }
  if (o.start_year < 2000 || o.start_year > 2090) {
    return absl::InvalidArgumentError("--start-year must be 2000..2090");
  }
  double sum = 0;
  for (double r :
       {o.rate_duplicate, o.rate_probable_duplicate, o.rate_missing,
        o.rate_stuck_transfer, o.rate_late_approval, o.rate_bad_check_digit}) {
    if (!(r >= 0 && r <= 1)) {
      return absl::InvalidArgumentError("rates must be between 0 and 1");
    }
    sum += r;
  }
  if (sum > 1)
    return absl::InvalidArgumentError("the rates add up to more than 1");
  calendar_ = &WorkingCalendar::Default();
  ChooseCounties();
  BuildWindows();
  registry_day_ = CivilDay(start_year(), 8, 25);
  as_of_ = CivilDay(start_year() + years(), 7, 31);

  surnames_ = Pool(kSurnames, {});
  given_ = Pool(kGiven, {});
  given_edit_ = Pool(kGivenEdit, given_);
  uint64_t s = surnames_.size(), g = given_.size();
  name_given_len_ = static_cast<uint64_t>(children()) <= s * g * g ? 2 : 3;
  name_space_ = s * g * g * (name_given_len_ == 3 ? g : 1);
  if (static_cast<uint64_t>(children()) > name_space_ ||
      given_edit_.size() < given_.size()) {
    return absl::InvalidArgumentError(
        "--children is too large for the name pools");
  }
  name_mult_ = CoprimeNear(Hash(o.seed, kNameTag), name_space_);

  // Capacity of the resident-ID scheme: sequence slots per birth date.
  for (int y = 0; y < years(); ++y) {
    int64_t size = CohortBegin(y + 1) - CohortBegin(y);
    int64_t per_county = (size / kgs_ + 1) * kpc_;
    int64_t band = y == 0 ? 1461 : 365;
    if (per_county / band > kMaxResidentSlot) {
      return absl::InvalidArgumentError(
          "--children is too large for the identity-number scheme");
    }
  }
  return absl::OkStatus();
}

void GenModel::ChooseCounties() {
  std::vector<std::string> all;
  for (std::string& code : AreaTable::Default().CountyCodes()) {
    if (code[0] >= '1' && code[0] <= '6') all.push_back(std::move(code));
  }
  int64_t wanted_kgs =
      std::max<int64_t>(1, (children() + 70) / 140);  // ~140 children each
  int64_t wanted_counties = std::min<int64_t>(static_cast<int64_t>(all.size()),
                                              (wanted_kgs + 89) / 90);
  Rng rng(Hash(options_.seed, kCountyTag));
  for (int64_t i = 0; i < wanted_counties; ++i) {  // partial Fisher-Yates
    int64_t j = i + static_cast<int64_t>(rng.Next() % (all.size() - i));
    std::swap(all[i], all[j]);
  }
  counties_.assign(all.begin(), all.begin() + wanted_counties);
  std::sort(counties_.begin(), counties_.end());
  kpc_ = (wanted_kgs + wanted_counties - 1) / wanted_counties;
  kgs_ = kpc_ * wanted_counties;
  kg_digits_ = std::max(3, static_cast<int>(std::to_string(kpc_).size()));
}

void GenModel::BuildWindows() {
  const WorkingCalendar& cal = *calendar_;
  for (int z = 0; z < years(); ++z) {
    int y0 = start_year() + z, y1 = y0 + 1;
    YearWindows w;
    w.admit = WorkingDays(cal, CivilDay(y0, 9, 1), CivilDay(y0, 10, 31));
    w.transfer = WorkingDays(cal, CivilDay(y0, 9, 22), CivilDay(y0, 11, 28));
    w.edit = WorkingDays(cal, CivilDay(y0, 10, 20), CivilDay(y0, 11, 28));
    w.autumn_verify =
        WorkingDays(cal, CivilDay(y0, 12, 15), CivilDay(y0, 12, 30));
    w.autumn_spot = OnOrAfter(CivilDay(y0, 12, 31));
    w.leave = WorkingDays(cal, CivilDay(y1, 1, 5), CivilDay(y1, 5, 22));
    w.spring = WorkingDays(cal, CivilDay(y1, 3, 2), CivilDay(y1, 5, 15));
    w.spring_verify = WorkingDays(cal, CivilDay(y1, 6, 1), CivilDay(y1, 6, 12));
    w.spring_spot = OnOrAfter(CivilDay(y1, 6, 13));
    w.graduate = WorkingDays(cal, CivilDay(y1, 7, 1), CivilDay(y1, 7, 15));
    windows_.push_back(std::move(w));
  }
}

CivilDay GenModel::OnOrAfter(CivilDay day) const {
  while (!calendar_->IsWorkingDay(day)) ++day;
  return day;
}

std::string GenModel::KgCode(int64_t k) const {
  return counties_[CountyOfKg(k)] + Digits(k % kpc_ + 1, kg_digits_);
}

std::string GenModel::KgName(int64_t k) const {
  std::string county = AreaTable::Default().Name(counties_[CountyOfKg(k)]);
  size_t space = county.rfind(' ');
  if (space != std::string::npos) county = county.substr(space + 1);
  return absl::StrCat(county, "第", k % kpc_ + 1, "幼儿园");
}

int64_t GenModel::NextKg(int64_t k) const {
  int64_t base = k - k % kpc_;
  return base + (k % kpc_ + 1) % kpc_;
}

int64_t GenModel::PrevKg(int64_t k) const {
  int64_t base = k - k % kpc_;
  return base + (k % kpc_ + kpc_ - 1) % kpc_;
}

std::vector<std::string> GenModel::Provinces() const {
  std::set<std::string> provinces;
  for (const std::string& c : counties_) provinces.insert(c.substr(0, 2));
  return {provinces.begin(), provinces.end()};
}

int64_t GenModel::CohortBegin(int y) const {
  // Cohort 0 is the whole population of four age bands; each later cohort
  // is one band of new two-year-olds.
  if (y <= 0) return 0;
  if (y >= years()) return children();
  return static_cast<int64_t>(static_cast<__int128>(children()) * (3 + y) /
                              (years() + 3));
}

ChildPlan GenModel::Child(int64_t i) const {
  ChildPlan p;
  p.index = i;
  while (p.cohort + 1 < years() && CohortBegin(p.cohort + 1) <= i) ++p.cohort;
  int64_t r = i - CohortBegin(p.cohort);
  p.kg = r % kgs_;
  p.county = CountyOfKg(p.kg);
  p.local = (r / kgs_) * kpc_ + p.kg % kpc_;
  Rng rng(Hash(options_.seed, kChildTag, static_cast<uint64_t>(i)));
  double u_plant = rng.Uniform(), u_class = rng.Uniform(),
         u_year = rng.Uniform();
  uint64_t bits = rng.Next();
  p.female = (bits & 1) != 0;
  AssignIdentity(&p);
  ChoosePlant(&p, u_plant);
  if (p.plant == Plant::kLate && (bits & 2) != 0) p.plant = Plant::kNever;
  if (p.plant == Plant::kNone) ChooseClass(&p, u_class, u_year);
  PlanDates(&p);
  return p;
}

void GenModel::AssignIdentity(ChildPlan* p) const {
  const int s = start_year();
  CivilDay lo = p->cohort == 0 ? CivilDay(s - 6, 9, 1)
                               : CivilDay(s + p->cohort - 3, 9, 1);
  CivilDay hi = p->cohort == 0 ? CivilDay(s - 2, 8, 31)
                               : CivilDay(s + p->cohort - 2, 8, 31);
  const int64_t band = hi - lo + 1;
  const uint64_t seed = options_.seed;
  int64_t block = p->local / 100, slot = p->local % 100;
  uint64_t h = Hash(seed, kTypeTag, p->county, p->cohort, block);
  int64_t pi = Affine(h, slot, 100);
  p->kind = IdKind::kResident;
  if (pi >= 93 && pi <= 96) {
    p->kind = IdKind::kNone;
    p->ordinal = block * 4 + (pi - 93);
  } else if (pi >= 97) {
    p->kind = pi == 99 ? IdKind::kForeign : IdKind::kHkMoTw;
    p->ordinal = block * 3 + (pi - 97);
  }
  // Fall back to a resident ID where the numbering could not be predicted.
  if (p->kind != IdKind::kResident && p->ordinal >= band)
    p->kind = IdKind::kResident;
  if (p->kind == IdKind::kHkMoTw && p->county >= kPermitCounties)
    p->kind = IdKind::kResident;
  if (p->kind == IdKind::kForeign && p->county >= kForeignCounties)
    p->kind = IdKind::kResident;
  int64_t offset;
  if (p->kind == IdKind::kResident) {
    offset = Affine(Hash(seed, kBirthR, p->county, p->cohort), p->local % band,
                    band);
    p->id_seq = p->local / band;
  } else {
    Tag tag = p->kind == IdKind::kNone ? kBirthL : kBirthJ;
    offset = Affine(Hash(seed, tag, p->county, p->cohort), p->ordinal, band);
  }
  p->birth = lo + offset;
  p->primary_year = static_cast<int>(policy_.PrimaryEntryDate(p->birth).year());
}

void GenModel::ChoosePlant(ChildPlan* p, double u) const {
  const GenOptions& o = options_;
  const std::pair<Plant, double> rates[] = {
      {Plant::kDuplicate, o.rate_duplicate},
      {Plant::kProbable, o.rate_probable_duplicate},
      {Plant::kMissing, o.rate_missing},
      {Plant::kStuck, o.rate_stuck_transfer},
      {Plant::kLate, o.rate_late_approval},
      {Plant::kBadCheck, o.rate_bad_check_digit}};
  double acc = 0;
  Plant chosen = Plant::kNone;
  for (const auto& [plant, rate] : rates) {
    if (u < acc + rate) {
      chosen = plant;
      break;
    }
    acc += rate;
  }
  bool resident = p->kind == IdKind::kResident;
  bool ok = false;
  switch (chosen) {
    case Plant::kNone:
      break;
    case Plant::kDuplicate:
      ok = resident;
      break;
    case Plant::kProbable:
      ok = p->kind == IdKind::kNone && Young(*p);
      break;
    case Plant::kMissing:
      ok = Young(*p);
      break;
    case Plant::kStuck:
      ok = p->kind != IdKind::kNone && Young(*p) && kpc_ >= 2;
      break;
    case Plant::kLate:
    case Plant::kNever:
      ok = resident && Young(*p);
      break;
    case Plant::kBadCheck:
      ok = resident;
      break;
  }
  p->plant = ok ? chosen : Plant::kNone;
}

void GenModel::ChooseClass(ChildPlan* p, double u, double u_year) const {
  if (p->kind == IdKind::kNone) return;  // converted instead
  const int s = start_year();
  int last_year_in_kg = std::min(years() - 1, p->primary_year - s - 1);
  if (u < 0.03) {
    if (kpc_ >= 2) p->cls = ChildClass::kTransfer;
  } else if (u < 0.06) {
    p->cls = ChildClass::kLeave;
  } else if (u < 0.07) {
    p->cls = ChildClass::kEdit;
  } else if (u < 0.12) {
    if (p->primary_year <= s + years()) {
      p->cls = ChildClass::kDefer;
      p->class_year = p->primary_year - s - 1;
      return;
    }
  }
  if (p->cls == ChildClass::kNone) return;
  int span = last_year_in_kg - p->cohort + 1;
  p->class_year =
      p->cohort + std::min(span - 1, static_cast<int>(u_year * span));
}

void GenModel::PlanDates(ChildPlan* p) const {
  const WorkingCalendar& cal = *calendar_;
  const int64_t i = p->index, n = children();
  const int64_t begin = CohortBegin(p->cohort);
  p->admit = Pick(Year(p->cohort).admit, i - begin,
                  CohortBegin(p->cohort + 1) - begin);
  if (p->plant == Plant::kLate) {
    p->approve =
        cal.AddWorkingDays(AddMonths(p->admit, policy_.establish_months), 1);
  } else if (p->plant != Plant::kNever) {
    p->approve = cal.AddWorkingDays(p->admit, 2);
  }
  if (p->kind == IdKind::kNone && p->approve) {
    p->convert = OnOrAfter(AddMonths(p->admit, 1));
    if (*p->convert <= *p->approve) {
      p->convert = cal.AddWorkingDays(*p->approve, 1);
    }
    p->convert_approve = cal.AddWorkingDays(*p->convert, 2);
  }
  // A change of an established record, approved two working days after it:
  // its day from `window` into *day and *approve. False (no such change) when
  // that day would not come after the record's approval.
  auto plan_change = [&](const std::vector<CivilDay>& window,
                         std::optional<CivilDay>* day,
                         std::optional<CivilDay>* approve) {
    CivilDay picked = Pick(window, i, n);
    if (!p->approve || picked <= *p->approve) return false;
    *day = picked;
    *approve = cal.AddWorkingDays(picked, 2);
    return true;
  };
  const YearWindows& w = Year(p->class_year);
  switch (p->cls) {
    case ChildClass::kNone:
      break;
    case ChildClass::kTransfer:
      if (plan_change(w.transfer, &p->transfer_out, &p->transfer_approve)) {
        p->transfer_in = cal.AddWorkingDays(*p->transfer_approve, 3);
      } else {
        p->cls = ChildClass::kNone;
      }
      break;
    case ChildClass::kEdit:
      if (!plan_change(w.edit, &p->edit, &p->edit_approve)) {
        p->cls = ChildClass::kNone;
      }
      break;
    case ChildClass::kLeave:
      p->leave = Pick(w.leave, i, n);
      break;
    case ChildClass::kDefer:
      p->defer = Pick(w.spring, i, n);
      p->defer_approve = cal.AddWorkingDays(*p->defer, 2);
      p->defer_until = CivilDay(p->primary_year + 1, 8, 31);
      break;
  }
  switch (p->plant) {
    case Plant::kStuck:
      if (!plan_change(Year(years() - 1).transfer, &p->transfer_out,
                       &p->transfer_approve)) {
        p->plant = Plant::kNone;
      }
      break;
    case Plant::kDuplicate:
      p->duplicate = Pick(Year(p->cohort).spring, i, n);
      break;
    case Plant::kProbable:
      p->twin_admit = Pick(Year(years() - 1).spring, i, n);
      p->twin_approve = cal.AddWorkingDays(*p->twin_admit, 2);
      break;
    default:
      break;
  }
  int graduation = p->primary_year + (p->cls == ChildClass::kDefer ? 1 : 0);
  if (p->cls != ChildClass::kLeave && graduation <= start_year() + years()) {
    p->graduate = Pick(Year(graduation - start_year() - 1).graduate, i, n);
  }
}

std::string GenModel::Name(const ChildPlan& p, bool edited) const {
  uint64_t v =
      static_cast<uint64_t>((static_cast<unsigned __int128>(name_mult_) *
                                 static_cast<uint64_t>(p.index) +
                             Hash(options_.seed, kNameTag, 1)) %
                            name_space_);
  std::string name = surnames_[v % surnames_.size()];
  v /= surnames_.size();
  for (int k = 0; k < name_given_len_; ++k) {
    const auto& pool =
        edited && k == name_given_len_ - 1 ? given_edit_ : given_;
    name += pool[v % given_.size()];
    v /= given_.size();
  }
  return name;
}

std::string GenModel::IdNumber(const ChildPlan& p) const {
  const std::string& county = counties_[p.county];
  std::string birth = Yyyymmdd(p.birth);
  int gender = p.female ? 2 : 1;
  switch (p.kind) {
    case IdKind::kNone:
      return "";
    case IdKind::kResident:
      return WithCheck(county + birth + Digits(2 * p.id_seq + gender, 3));
    case IdKind::kHkMoTw:
      return WithCheck(kPermitAreas[p.county % 3] + birth +
                       Digits(2 * (p.county / 3) + gender, 3));
    case IdKind::kForeign:
      return WithCheck("9" + county.substr(0, 2) +
                       kNationalities[p.county % 8] + birth +
                       Digits(2 * (p.county / 8) + gender, 3));
  }
  return "";
}

std::string GenModel::ConversionId(const ChildPlan& p) const {
  return WithCheck(counties_[p.county] + Yyyymmdd(p.birth) +
                   (p.female ? "902" : "901"));
}

std::string GenModel::FirstNumber(const ChildPlan& p) const {
  switch (p.kind) {
    case IdKind::kResident:
      return FormalNumber(IdNumber(p));
    case IdKind::kNone:
      return TemporaryNumber(counties_[p.county], p.birth, 1);
    default:
      return ForeignNumber(counties_[p.county], p.birth, 1);
  }
}

std::string GenModel::NumberOn(const ChildPlan& p, CivilDay day) const {
  if (p.convert_approve && *p.convert_approve <= day) {
    return FormalNumber(ConversionId(p));
  }
  return FirstNumber(p);
}

std::string GenModel::TwinNumber(const ChildPlan& p) const {
  return TemporaryNumber(counties_[p.county], p.birth, 2);
}

std::optional<int64_t> GenModel::PresentAt(const ChildPlan& p,
                                           CivilDay day) const {
  if (day < p.admit) return std::nullopt;
  if (p.graduate && *p.graduate <= day) return std::nullopt;
  if (p.leave && *p.leave <= day) return std::nullopt;
  if (p.transfer_out && *p.transfer_out <= day) {
    if (p.transfer_in && *p.transfer_in <= day) return NextKg(p.kg);
    return std::nullopt;
  }
  return p.kg;
}

}  // namespace xueji::gen
