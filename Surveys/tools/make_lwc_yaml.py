#!/usr/bin/env python3
"""Writes Surveys/lwc.yaml, the Digital Agency's standard questionnaire (標準設問 50 問), from the official
item list ../shared/data/lwc-standard-items.tsv (id, block, category, wording, scale, reverse flag).

Only the English renderings and the short names of the headline items are this project's. Run from the
repository root: python3 Surveys/tools/make_lwc_yaml.py [path/to/lwc-standard-items.tsv]
"""
import csv
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "lwc-standard-items.tsv")

CATEGORY_EN = {
    "c01": "Medical care and welfare", "c02": "Shopping and dining", "c03": "Housing", "c04": "Mobility and transport",
    "c05": "Leisure and entertainment", "c06": "Child-rearing", "c07": "Primary and secondary education",
    "c08": "Local government", "c09": "Digital life", "c10": "Public space", "c11": "Townscape",
    "c12": "Natural landscape", "c13": "Nature's gifts", "c14": "Living with the environment",
    "c15": "Natural disasters", "c16": "Accidents and crime", "c17": "Ties with the community",
    "c18": "Diversity and tolerance", "c19": "Self-efficacy", "c20": "Health", "c21": "Culture and the arts",
    "c22": "Learning opportunities", "c23": "Employment and income", "c24": "Business creation",
}
BLOCKS = [("living", "生活環境", "Living environment"), ("relations", "地域の人間関係", "Local relationships"),
          ("self", "自分らしい生き方", "Living one's own way")]
HEADLINE = {  # short name ja, short name en, English wording
    "h1": ("幸福度", "Happiness", "How happy are you at present?"),
    "h2": ("地域の人々の幸福度", "Neighbours' happiness",
           "How happy do you think the people of your neighbourhood generally are at present?"),
    "h3": ("地域の暮らしの満足度", "Satisfaction with local life",
           "How satisfied are you with life in the area where you live?"),
    "h4": ("協調的幸福", "Interdependent happiness",
           "I think that not only I but also the people around me feel happy."),
}
ITEM_EN = {
    "i01": "The area where I live has good medical facilities.",
    "i02": "In my area, care and welfare services are easy to use.",
    "i03": "In my area, there are plenty of places to enjoy eating out.",
    "i04": "In my area, daily shopping is never inconvenient.",
    "i05": "At home, I have a comfortable place of my own.",
    "i06": "Near my home, I am troubled by noise.",
    "i07": "In my area, housing can be found at a reasonable cost.",
    "i08": "In my area, public transport takes me where I want, when I want.",
    "i09": "My area has entertainment facilities where I can have a good time.",
    "i10": "In my area, children can live lively lives.",
    "i11": "In my area, support and subsidies for child-rearing are generous.",
    "i12": "In my area, the educational environment (primary to high school) is good.",
    "i13": "In my area, schools are within easy reach.",
    "i14": "I think the local government takes the area's matters seriously.",
    "i15": "The public facilities in my area are easy to use and convenient.",
    "i16": "In my area, government services are becoming digital.",
    "i17": "In my area, digital services are easy to use at work and in daily life.",
    "i18": "The atmosphere of my area is pleasant to me.",
    "i19": "My area has pleasant places to walk: town centres, parks, riversides.",
    "i20": "My area has a townscape to be proud of.",
    "i21": "My area has natural scenery to be proud of.",
    "i22": "In my area, I can feel nature close by.",
    "i23": "I feel that the air and water in my area are clean.",
    "i24": "In my area, environmental efforts such as recycling and renewable energy are active.",
    "i25": "In my area, disaster preparedness is solid.",
    "i26": "My area is well protected against crime (police boxes, street lights, cameras, neighbours watching) and is safe.",
    "i27": "In my area, pavements and traffic lights are in place and I feel safe.",
    "i28": "I trust the people who live in my neighbourhood.",
    "i29": "In my area, residents take an active part in local activities (residents' associations, events, disaster drills).",
    "i30": "In my area, there is someone nearby I can talk to when I am in trouble.",
    "i31": "I help people in my neighbourhood when they are in trouble.",
    "i32": "I feel attached to my neighbourhood.",
    "i33": "My neighbourhood is open to anyone's opinion.",
    "i34": "I trust others, even strangers.",
    "i35": "I care what the people of my neighbourhood think of me.",
    "i36": "My area has an atmosphere in which women can play an active part.",
    "i37": "My area has an atmosphere in which young people can play an active part.",
    "i38": "I like myself.",
    "i39": "I am in good mental health.",
    "i40": "I am in good physical health.",
    "i41": "My area is proud of its lively culture, arts and performing arts.",
    "i42": "I want to leave a good environment and culture for the generations to come.",
    "i43": "In my area, there are opportunities to learn what I want to learn.",
    "i44": "In my area, it is easy to find the work I want.",
    "i45": "In my area, there are opportunities to earn a fair income.",
    "i46": "My area offers opportunities to take on new challenges and grow.",
}


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    rows = list(csv.DictReader(open(TSV, encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 50, len(rows)
    out = []
    w = out.append
    w("# 地域幸福度（Well-Being）指標 市民意識調査: the Digital Agency's standard questionnaire (標準設問 50 問).")
    w("# The questionnaire, its wording and its 24 categories in three 因子群 are the Digital Agency's (デジタル庁,")
    w("# 地域幸福度（Well-Being）指標); the wording as published by Osaka Prefecture (「Beyond EXPO 2025」, pp. 75–76).")
    w("# Written by Surveys/tools/make_lwc_yaml.py from lwc-standard-items.tsv; the English renderings are this")
    w("# project's. A city adds its districts and its own questions in a local version: see")
    w("# Surveys/examples/fujisawa.yaml (extends: ../lwc.yaml).")
    w("id: lwc")
    w('version: "std-2025"')
    w("title:")
    w("  ja: 地域幸福度（Well-Being）に関する市民意識調査")
    w("  en: Citizen survey on local well-being (the Digital Agency's standard questionnaire)")
    w("")
    w("respondent:")
    w("  # Optional: a Google Forms or Microsoft Forms export has no respondent id.")
    w("  id: {column: respondent_id, aliases: [回答者ID, 回答番号], optional: true}")
    w("  group:")
    w("    column: 居住地区")
    w("    aliases: [region, 地区, 居住地域, お住まいの地区, お住まいの地域]")
    w("    label: {ja: 居住地区, en: District}")
    w("    # The city's districts are listed in its local version (extends).")
    w("  # Without --period, the period is the year (first four characters) of the submission time.")
    w("  period: {column: submitted_at, aliases: [タイムスタンプ, Timestamp, 回答日時, 完了時刻], from: year}")
    w("  attributes:")
    w("    - column: 年代")
    w("      aliases: [age_band, 年齢, 年齢層]")
    w("      label: {ja: 年代, en: Age band}")
    w("      values: [20代以下, 30代, 40代, 50代, 60代, 70代以上]")
    w("    - column: 性別")
    w("      aliases: [sex, gender]")
    w("      label: {ja: 性別, en: Sex}")
    w("      values: [男性, 女性, その他]")
    w("    # How the questionnaire came back, where the export has such a column (the survey overview counts by it).")
    w("    - column: 回答方法")
    w("      aliases: [mode, 回答方式]")
    w("      label: {ja: 回答方法, en: Response mode}")
    w("      values: [郵送, Web]")
    w("      optional: true")
    w("      response_mode: true")
    w("  free_text:")
    w("    - {column: comment, aliases: [自由記述, ご意見, ご意見・ご要望]}")
    w("")
    w("scales:")
    w("  # The anchors 1 and 5 are the official ones; the middle labels are the usual wording of such forms.")
    w("  agree5:")
    w("    range: [1, 5]")
    w("    labels:")
    w("      1: {ja: 全くあてはまらない, en: Not at all true}")
    w("      2: {ja: あまりあてはまらない, en: Not very true}")
    w("      3: {ja: どちらとも言えない, en: Neither}")
    w("      4: {ja: ある程度あてはまる, en: Somewhat true}")
    w("      5: {ja: 非常にあてはまる, en: Very true}")
    w("    missing: [9, 99, 無回答, わからない]")
    w("  rating10:")
    w("    range: [0, 10]")
    w("    missing: [99, 無回答, わからない]")
    w("")
    w("default_scale: agree5")
    w("")
    w("factor_groups:")
    for gid, ja, en in BLOCKS:
        w(f"  - {{id: {gid}, name: {{ja: {ja}, en: {quoted(en)}}}}}")
    w("")
    w("categories:")
    block_id = {ja: gid for gid, ja, _ in BLOCKS}
    categories = {}
    for r in rows:
        if r["category_id"]:
            categories.setdefault(r["category_id"], []).append(r)
    for cid in sorted(categories):
        items = categories[cid]
        w(f"  - id: {cid}")
        w(f"    name: {{ja: {items[0]['category']}, en: {quoted(CATEGORY_EN[cid])}}}")
        w(f"    group: {block_id[items[0]['block']]}")
        w("    items:")
        for r in items:
            assert r["scale"] == "1-5"
            reverse = ", reverse: true" if r["reverse"] == "1" else ""
            w(f"      - {{id: {r['id']}{reverse}, text: {{ja: {quoted(r['text'])}, en: {quoted(ITEM_EN[r['id']])}}}}}")
    w("")
    w("# 幸福度・満足度: three ratings on 0–10 and 協調的幸福 on 1–5, each reported on its own scale.")
    w("headline:")
    for r in rows:
        if r["category_id"]:
            continue
        name_ja, name_en, text_en = HEADLINE[r["id"]]
        w(f"  - id: {r['id']}")
        w(f"    name: {{ja: {name_ja}, en: {quoted(name_en)}}}")
        w(f"    text: {{ja: {quoted(r['text'])}, en: {quoted(text_en)}}}")
        w(f"    scale: {'rating10' if r['scale'] == '0-10' else 'agree5'}")
        if r["id"] == "h1":
            w("    outcome: true")
    with open(os.path.join(ROOT, "Surveys", "lwc.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
