#!/usr/bin/env python3
"""Converts a Hugging Face hub data set or a parquet file to JSON Lines for `grpo`.

The hub stores most data sets as parquet; grpo reads JSON Lines and JSON arrays. One row per
line is written with the columns as they are (numbers stay numbers, so a float answer 18.0
stays 18.0 and the seed-compatible rewards compare against "18.0", as the seed would).

    # a hub data set (needs `pip install datasets`); --config for data sets with several
    python3 Scripts/convert-dataset.py swulling/gsm8k_chinese --split train -o data/gsm8k_chinese-train.jsonl
    python3 Scripts/convert-dataset.py openai/gsm8k --config main --split test -o data/gsm8k-test.jsonl

    # a local parquet file (needs `pip install pyarrow`)
    python3 Scripts/convert-dataset.py train-00000-of-00001.parquet -o data/train.jsonl

    # then check it
    grpo data --file data/gsm8k_chinese-train.jsonl --preset gsm8k_chinese

Options: --columns a,b keeps only those columns; --limit N writes the first N rows.

`convert-dataset.py fixtures` writes the Datasets tests' reference file instead,
Tests/Fixtures/datasets/python_reference.json: what Python reads from the shared GSM8K copy
(../shared/data/gsm8k, row counts and final answers by OpenAI's grader convention: the text
after "#### ", thousands separators dropped) and `str()` of JSON number literals as Python's
json module parses them. Only the standard library is needed for that.
"""
import argparse
import base64
import datetime
import decimal
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plain(value):
    """A JSON-serialisable form of what pyarrow or datasets hand back."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def rows_from_parquet(path):
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches():
        yield from batch.to_pylist()


def rows_from_hub(name, config, split):
    from datasets import load_dataset

    return load_dataset(name, config, split=split)


def convert(args):
    if args.source.endswith(".parquet") and os.path.exists(args.source):
        rows = rows_from_parquet(args.source)
    else:
        rows = rows_from_hub(args.source, args.config, args.split)
    columns = args.columns.split(",") if args.columns else None
    out = open(args.output, "w", encoding="utf-8") if args.output != "-" else sys.stdout
    written = 0
    for row in rows:
        if args.limit is not None and written >= args.limit:
            break
        if columns:
            missing = [c for c in columns if c not in row]
            if missing:
                sys.exit(f"column(s) {', '.join(missing)} not in the data set; it has {', '.join(row)}")
            row = {c: row[c] for c in columns}
        out.write(json.dumps(plain(row), ensure_ascii=False, allow_nan=False) + "\n")
        written += 1
    if out is not sys.stdout:
        out.close()
    print(f"wrote {written} rows to {args.output}", file=sys.stderr)


GSM8K_ANSWER = re.compile(r"#### (\-?[0-9\.\,]+)")


def gsm8k_final_answer(solution):
    """OpenAI grade-school-math's extract_answer: the number after '#### ', commas removed."""
    match = GSM8K_ANSWER.search(solution)
    return match.group(1).strip().replace(",", "")


def write_fixtures():
    shared = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "gsm8k"))
    reference = {"generator": "Scripts/convert-dataset.py fixtures", "gsm8k": {}}
    for split in ("train", "test"):
        with open(os.path.join(shared, f"{split}.jsonl"), encoding="utf-8") as f:
            answers = [gsm8k_final_answer(json.loads(line)["answer"]) for line in f if line.strip()]
        with_commas = []
        with open(os.path.join(shared, f"{split}.jsonl"), encoding="utf-8") as f:
            for index, line in enumerate(f):
                if "," in json.loads(line)["answer"].rsplit("####", 1)[1]:
                    with_commas.append(index)
        negatives = [i for i, a in enumerate(answers) if a.startswith("-")]
        samples = sorted(set([0, 1, 2, len(answers) - 1] + with_commas[:4] + negatives[:2]))
        reference["gsm8k"][split] = {
            "rows": len(answers),
            "answers": {str(i): answers[i] for i in samples},
            "sum_of_answers": sum(int(a) for a in answers),
            "answers_written_with_commas": len(with_commas),
        }
    literals = ["72", "-5", "0", "-0", "123456789012345678901234567890", "72.0", "18.5", "-0.0", "2.50",
                "1e3", "1E3", "1.5e+20", "1e16", "1e15", "123456789012345678.0", "0.0001", "0.00001",
                "1.25e-7", "3.141592653589793", "0.1", "100.0", "1e308", "1e400", "-1e400", "5e-324"]
    reference["python_str_of_json_numbers"] = {literal: str(json.loads(literal)) for literal in literals}
    path = os.path.join(ROOT, "Tests", "Fixtures", "datasets", "python_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)


def main():
    if sys.argv[1:2] == ["fixtures"]:
        write_fixtures()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", help="hub data set name (owner/name) or a .parquet file")
    parser.add_argument("--config", default=None, help="hub data set configuration (e.g. 'main' for openai/gsm8k)")
    parser.add_argument("--split", default="train")
    parser.add_argument("-o", "--output", default="-", help="JSONL file to write ('-': standard output)")
    parser.add_argument("--columns", help="comma-separated columns to keep")
    parser.add_argument("--limit", type=int, help="write at most this many rows")
    convert(parser.parse_args())


if __name__ == "__main__":
    main()
