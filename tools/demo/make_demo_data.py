#!/usr/bin/env python3
"""Generates the demonstration data of the 学籍 ledger, deterministically.

Writes, next to this script:
  registry.jsonl          two counties of 厦门市, five kindergartens, operators
  requests.jsonl          the autumn term 2025, in business-date order
  expected_results.jsonl  the answer each request line must get, line by line
  expected_records.jsonl  each child's record at the end of the term
  summer.jsonl            issue 10: spring verification, the cohort 2026
                          graduated on 30 June 2026, its promotion (升学)
  expected_summer.jsonl   the answer each of those must get

Every identity is synthetic: resident ID numbers are made up (area of the
child's county, birth date, sequence with the right gender parity, MOD 11-2
check character), names are common names. Run it again and the files come
out byte for byte the same:  python3 tools/demo/make_demo_data.py
"""

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# --- identity helpers (GB 11643-1999, domain.md) -------------------------------
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"


def check_char(first17):
    """ISO 7064 MOD 11-2 check character of 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def resident_id(area, birth, seq):
    """An 18-character number: area, YYYYMMDD, 3-digit sequence, check."""
    first17 = area + birth.replace("-", "") + "%03d" % seq
    return first17 + check_char(first17)


def temporary_number(county, birth, seq):
    """L + county + YYYYMMDD + 4-digit sequence (Art. 7)."""
    return "L" + county + birth.replace("-", "") + "%04d" % seq


def foreign_number(county, birth, seq):
    """J + county + YYYYMMDD + 3-digit sequence + MOD 11-2 check (Art. 9)."""
    first17 = county + birth.replace("-", "") + "%03d" % seq
    return "J" + first17 + check_char(first17)


# --- the region ----------------------------------------------------------------
SIMING, HULI, CITY = "350203", "350206", "3502"  # 厦门市思明区, 湖里区, 厦门市
KINDERGARTENS = [
    ("350203001", "思明区鹭岛幼儿园", SIMING),
    ("350203002", "思明区白鹭幼儿园", SIMING),
    ("350203003", "思明区凤凰花幼儿园", SIMING),
    ("350206001", "湖里区海湾幼儿园", HULI),
    ("350206002", "湖里区金山幼儿园", HULI),
]
K1, K2, K3, K4, K5 = (k[0] for k in KINDERGARTENS)
REGISTRAR = {K1: "reg-sm1", K2: "reg-sm2", K3: "reg-sm3", K4: "reg-hl1",
             K5: "reg-hl2"}
APPROVER = {SIMING: "appr-siming", HULI: "appr-huli"}
COUNTY_OF = {k[0]: k[2] for k in KINDERGARTENS}
OFFICER, AUDITOR = "officer-xiamen", "auditor-xiamen"


def registry_lines():
    lines = [{"kindergarten": {"code": c, "name": n, "county": county}}
             for c, n, county in KINDERGARTENS]
    lines += [{"operator": {"id": op, "role": "REGISTRAR", "org": kg}}
              for kg, op in REGISTRAR.items()]
    lines += [{"operator": {"id": op, "role": "APPROVER", "org": county}}
              for county, op in APPROVER.items()]
    lines.append({"operator": {"id": OFFICER, "role": "OFFICER", "org": CITY}})
    lines.append({"operator": {"id": AUDITOR, "role": "AUDITOR", "org": CITY}})
    return lines


# --- the children ----------------------------------------------------------------
class Kid:
    """A synthetic child admitted at `kg`."""

    def __init__(self, key, name, gender, birth, kg, seq, id_type="RESIDENT_ID"):
        self.key, self.name, self.gender, self.birth, self.kg = (
            key, name, gender, birth, kg)
        self.id_type = id_type
        county = COUNTY_OF[kg]
        if id_type == "RESIDENT_ID":
            self.id_number = resident_id(county, birth, seq)
            self.student_no = "G" + self.id_number
        elif id_type == "NONE":
            self.id_number = ""
            self.student_no = temporary_number(county, birth, 1)
        else:  # HK/Macao/Taiwan residence permit: area 810000 (Hong Kong)
            self.id_number = resident_id("810000", birth, seq)
            self.student_no = foreign_number(county, birth, 1)

    def child(self, name=None):
        c = {"name": name or self.name, "gender": self.gender,
             "birthDate": self.birth, "idType": self.id_type}
        if self.id_number:
            c["idNumber"] = self.id_number
        return c


KIDS = [
    Kid("c1", "陈一鸣", "MALE", "2021-03-14", K1, 11),    # transfers to K4
    Kid("c2", "林若溪", "FEMALE", "2020-11-02", K1, 22),
    Kid("c3", "黄子墨", "MALE", "2022-06-20", K1, 33),
    Kid("cJ", "李安娜", "FEMALE", "2021-07-08", K1, 44,
        "HK_MO_TW_RESIDENCE_PERMIT"),                      # J number
    Kid("c4", "吴思琪", "FEMALE", "2020-05-09", K2, 52),  # deferral
    Kid("c5", "郑浩然", "MALE", "2021-09-30", K2, 61),
    Kid("c6", "王雨桐", "FEMALE", "2022-01-17", K2, 72),  # key-info edit
    Kid("cL", "张小宝", "MALE", "2022-04-03", K2, 0, "NONE"),  # L number
    Kid("c7", "刘欣怡", "FEMALE", "2020-08-12", K3, 82),
    Kid("c8", "赵子轩", "MALE", "2020-03-25", K3, 91),    # graduates
    Kid("c9", "孙梓涵", "FEMALE", "2021-12-08", K3, 102),  # leaves
    Kid("c10", "周俊杰", "MALE", "2021-02-11", K4, 111),
    Kid("c11", "徐佳怡", "FEMALE", "2020-10-28", K4, 122),  # planted phantom
    Kid("c12", "马子豪", "MALE", "2022-03-03", K4, 131),  # cancelled
    Kid("c13", "朱诗涵", "FEMALE", "2021-05-19", K5, 142),
    Kid("c14", "胡宇航", "MALE", "2020-12-30", K5, 151),  # rejected, re-admitted
]
KID = {k.key: k for k in KIDS}
# The resident ID the L child gets in November (same birth date and gender).
CL_RESIDENT_ID = resident_id(SIMING, KID["cL"].birth, 161)
# Key information as first entered for c6: a wrong character in the name.
C6_MISTYPED_NAME = "王雨同"


# Issue 10: the parent who applies for a transfer, leave, deferral or key-info
# edit (由父母或者其他监护人提出申请), a synthetic adult resident ID of the
# child's county (born 1990 / 1988; odd sequence for a father).
def applicant(kid, relation="MOTHER"):
    female = relation == "MOTHER"
    birth = "1990-04-01" if female else "1988-07-01"
    seq = 200 + int(kid.key.lstrip("cJL") or 0) * 2 + (0 if female else 1)
    surname = kid.name[0]
    return {"name": (surname + "妈妈") if female else (surname + "爸爸"),
            "relation": relation, "idType": "RESIDENT_ID",
            "idNumber": resident_id(COUNTY_OF[kid.kg], birth, seq)}


# --- the term ------------------------------------------------------------------
class Term:
    """Collects request lines and the answer each must get."""

    def __init__(self):
        self.lines, self.expected, self.n = [], [], 0

    def next_id(self):
        self.n += 1
        return "r-%03d" % self.n

    def add(self, actor, day, action, body, status, student_no="", code="",
            request_id=None):
        rid = request_id or self.next_id()
        self.lines.append(json.dumps(
            {"requestId": rid, "actor": actor, "occurredOn": day,
             action: body}, ensure_ascii=False, separators=(",", ":")))
        self.expect(rid, status, student_no, code)
        return rid

    def raw(self, text, status, code, request_id):
        """A line that is not a valid request (kept verbatim)."""
        self.lines.append(text)
        self.expect(request_id, status, "", code)

    def expect(self, rid, status, student_no, code):
        e = {"requestId": rid, "status": status}
        if student_no:
            e["studentNo"] = student_no
        if code:
            e["code"] = code
        self.expected.append(e)


def admit(t, kid, day, name=None):
    return t.add(REGISTRAR[kid.kg], day, "admit",
                 {"kindergarten": kid.kg, "child": kid.child(name),
                  "entryDate": "2025-09-01"},
                 "PENDING_APPROVAL", kid.student_no)


def approve(t, kg, day, rid, student_no):
    return t.add(APPROVER[COUNTY_OF[kg]], day, "approve", {"requestId": rid},
                 "APPLIED", student_no)


# --- issue 10 item 2: a problem record worked to closure -----------------------
def case_id(kind, subject, since):
    """ledger/rules/subjects.h CaseId: "case-" + 16 hex of SHA-256."""
    text = "%s|%s|%s" % (kind, subject, since)
    return "case-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def problem_case(t):
    """17-19 December: the verification of 16 December did not list c11 at
    海湾 (PHANTOM, the planted 空挂 problem). 湖里's approver opens the case;
    海湾 answers with evidence (佐证: the class register shows her there,
    ill on the day of the check); the county accepts and closes the case.
    The anomaly stays on record until the next verification lists her."""
    no = KID["c11"].student_no
    cid = case_id("PHANTOM", "stu:" + no, "2025-12-16")
    t.add(APPROVER[HULI], "2025-12-17", "openCase",
          {"kind": "PHANTOM", "studentNo": no, "since": "2025-12-16",
           "detail": "not confirmed present at verification 2025-autumn"},
          "APPLIED", no, request_id="pc-1")
    t.add(REGISTRAR[K4], "2025-12-18", "resolveCase",
          {"caseId": cid, "resolution": "EVIDENCE",
           "evidence": "班级考勤簿：12月16日病假，其余在园"},
          "APPLIED", no, request_id="pc-2")
    t.add(APPROVER[HULI], "2025-12-19", "decideCase",
          {"caseId": cid, "accept": True, "reason": "考勤簿与病假条核实无误"},
          "APPLIED", no, request_id="pc-3")


def build_term():
    t = Term()
    k = KID
    admitted = {}
    # 1 September (Monday): the term opens; 思明区 kindergartens register.
    for key in ("c1", "c2", "c3", "cJ", "c4", "c5", "c6", "cL"):
        name = C6_MISTYPED_NAME if key == "c6" else None
        admitted[key] = admit(t, k[key], "2025-09-01", name)
    # 2 September: 湖里区 and the third 思明区 kindergarten; bad admissions.
    for key in ("c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14"):
        admitted[key] = admit(t, k[key], "2025-09-02")
    bad = resident_id(HULI, "2021-04-21", 171)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")  # wrong check character
    t.add(REGISTRAR[K5], "2025-09-02", "admit",
          {"kindergarten": K5, "entryDate": "2025-09-01",
           "child": {"name": "何子涵", "gender": "MALE", "birthDate": "2021-04-21",
                     "idType": "RESIDENT_ID", "idNumber": bad}},
          "REJECTED", code="INVALID_ID_NUMBER")
    t.add(REGISTRAR[K3], "2025-09-02", "admit",
          {"kindergarten": K3, "entryDate": "2025-09-01",
           "child": {"name": "罗欣然", "gender": "FEMALE",
                     "birthDate": "2021-06-15",  # the number says 16 June
                     "idType": "RESIDENT_ID",
                     "idNumber": resident_id(SIMING, "2021-06-16", 182)}},
          "REJECTED", code="ID_MISMATCH")
    t.add(REGISTRAR[K4], "2025-09-02", "admit",
          {"kindergarten": K4, "entryDate": "2025-09-01",
           "child": {"name": "梁小满", "gender": "FEMALE",
                     "birthDate": "2024-01-15", "idType": "RESIDENT_ID",
                     "idNumber": resident_id(HULI, "2024-01-15", 192)}},
          "REJECTED", code="AGE_OUT_OF_RANGE")  # 1 year old
    t.add(OFFICER, "2025-09-02", "admit",
          {"kindergarten": K1, "entryDate": "2025-09-01",
           "child": {"name": "宋嘉懿", "gender": "FEMALE",
                     "birthDate": "2021-10-10", "idType": "RESIDENT_ID",
                     "idNumber": resident_id(SIMING, "2021-10-10", 202)}},
          "REJECTED", code="NOT_AUTHORIZED")  # officers only read
    # 3 September: 湖里区 tries to approve a 思明区 admission; 思明区 approves.
    t.add(APPROVER[HULI], "2025-09-03", "approve",
          {"requestId": admitted["c1"]}, "REJECTED", code="NOT_AUTHORIZED")
    for key in ("c1", "c2", "c3", "cJ", "c4", "c5", "c6", "cL"):
        approve(t, k[key].kg, "2025-09-03", admitted[key], k[key].student_no)
    # 4 September: the rest; 湖里区 rejects one admission (papers missing).
    for key in ("c7", "c8", "c9", "c10", "c11", "c12", "c13"):
        approve(t, k[key].kg, "2025-09-04", admitted[key], k[key].student_no)
    t.add(APPROVER[HULI], "2025-09-04", "reject",
          {"requestId": admitted["c14"], "reason": "户籍证明材料不全，请补齐后重新申请"},
          "APPLIED", k["c14"].student_no)
    t.add(APPROVER[HULI], "2025-09-04", "approve", {"requestId": "r-999"},
          "REJECTED", code="UNKNOWN_REQUEST")
    # 10 September: 白鹭 enters a child already enrolled at 鹭岛.
    t.add(REGISTRAR[K2], "2025-09-10", "admit",
          {"kindergarten": K2, "child": k["c2"].child(),
           "entryDate": "2025-09-10"},
          "REJECTED", code="DUPLICATE_REGISTRATION")
    # 15-17 September: c14 comes back with the papers: the same record again.
    again = t.add(REGISTRAR[K5], "2025-09-15", "admit",
                  {"kindergarten": K5, "child": k["c14"].child(),
                   "entryDate": "2025-09-15"},
                  "PENDING_APPROVAL", k["c14"].student_no)
    approve(t, K5, "2025-09-17", again, k["c14"].student_no)
    # 22 September: 鹭岛's registrar acts for a child of 白鹭.
    t.add(REGISTRAR[K1], "2025-09-22", "leave",
          {"studentNo": k["c5"].student_no, "reason": "家长申请",
           "applicant": applicant(k["c5"])},
          "REJECTED", k["c5"].student_no, "NOT_AUTHORIZED")
    # 26 September (Friday before National Day): c1 moves to 湖里区.
    out = t.add(REGISTRAR[K1], "2025-09-26", "transferOut",
                {"studentNo": k["c1"].student_no, "toKindergarten": K4,
                 "applicant": applicant(k["c1"], "FATHER")},
                "PENDING_APPROVAL", k["c1"].student_no)
    # Sunday 28 September is a working day (调休).
    approve(t, K1, "2025-09-28", out, k["c1"].student_no)
    t.add(REGISTRAR[K2], "2025-09-29", "transferOut",
          {"studentNo": k["c5"].student_no, "toKindergarten": "350203099",
           "applicant": applicant(k["c5"])},
          "REJECTED", k["c5"].student_no, "UNKNOWN_KINDERGARTEN")
    # 13-14 October: after the holiday (1-8 October) 海湾 receives c1 and
    # reports it to its own county, 湖里区, which approves it (Art. 11: each
    # side to its own county; issue 10).
    into = t.add(REGISTRAR[K4], "2025-10-13", "transferIn",
                 {"studentNo": k["c1"].student_no}, "PENDING_APPROVAL",
                 k["c1"].student_no)
    t.add(APPROVER[SIMING], "2025-10-14", "approve", {"requestId": into},
          "REJECTED", k["c1"].student_no, "NOT_AUTHORIZED")
    approve(t, K4, "2025-10-14", into, k["c1"].student_no)
    # 16 October: a line broken by hand editing (a comma missing).
    t.raw('{"requestId":"r-%03d","actor":"reg-hl1" "occurredOn":"2025-10-16",'
          '"graduate":{"studentNo":"%s"}}' % (t.n + 1, k["c10"].student_no),
          "REJECTED", "MALFORMED_REQUEST", t.next_id())
    # 20-22 October: c6's name was mistyped at admission; the county approves.
    # The edit names only what changes (issue 10).
    edit = t.add(REGISTRAR[K2], "2025-10-20", "editKeyInfo",
                 {"studentNo": k["c6"].student_no,
                  "child": {"name": k["c6"].name},
                  "evidence": "户口簿首页及本人页复印件",
                  "applicant": applicant(k["c6"])},
                 "PENDING_APPROVAL", k["c6"].student_no)
    approve(t, K2, "2025-10-22", edit, k["c6"].student_no)
    # 31 October: c9's family moves to another province.
    t.add(REGISTRAR[K3], "2025-10-31", "leave",
          {"studentNo": k["c9"].student_no, "reason": "随父母迁居外省",
           "applicant": applicant(k["c9"], "FATHER")},
          "APPLIED", k["c9"].student_no)
    # 10-12 November: c4 stays a year longer (缓学留园) on a doctor's advice.
    defer = t.add(REGISTRAR[K2], "2025-11-10", "defer",
                  {"studentNo": k["c4"].student_no, "untilDate": "2027-08-31",
                   "evidence": "医院诊断证明",
                   "applicant": applicant(k["c4"])},
                  "PENDING_APPROVAL", k["c4"].student_no)
    approve(t, K2, "2025-11-12", defer, k["c4"].student_no)
    # 14-18 November: a cancellation asked for a child who moved away is
    # refused (Art. 15: death only; he is to leave instead); c12 died: the
    # kindergarten reports with the date and proof, the county cancels.
    t.add(REGISTRAR[K4], "2025-11-14", "cancel",
          {"studentNo": k["c10"].student_no, "reason": "MOVED_AWAY"},
          "REJECTED", "", "CANCEL_NOT_DEATH")
    cancel = t.add(REGISTRAR[K4], "2025-11-14", "cancel",
                   {"studentNo": k["c12"].student_no, "reason": "DEATH",
                    "dateOfDeath": "2025-11-11", "evidence": "居民死亡医学证明"},
                   "PENDING_APPROVAL", k["c12"].student_no)
    approve(t, K4, "2025-11-18", cancel, k["c12"].student_no)
    # 20-21 November: cL has got a resident ID: the county approves turning
    # the L number into a G number.
    convert = t.add(REGISTRAR[K2], "2025-11-20", "convertNumber",
                    {"studentNo": k["cL"].student_no, "idType": "RESIDENT_ID",
                     "idNumber": CL_RESIDENT_ID},
                    "PENDING_APPROVAL", k["cL"].student_no)
    approve(t, K2, "2025-11-21", convert, "G" + CL_RESIDENT_ID)
    # 24 November - 2 December: c5's transfer to 湖里 is approved out but the
    # family stays; 白鹭 withdraws it and c5 is an ordinary record again.
    out = t.add(REGISTRAR[K2], "2025-11-24", "transferOut",
                {"studentNo": k["c5"].student_no, "toKindergarten": K4,
                 "applicant": applicant(k["c5"])},
                "PENDING_APPROVAL", k["c5"].student_no)
    approve(t, K2, "2025-11-25", out, k["c5"].student_no)
    t.add(REGISTRAR[K2], "2025-12-02", "withdrawTransfer",
          {"studentNo": k["c5"].student_no, "reason": "家长决定不转园"},
          "APPLIED", k["c5"].student_no)
    # 15-16 December: the term's verification (定期核验), one per kindergarten.
    present = {
        K1: ["c2", "c3", "cJ"],
        K2: ["c4", "c5", "c6"],
        K3: ["c7", "c8"],
        K4: ["c1", "c10"],  # c11 is not there: a planted phantom (空挂)
        K5: ["c13", "c14"],
    }
    for i, (kg, keys) in enumerate(present.items()):
        nos = [k[key].student_no for key in keys]
        if kg == K2:
            nos.append("G" + CL_RESIDENT_ID)
        t.add(REGISTRAR[kg], "2025-12-1%d" % (5 + i // 3), "verify",
              {"kindergarten": kg, "term": "2025-autumn",
               "presentStudentNos": nos}, "APPLIED")
    problem_case(t)
    # 31 December: c8 (5 years old, primary school from 1 September 2026)
    # cannot graduate in winter: graduation is from June (issue 10).
    t.add(REGISTRAR[K3], "2025-12-31", "graduate",
          {"studentNo": k["c8"].student_no}, "REJECTED", k["c8"].student_no,
          "INVALID_DATE")
    return t


PRIMARY_SCHOOL = "厦门市思明区第一实验小学"


def build_summer():
    """Issue 10: the school year's end, after the autumn term's reports.

    Spring: 凤凰花 (K3) is verified once for the term by the county; a second
    verification of the term is refused (Art. 17). 30 June 2026, in the
    graduation season (graduationWindowMonths before 1 September): 凤凰花
    graduates its cohort 2026 in one request (c7, c8; Art. 13). 7 September:
    the county records that both reported to a primary school (升学)."""
    t = Term()
    t.next_id = lambda: "s-%03d" % (len(t.lines) + 1)
    k = KID
    cohort = [k["c7"].student_no, k["c8"].student_no]
    t.add(APPROVER[SIMING], "2026-03-16", "verify",
          {"kindergarten": K3, "term": "2026-spring",
           "presentStudentNos": cohort}, "APPLIED")
    t.add(REGISTRAR[K3], "2026-03-17", "verify",
          {"kindergarten": K3, "term": "2026-spring",
           "presentStudentNos": cohort}, "REJECTED",
          code="TERM_ALREADY_VERIFIED")
    t.add(REGISTRAR[K3], "2026-06-30", "graduate",
          {"kindergarten": K3, "cohort": "2026"}, "APPLIED")
    for key in ("c7", "c8"):
        t.add(APPROVER[SIMING], "2026-09-07", "recordPromotion",
              {"studentNo": k[key].student_no, "school": PRIMARY_SCHOOL,
               "reportedOn": "2026-09-01"}, "APPLIED", k[key].student_no)
    return t


def expected_records():
    """Each child's record at the end of the term."""
    final = {key: ("ENROLLED", kid.kg) for key, kid in KID.items()}
    final["c1"] = ("ENROLLED", K4)
    final["c9"] = ("LEFT", K3)
    final["c12"] = ("CANCELLED", K4)
    out = []
    for key, kid in KID.items():
        status, kg = final[key]
        no = "G" + CL_RESIDENT_ID if key == "cL" else kid.student_no
        rec = {"key": key, "studentNo": no, "status": status,
               "kindergarten": kg, "name": kid.name,
               "idType": "RESIDENT_ID" if key == "cL" else kid.id_type,
               "idNumber": CL_RESIDENT_ID if key == "cL" else kid.id_number}
        if key == "cL":
            rec["formerStudentNo"] = kid.student_no
        if key == "c11":
            rec["anomaly"] = "PHANTOM"
        out.append(rec)
    return out


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for row in rows:
            f.write(row if isinstance(row, str)
                    else json.dumps(row, ensure_ascii=False,
                                    separators=(",", ":")))
            f.write("\n")


def main():
    term = build_term()
    write("registry.jsonl", registry_lines())
    write("requests.jsonl", term.lines)
    write("expected_results.jsonl", term.expected)
    write("expected_records.jsonl", expected_records())
    summer = build_summer()
    write("summer.jsonl", summer.lines)
    write("expected_summer.jsonl", summer.expected)


if __name__ == "__main__":
    main()
