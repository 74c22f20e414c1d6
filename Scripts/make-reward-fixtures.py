#!/usr/bin/env python3
"""Writes the reference fixtures the Rewards tests compare against.

Tests/Fixtures/rewards/
  cases.json            a corpus of realistic and adversarial completions, each with its reference
                        answer and the five rewards under both modes:
                          "seed"   computed by the seed's own functions (Scripts/seed_rewards.py),
                                   called the way TRL's GRPOTrainer calls them;
                          "fixed"  computed by the Python implementation of the fixed rules below
                                   (FixedRules), written with `re` and `decimal` so that it shares
                                   no code with the Swift matchers it checks.
                        Long completions are stored as a recipe (prefix + repeat * times + suffix)
                        that the tests expand the same way; "utf8_bytes" lets them check that
                        they decoded and expanded the text Python scored. The header also holds
                        the seed's SYSTEM_PROMPT, which the prompt builder must reproduce.
  python_unicode.json   the code points Python's str.isspace() (= re's \\s) and str.isdigit() accept,
                        which the seed mode's whitespace and digit tables must equal.

    python3 Scripts/make-reward-fixtures.py [--table]

--table also prints the Markdown table of Docs/rewards.md (selected cases, both modes).
Only the Python standard library is needed.
"""
import argparse
import json
import os
import re
import sys
import unicodedata
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_rewards  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "Tests", "Fixtures", "rewards")
NAMES = [name for name, _ in seed_rewards.SEED_REWARDS]


class FixedRules:
    """The `compat: fixed` rules, independently of the Swift code.

    mark         as the seed.
    soft_format  the seed's pattern with re.DOTALL ('.' matches newlines), still re.match.
    hard_format  <think>\\n … \\n</think>\\n<answer>\\n … \\n</answer> with or without one final
                 newline, re.DOTALL, the whole completion.
    digit        the extracted answer is a plain number: optional sign, ASCII digits with optional
                 strict thousands groups ("1,000" but not "1,00"), optional fraction ".d+".
    correctness  both answers parsed as numbers (a currency sign before, a unit word after and the
                 forms digit accepts) compare by value; otherwise the stripped strings compare.
    Extraction (after the last <answer>, before the next </answer>, str.strip()) is the seed's.
    """

    SOFT = re.compile(r"<think>.*?</think>\s*<answer>.*?</answer>", re.DOTALL)
    HARD = re.compile(r"<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>\n?", re.DOTALL)
    NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
    PLAIN = re.compile(r"[+-]?" + NUMBER)
    UNIT = r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+"
    LENIENT = re.compile(r"(?P<s1>[+-]?)(?P<cur>[$¥￥€£]?)(?P<s2>[+-]?)(?P<num>" + NUMBER + r")(?:\s*" + UNIT + r")?")

    @staticmethod
    def soft_format(text):
        return 0.5 if FixedRules.SOFT.match(text) else 0.0

    @staticmethod
    def hard_format(text):
        return 0.5 if FixedRules.HARD.fullmatch(text) else 0.0

    @staticmethod
    def digit(text):
        return 0.5 if FixedRules.PLAIN.fullmatch(seed_rewards.extract_answer(text)) else 0.0

    @staticmethod
    def number(text):
        m = FixedRules.LENIENT.fullmatch(text.strip())
        if not m or (m["s1"] and m["s2"]):
            return None
        value = Decimal(m["num"].replace(",", ""))
        return -value if (m["s1"] or m["s2"]) == "-" else value

    @staticmethod
    def correctness(text, answer):
        extracted = seed_rewards.extract_answer(text)
        reference = FixedRules.number(str(answer))
        if reference is None:
            return 2.0 if extracted == str(answer).strip() else 0.0
        return 2.0 if FixedRules.number(extracted) == reference else 0.0

    @staticmethod
    def all(text, answer):
        return {
            "mark": float(seed_rewards.mark_num(text)),
            "soft_format": FixedRules.soft_format(text),
            "hard_format": FixedRules.hard_format(text),
            "digit": FixedRules.digit(text),
            "correctness": FixedRules.correctness(text, answer),
        }


def seed_values(text, answer):
    """The seed's functions, called as GRPOTrainer calls them (a batch of one)."""
    completions = [[{"role": "assistant", "content": text}]]
    prompts = [[{"role": "system", "content": seed_rewards.SYSTEM_PROMPT}, {"role": "user", "content": "q"}]]
    values = {}
    for name, function in seed_rewards.SEED_REWARDS:
        values[name] = float(function(prompts=prompts, completions=completions, answer=[answer])[0])
    return values


def formatted(think, answer, final="\n"):
    return f"<think>\n{think}\n</think>\n<answer>\n{answer}\n</answer>{final}"


def corpus():
    """(id, completion or recipe, reference answer as the data set holds it)."""
    cases = [
        # Well-formed, as the system prompt asks: multi-line think, so the seed's soft and hard
        # patterns both miss (no DOTALL; "n</think>" needs an 'n' right before the tag).
        ("wellformed_zh", formatted("小明有 5 个苹果，又买了 13 个。\n5 + 13 = 18", "18"), "18"),
        ("wellformed_en", formatted("Natalia sold 48/2 = 24 clips in May.\n48 + 24 = 72", "72"), 72),
        ("wellformed_wrong_answer", formatted("5 + 13 = 17", "17"), "18"),
        ("wellformed_no_final_newline", formatted("5 + 13 = 18", "18", final=""), "18"),
        ("wellformed_two_final_newlines", formatted("5 + 13 = 18", "18", final="\n\n"), "18"),
        ("wellformed_three_final_newlines", formatted("5 + 13 = 18", "18", final="\n\n\n"), "18"),
        ("wellformed_trailing_space_after_tag", formatted("5 + 13 = 18", "18", final="\n "), "18"),
        # The seed's hard pattern as written: one-line think ending in 'n'.
        ("seed_hard_literal_n", "<think>\nadd them and then</think>\n<answer>\n18\n</answer>\n", "18"),
        ("seed_hard_literal_n_zh_no", "<think>\n先加起来</think>\n<answer>\n18\n</answer>\n", "18"),
        ("seed_hard_literal_n_two_lines", "<think>\nfirst\nthen</think>\n<answer>\n18\n</answer>\n", "18"),
        ("seed_hard_literal_n_extra_newline", "<think>\nthen</think>\n<answer>\n18\n</answer>\n\n", "18"),
        ("seed_hard_literal_n_multiline_answer", "<think>\nthen</think>\n<answer>\n1\n8\n</answer>\n", "18"),
        ("seed_hard_empty_think_n", "<think>\nn</think>\n<answer>\n\n</answer>\n", ""),
        ("seed_hard_think_is_newline", "<think>\n\n</think>\n<answer>\n18\n</answer>\n", "18"),
        ("fixed_hard_empty_blocks", "<think>\n\n</think>\n<answer>\n\n</answer>", ""),
        # One-line forms the seed's soft pattern accepts.
        ("oneline", "<think>5+13=18</think><answer>18</answer>", "18"),
        ("oneline_space_between", "<think>5+13=18</think> <answer>18</answer>", "18"),
        ("oneline_newlines_between", "<think>5+13=18</think>\n\n<answer>18</answer>", "18"),
        ("oneline_tab_crlf_between", "<think>x</think>\t\r\n<answer>18</answer> trailing text", "18"),
        ("oneline_nbsp_between", "<think>x</think>\u00a0<answer>18</answer>", "18"),
        ("oneline_ideographic_space_between", "<think>x</think>\u3000<answer>18</answer>", "18"),
        ("oneline_zero_width_space_between", "<think>x</think>\u200b<answer>18</answer>", "18"),
        ("oneline_file_separator_between", "<think>x</think>\x1c\x85<answer>18</answer>", "18"),
        ("oneline_text_between", "<think>x</think>so<answer>18</answer>", "18"),
        ("oneline_answer_multiline", "<think>x</think><answer>\n18\n</answer>", "18"),
        ("oneline_answer_unclosed", "<think>x</think><answer>18", "18"),
        ("second_think_close_works", "<think>a</think>b</think><answer>18</answer>", "18"),
        ("think_close_after_newline", "<think>a\n</think><answer>18</answer>", "18"),
        ("leading_space", " <think>x</think><answer>18</answer>", "18"),
        ("leading_newline", "\n" + formatted("x", "18"), "18"),
        ("answer_close_on_next_line", "<think>x</think><answer>18\n</answer>", "18"),
        ("answer_close_after_multiline_then_sameline", "<think>x</think><answer>1\n</answer><answer>18</answer>", "18"),
        # Missing, duplicated and nested tags.
        ("no_tags", "The answer is 18.", "18"),
        ("bare_number", "18", "18"),
        ("bare_number_padded", "  18 \n", "18"),
        ("missing_think", "<answer>\n18\n</answer>\n", "18"),
        ("missing_answer", "<think>\n5 + 13 = 18\n</think>\n18", "18"),
        ("missing_answer_close", "<think>\nx\n</think>\n<answer>\n18\n", "18"),
        ("duplicated_think", "<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n18\n</answer>\n", "18"),
        ("duplicated_answer_last_wins", formatted("x", "17") + "<answer>\n18\n</answer>\n", "18"),
        ("duplicated_answer_close", formatted("x", "18") + "</answer>\n", "18"),
        ("nested_answer", "<think>\nx\n</think>\n<answer>\n<answer>\n18\n</answer>\n</answer>\n", "18"),
        ("nested_think", "<think>\n<think>\nx\n</think>\n</think>\n<answer>\n18\n</answer>\n", "18"),
        ("answer_before_think", "<answer>\n18\n</answer>\n<think>\nx\n</think>\n", "18"),
        ("tags_without_newlines_counted", "<think>x</think>\n<answer>18</answer>\n", "18"),
        ("tags_uppercase", "<THINK>\nx\n</THINK>\n<ANSWER>\n18\n</ANSWER>\n", "18"),
        ("answer_tag_split_close", formatted("x", "18</answer") , "18"),
        ("empty", "", "18"),
        ("empty_answer", formatted("x", ""), "18"),
        ("empty_answer_empty_reference", formatted("x", ""), ""),
        ("only_answer_tag", "<answer>", "18"),
        ("only_answer_close", "</answer>", "18"),
        # Answer forms.
        ("answer_chinese_words", formatted("x", "十八"), "18"),
        ("answer_chinese_words_reference", formatted("x", "十八"), "十八"),
        ("answer_decimal_zero", formatted("x", "18.0"), "18"),
        ("answer_decimal_zeros", formatted("x", "18.00"), "18"),
        ("answer_decimal_reference_float", formatted("x", "18.0"), 18.0),
        ("answer_int_reference_float", formatted("x", "18"), 18.0),
        ("answer_decimal_fraction", formatted("x", "2.5"), "2.50"),
        ("answer_thousands", formatted("x", "1,000"), "1000"),
        ("answer_thousands_reference", formatted("x", "1000"), "1,000"),
        ("answer_thousands_bad_grouping", formatted("x", "1,00"), "100"),
        ("answer_thousands_millions", formatted("x", "1,080,000"), 1080000),
        ("answer_dollar", formatted("x", "$18"), "18"),
        ("answer_dollar_negative", formatted("x", "-$5"), "-5"),
        ("answer_yuan_suffix", formatted("x", "18元"), "18"),
        ("answer_ge_suffix_space", formatted("x", "18 个"), "18"),
        ("answer_english_unit", formatted("x", "18 apples"), "18"),
        ("answer_fullwidth_yen", formatted("x", "￥18"), "18"),
        ("answer_sentence", formatted("x", "答案是18"), "18"),
        ("answer_expression", formatted("x", "5+13"), "18"),
        ("answer_trailing_period", formatted("x", "18."), "18"),
        ("answer_leading_zero", formatted("x", "018"), "18"),
        ("answer_superscript_two", formatted("x", "²"), "2"),
        ("answer_superscript_two_digits", formatted("x", "1²"), "12"),
        ("answer_fullwidth_three", formatted("x", "３"), "3"),
        ("answer_fullwidth_eighteen", formatted("x", "１８"), "18"),
        ("answer_arabic_indic", formatted("x", "١٨"), "18"),
        ("answer_math_bold_digits", formatted("x", "\U0001d7cf\U0001d7d6"), "18"),
        ("answer_circled_one", formatted("x", "①"), "1"),
        ("answer_negative", formatted("x", "-5"), "-5"),
        ("answer_negative_int_reference", formatted("x", "-5"), -5),
        ("answer_plus_sign", formatted("x", "+5"), "5"),
        ("answer_minus_zero", formatted("x", "-0"), "0"),
        ("answer_unicode_minus", formatted("x", "\u22125"), "-5"),
        ("answer_fraction", formatted("x", "3/4"), "3/4"),
        ("answer_fraction_spaced", formatted("x", " 3/4 "), "3/4"),
        ("answer_reference_padded", formatted("x", "18"), " 18 "),
        ("answer_trailing_spaces", "<think>\nx\n</think>\n<answer>\n18   \n</answer>\n", "18"),
        ("answer_trailing_newlines", "<think>\nx\n</think>\n<answer>\n18\n\n\n</answer>\n", "18"),
        ("answer_crlf", "<think>\r\nx\r\n</think>\r\n<answer>\r\n18\r\n</answer>\r\n", "18"),
        ("answer_nbsp", formatted("x", "\u00a018\u00a0"), "18"),
        ("answer_ideographic_space", formatted("x", "\u300018\u3000"), "18"),
        ("answer_narrow_nbsp", formatted("x", "\u202f18\u205f"), "18"),
        ("answer_zero_width_space", formatted("x", "\u200b18"), "18"),
        ("answer_vertical_tab_form_feed", formatted("x", "\x0b18\x0c"), "18"),
        ("answer_unit_separators", formatted("x", "\x1f\x1e18\x1d\x1c"), "18"),
        ("answer_next_line_char", formatted("x", "\x8518\u2028\u2029"), "18"),
        ("answer_ogham_space", formatted("x", "\u168018\u2000\u200a"), "18"),
        ("answer_digits_with_inner_space", formatted("x", "1 8"), "18"),
        ("answer_big_integer", formatted("x", "123456789012345678901234567890"), "123456789012345678901234567890"),
        ("answer_big_integer_off_by_one", formatted("x", "123456789012345678901234567891"), "123456789012345678901234567890"),
        ("answer_text_reference", formatted("x", "Yes"), "Yes"),
        ("answer_text_reference_case", formatted("x", "yes"), "Yes"),
        ("answer_chinese_text_with_number", "<think>\n一共 18 个\n</think>\n<answer>\n一共18个\n</answer>\n", "18"),
        ("realistic_zh_long", formatted(
            "首先，计算每天的收入：16 - 3 - 4 = 9 个鸡蛋。\n每个鸡蛋 2 美元，所以 9 × 2 = 18 美元。\n因此她每天赚 18 美元。",
            "18"), 18),
        ("realistic_en_long", formatted(
            "Janet's ducks lay 16 eggs per day.\nShe eats 3 and bakes with 4, so 16 - 3 - 4 = 9 remain.\n"
            "She sells them for $2 each: 9 * 2 = $18.", "$18"), 18),
    ]
    adversarial = [
        # Long and pathological inputs for backtracking matchers, stored as recipes.
        ("long_wellformed", {"prefix": "<think>\n", "repeat": "计算一下 5 + 13 = 18。\n", "times": 400,
                             "suffix": "</think>\n<answer>\n18\n</answer>\n"}, "18"),
        ("long_oneline_think", {"prefix": "<think>", "repeat": "step ", "times": 3000,
                                "suffix": "</think><answer>18</answer>"}, "18"),
        ("many_think_closes_no_answer", {"prefix": "<think>", "repeat": "</think>", "times": 3000, "suffix": ""}, "18"),
        ("many_think_close_answer_pairs_newline", {"prefix": "<think>", "repeat": "</think><answer>", "times": 400,
                                                   "suffix": "\n</answer>"}, "18"),
        ("many_think_close_answer_pairs_closed", {"prefix": "<think>", "repeat": "</think><answer>", "times": 400,
                                                  "suffix": "18</answer>"}, "18"),
        ("many_answer_opens", {"prefix": "<think>x</think>", "repeat": "<answer>", "times": 2000,
                               "suffix": "18</answer>"}, "18"),
        ("whitespace_flood", {"prefix": "<think>x</think>", "repeat": " \n\u3000", "times": 3000,
                              "suffix": "<answer>18</answer>"}, "18"),
        ("whitespace_flood_no_answer", {"prefix": "<think>x</think>", "repeat": " \n\t", "times": 3000,
                                        "suffix": "<answ"}, "18"),
        ("hard_n_flood", {"prefix": "<think>\n", "repeat": "n</think>\n", "times": 2000,
                          "suffix": "<answer>\n18\n</answer>\n"}, "18"),
        ("hard_newline_flood", {"prefix": "<think>\n", "repeat": "\n</think>\n<answer>\n", "times": 1000,
                                "suffix": "18\n</answer>"}, "18"),
        ("answer_close_flood", {"prefix": formatted("x", "18", final=""), "repeat": "</answer>", "times": 2000,
                                "suffix": ""}, "18"),
        ("mark_tag_flood", {"prefix": "", "repeat": "<think>\n</think>\n<answer>\n</answer>\n", "times": 500,
                            "suffix": ""}, ""),
        ("digits_flood", {"prefix": "<answer>", "repeat": "9", "times": 3000, "suffix": "</answer>"}, "9" * 3000),
        ("fullwidth_digits_flood", {"prefix": "<answer>", "repeat": "９", "times": 5000, "suffix": ""}, "18"),
        ("thousands_flood", {"prefix": "<answer>1", "repeat": ",000", "times": 1000, "suffix": "</answer>"},
         "1" + "000" * 1000),
    ]
    return cases, adversarial


def expand(recipe):
    return recipe["prefix"] + recipe["repeat"] * recipe["times"] + recipe["suffix"]


def python_unicode_classes():
    def ranges(predicate):
        out, start, prev = [], None, None
        for code in range(0x110000):
            if predicate(chr(code)):
                if start is None:
                    start = code
                elif code != prev + 1:
                    out.append([start, prev])
                    start = code
                prev = code
        out.append([start, prev])
        return out

    whitespace = ranges(str.isspace)
    assert whitespace == ranges(lambda c: re.match(r"\s", c) is not None), "re's \\s differs from str.isspace"
    return {
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "isspace": whitespace,
        "isdigit": ranges(str.isdigit),
    }


TABLE_CASES = [
    "wellformed_zh", "wellformed_no_final_newline", "wellformed_two_final_newlines", "seed_hard_literal_n",
    "oneline", "missing_answer_close", "answer_decimal_zero", "answer_thousands", "answer_dollar",
    "answer_ge_suffix_space", "answer_superscript_two", "answer_fullwidth_three", "answer_negative",
    "answer_decimal_reference_float", "answer_nbsp", "answer_crlf",
]


def markdown_table(records):
    by_id = {r["id"]: r for r in records}
    short = {"mark": "mark", "soft_format": "soft", "hard_format": "hard", "digit": "digit", "correctness": "corr"}
    lines = ["| completion | reference | seed: " + " / ".join(short[n] for n in NAMES) + " | fixed: "
             + " / ".join(short[n] for n in NAMES) + " |", "|---|---|---|---|"]
    for case_id in TABLE_CASES:
        record = by_id[case_id]
        shown = json.dumps(record["completion"], ensure_ascii=False)[1:-1].replace("|", "\\|")
        shown = "".join(f"\\u{ord(c):04x}" if c.isspace() and c != " " else c for c in shown)
        values = [" / ".join(f"{record[mode][n]:g}" for n in NAMES) for mode in ("seed", "fixed")]
        lines.append(f"| `{shown}` | `{json.dumps(record['answer'], ensure_ascii=False)}` | {values[0]} | {values[1]} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", action="store_true", help="print the Markdown table for Docs/rewards.md")
    args = parser.parse_args()

    cases, adversarial = corpus()
    ids = [c[0] for c in cases + adversarial]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    records = []
    for case_id, completion, answer in cases + adversarial:
        text = expand(completion) if isinstance(completion, dict) else completion
        record = {"id": case_id}
        if isinstance(completion, dict):
            record["completion_recipe"] = completion
        else:
            record["completion"] = completion
        record["utf8_bytes"] = len(text.encode("utf-8"))
        record["answer"] = answer
        record["answer_text"] = str(answer)
        record["seed"] = seed_values(text, answer)
        record["fixed"] = FixedRules.all(text, answer)
        records.append(record)

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "cases.json"), "w") as f:
        header = {"generator": "Scripts/make-reward-fixtures.py", "python": sys.version.split()[0],
                  "reward_names": NAMES, "system_prompt": seed_rewards.SYSTEM_PROMPT}
        f.write(json.dumps(header)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(record) for record in records))
        f.write("\n]}\n")
    with open(os.path.join(OUT_DIR, "python_unicode.json"), "w") as f:
        json.dump(python_unicode_classes(), f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(records)} cases to {os.path.relpath(OUT_DIR, ROOT)}", file=sys.stderr)
    if args.table:
        print(markdown_table(records))


if __name__ == "__main__":
    main()
