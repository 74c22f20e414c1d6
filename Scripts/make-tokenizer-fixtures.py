#!/usr/bin/env python3
"""Writes the reference fixtures the Tokenization tests compare against.

Tests/Fixtures/tokenizer/
  encoding.jsonl         one line per corpus string: its token ids under
                           "qwen"      ../shared/tokenizers/qwen2.5/tokenizer.json as it is (normalizer null);
                                       the Qwen2.5-Coder GGUF's vocabulary, merges and token types are the
                                       same (checked below), so this column is also the GGUF reference
                           "qwen_nfc"  the same file with "normalizer": {"type": "NFC"}, as upstream
                                       Qwen/Qwen2.5-0.5B-Instruct ships it (written to a temp file)
                           "smollm2"   SmolLM2-135M-Instruct, from a tokenizer.json rebuilt from its GGUF
                                       metadata (see smollm2_tokenizer_json for why not transformers' loader)
                         and, for strings with special tokens, "qwen_skip_special": HF's decode of the
                         "qwen" ids with skip_special_tokens=True
  pretokenization.jsonl  the pieces HF's Split / Digits pre-tokenizers cut a string into, for the Qwen2,
                         Llama-3 and GPT-2 patterns and SmolLM2's Digits + GPT-2 sequence
  decoding.jsonl         slices of token ids (often cutting a character's UTF-8 bytes) and HF's decode
  chat_templates.json    the real template strings and transformers' apply_chat_template renderings
  special_tokens.json    bos/eos/pad ids and the vocabulary size as transformers reports them
  added_token_flags.json extra added tokens with lstrip / rstrip / single_word / normalized set, and
                         the ids the shared tokenizer.json gives with them and an NFC normalizer
  unicode_classes.json   the code points \p{L}, \p{N} and \s match in tokenizers' regex engine, as ranges

Reference outputs come only from Hugging Face `tokenizers`, transformers and jinja2.

    python3 Scripts/make-tokenizer-fixtures.py [--qwen-gguf PATH] [--smollm-gguf PATH]

The GGUF paths default to $GRPO_MODELS_DIR (./models) with the names Scripts/fetch-model.sh uses.
The Swift tests read the real GGUF files' metadata directly when they are fetched.
"""
import argparse
import json
import os
import random
import sys
import tempfile

import gguf
from tokenizers import Regex, Tokenizer, pre_tokenizers
from transformers import AutoTokenizer

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
QWEN_DIR = os.path.join(SHARED, "tokenizers", "qwen2.5")
GSM8K = os.path.join(SHARED, "data", "gsm8k")
OUT = os.path.join(REPO, "Tests", "Fixtures", "tokenizer")

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                  r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
# The pattern tokenizers' ByteLevel pre-tokenizer applies when use_regex is true.
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

GRPO_SYSTEM_PROMPT = "\n按照如下格式回答问题：\n<think>\n你的思考过程\n</think>\n<answer>\n你的回答\n</answer>\n"

HANDWRITTEN = [
    "", "Hello world", "Hello, world!", "  leading spaces", "trailing spaces   ",
    "multiple   spaces   between", "tabs\tand\t\ttabs", "\t\t\tindented with tabs",
    "line1\nline2\n\nline4\n\n\n", "windows\r\nline\r\nendings\r\n", "mixed \r\n\t \n  x",
    "   \n\n  x", " ", "   ", "\n", "\n\n\n", "\r", " \t \n \t ", "x" + " " * 50 + "y", "\n" * 20,
    # contractions, including the case-insensitive forms and Unicode case folds (ſ, Kelvin sign)
    "don't", "I'M", "it's", "We'll", "they've", "you're", "He'd", "DON'T STOP", "I'Ll 'Ve",
    "'s'S'ſ", "'ſt", "K'K", "\u212a's", "rock'n'roll", "I 'm here", "o'clock", "''", "'", "'hello",
    "it’s curly", "'sa 'tis 'res 'vex 'mm 'lll 'dd",
    # Chinese, Japanese, Korean and other scripts
    "你好，世界！", "我爱北京天安门。", "中文English混合123", GRPO_SYSTEM_PROMPT,
    "小明有5个苹果，他吃了2个，还剩几个？答：5-2=3，还剩3个。",
    "人工智能（AI）是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。",
    "日本語のテキスト、カタカナとひらがな。", "한국어 텍스트입니다.", "Привет, мир! Как дела?",
    "Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "कित",
    "Hello 世界 Привет 🌍 مرحبا", "iPhone15Pro", "camelCaseWord snake_case_word",
    # code
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "class Foo:\n\tdef bar(self):\n\t\treturn {'a': [1, 2, 3]}  # comment\n\n\nprint(Foo().bar())\n",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\nprint(f\"{x.shape=}\")\n",
    "struct Point {\n    var x: Double\n    var y: Double\n}\n\nlet doubled = [1, 2, 3].map { $0 * 2 }\n",
    "func greet(_ name: String) -> String {\n\treturn \"Hello, \\(name)!\"\n}\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "if (a && b || !c) { x->y = z[i++]; }", "<html><body><p class=\"x\">Hi</p></body></html>",
    "**bold** _italic_ `code` [link](http://example.com/path?q=1&r=2)", "--- ___ *** ===",
    "email@example.com", "C:\\Users\\name\\file.txt", "a_b-c.d/e:f;g", "=" * 80,
    # emoji, ZWJ sequences, flags, modifiers
    "😀", "👩‍💻", "👨‍👩‍👧‍👦 family", "🇺🇸🇫🇷🇯🇵", "👍🏽 ok", "❤️", "a😀b", "😀" * 12, "🤔💭 thinking...",
    # special tokens written in text
    "<|im_start|>user\nHi<|im_end|>\n", "text<|endoftext|>more", "<|im_start|><|im_end|>",
    "<|im_start", "< |im_end|>", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
    " <|im_end|> spaced ", "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>", "<|IM_END|>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<think>\nreasoning\n</think>\n<answer>\n42\n</answer>", "abc<|endoftext|>", "<|endoftext|><|endoftext|>",
    # combining characters: NFC composes, reorders marks, and maps singletons
    "e\u0301", "\u00e9", "cafe\u0301 vs caf\u00e9", "A\u030a and \u212b", "\u2126hm", "n\u0303o",
    "q\u0307\u0323", "\u1e0b\u0323", "\u1100\u1161\u11a8", "e\u0301t\u0301", "a\u0308\u0304",
    "Zalgo: Z\u0351\u036b\u0343a\u0310\u0302l\u0352g\u0350o", "\u0915\u093c", "\u00c5\u0300",
    # numbers
    "12345", "3.14159", "1,000,000", "-42", "1e10", "0x1F", "x²+y³", "½ cup", "Ⅻ", "١٢٣",
    "１２３ fullwidth", "$12.50", "50%", "2024-01-15 12:30:45", "𝟙𝟚𝟛", "123abc456",
    "The answer is 1234567890.", " 7", "a 1 22 333 4444",
    # unusual whitespace and invisible characters
    "a\u00a0b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u0085b", "a\u200bb", "a\u202fb",
    "a\u2000\u2001b", "a\u180eb", "\u00a0\u00a0x", "x\u3000\u3000", "\u1680x", "\ufeffBOM",
    "a\u000bb\u000cc", "a\u001cb", "soft\u00adhyphen", "a\u00a0\u00a0b", "a  \u3000b",
    "x\u2028\u2028y", "x\u0085\u0085y", "\u3000\u3000全角空格", "a\u200db",
    # control and private-use characters, astral letters
    "\u0000", "a\u0007b", "\u007f", "\ue000\ue001", "𝐀𝐁𝐂 bold", "𐍈 gothic",
    # long words exercise the merge queue
    "a" * 300, "supercalifragilisticexpialidocious" * 5, "ab" * 150,
    "GSM8K style: <<48/2=24>>24 clips\n#### 72",
]


def gsm8k_strings():
    """A deterministic spread of GSM8K questions and answers (strings only; nothing is copied)."""
    out = []
    with open(os.path.join(GSM8K, "train.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    for row in rows[::75][:100]:
        out += [row["question"], row["answer"]]
    with open(os.path.join(GSM8K, "test.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    for row in rows[::130][:10]:
        out += [row["question"], row["answer"]]
    return out


def gguf_fields(path):
    reader = gguf.GGUFReader(path)
    return {k: f.contents() for k, f in reader.fields.items() if k.startswith("tokenizer.")}


def smollm2_tokenizer_json(meta):
    """A tokenizer.json for SmolLM2 rebuilt from its GGUF metadata.

    transformers' GGUF loader (AutoTokenizer.from_pretrained(dir, gguf_file=...)) ignores
    tokenizer.ggml.pre and gives every gpt2-model GGUF a plain ByteLevel pre-tokenizer. SmolLM2's
    own tokenizer.json, and llama.cpp for pre "smollm", first isolate every digit (Digits with
    individual_digits) and then apply the GPT-2 pattern; that is what is rebuilt here. main()
    reports how many corpus strings the two disagree on.
    """
    tokens, types = meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"]
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": ty == 3}
             for i, (t, ty) in enumerate(zip(tokens, types)) if ty in (3, 4)]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": {t: i for i, t in enumerate(tokens)},
                  "merges": meta["tokenizer.ggml.merges"]},
    }


def check_qwen_gguf_matches_shared(meta, shared_json):
    vocab = shared_json["model"]["vocab"]
    tokens = meta["tokenizer.ggml.tokens"]
    assert all(vocab[t] == i for i, t in enumerate(tokens)), "GGUF tokens differ from tokenizer.json"
    merges = [" ".join(m) if isinstance(m, list) else m for m in shared_json["model"]["merges"]]
    assert merges == list(meta["tokenizer.ggml.merges"]), "GGUF merges differ from tokenizer.json"
    types = meta["tokenizer.ggml.token_type"]
    for tok in shared_json["added_tokens"]:
        assert types[tok["id"]] == (3 if tok["special"] else 4), tok


def load_from_json(obj):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(obj, f, ensure_ascii=False)
    try:
        return Tokenizer.from_file(f.name)
    finally:
        os.unlink(f.name)


def pieces(pre_tokenizer, text):
    return [p for p, _ in pre_tokenizer.pre_tokenize_str(text)]


def unicode_classes():
    """Which code points tokenizers' regex engine (Oniguruma) counts as \\p{L}, \\p{N} and \\s.

    Split with behavior "removed" returns the runs of code points a class does not match; the
    class is the complement. Surrogates cannot appear in text and are left out.
    """
    code_points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(map(chr, code_points))
    classes = {}
    for name, pattern in [("letter", r"\p{L}"), ("number", r"\p{N}"), ("whitespace", r"\s")]:
        outside = bytearray(0x110000)
        for _, (start, end) in pre_tokenizers.Split(Regex(pattern), behavior="removed").pre_tokenize_str(text):
            for i in range(start, end):
                outside[code_points[i]] = 1
        ranges = []
        for c in code_points:
            if not outside[c]:
                if ranges and ranges[-1][1] == c - 1:
                    ranges[-1][1] = c
                else:
                    ranges.append([c, c])
        classes[name] = ranges
    return classes


def chat_fixture(qwen_config_template, coder_template, smollm_template):
    """Renders conversations with transformers' own apply_chat_template for each real template."""
    tok = AutoTokenizer.from_pretrained(QWEN_DIR)
    question = "Natalia sold clips to 48 of her friends in April, and then she sold half as many " \
               "clips in May. How many clips did Natalia sell altogether in April and May?"
    S, U, A = "system", "user", "assistant"
    cases = [
        ("user only", [(U, "What is 2+2?")], True),
        ("system and user", [(S, "You are a math tutor."), (U, "What is 2+2?")], True),
        ("multi-turn with system", [(S, "Be brief."), (U, "Hi!"), (A, "Hello! How can I help?"),
                                    (U, "Tell me a joke.")], True),
        ("multi-turn without system", [(U, "Hi!"), (A, "Hello!"), (U, "Bye.")], True),
        ("chinese", [(S, "你是一个乐于助人的助手。"), (U, "请用中文解释什么是机器学习？")], True),
        ("grpo system prompt", [(S, GRPO_SYSTEM_PROMPT), (U, question)], True),
        ("grpo without generation prompt", [(S, GRPO_SYSTEM_PROMPT), (U, question),
                                            (A, "<think>\n48/2=24, 48+24=72\n</think>\n<answer>\n72\n</answer>")], False),
        ("empty assistant turn", [(U, "Say nothing."), (A, ""), (U, "Now say hi.")], True),
        ("system not first", [(U, "First."), (S, "Late system note."), (U, "Second.")], True),
        ("content with markup and spaces", [(U, "  <b>spaced</b>\n\n\tcode:\n    x = 1  ")], True),
        ("empty system prompt", [(S, ""), (U, "Hi")], True),
        ("no messages", [], True),
    ]
    templates = {
        "qwen2.5": qwen_config_template,
        "qwen2.5-coder": {"source": "tokenizer.chat_template of the Qwen2.5-Coder-0.5B-Instruct GGUF",
                          "template": coder_template},
        "smollm2": {"source": "tokenizer.chat_template of the SmolLM2-135M-Instruct GGUF",
                    "template": smollm_template},
    }
    # A Qwen2.5 template whose default system prompt differs (as in the Qwen2.5 base models).
    base_prompt = "You are a helpful assistant."
    templates["qwen2.5-other-default"] = {
        "source": "the Qwen2.5 template with its default system prompt replaced by " + repr(base_prompt),
        "template": coder_template.replace("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
                                           base_prompt)}
    out_cases = []
    for name, msgs, gen in cases:
        messages = [{"role": r, "content": c} for r, c in msgs]
        rendered = {}
        for family, t in templates.items():
            try:
                rendered[family] = tok.apply_chat_template(messages, chat_template=t["template"],
                                                           tokenize=False, add_generation_prompt=gen)
            except Exception as e:  # e.g. messages[0] on an empty conversation
                rendered[family] = {"error": type(e).__name__}
        out_cases.append({"name": name, "messages": messages, "add_generation_prompt": gen,
                          "rendered": rendered})
    return {"templates": templates, "cases": out_cases}


def qwen_template_from_config(coder_template):
    """The chat template next to the shared tokenizer.json, or the Coder GGUF's when it has none.

    The shared tokenizer_config.json was converted from the Coder GGUF and carries no template;
    upstream Qwen2.5-Instruct's tokenizer_config.json template is byte-identical to the Coder's.
    """
    with open(os.path.join(QWEN_DIR, "tokenizer_config.json")) as f:
        config = json.load(f)
    if isinstance(config.get("chat_template"), str):
        return {"source": "../shared/tokenizers/qwen2.5/tokenizer_config.json",
                "template": config["chat_template"]}
    jinja = os.path.join(QWEN_DIR, "chat_template.jinja")
    if os.path.exists(jinja):
        with open(jinja) as f:
            return {"source": "../shared/tokenizers/qwen2.5/chat_template.jinja", "template": f.read()}
    print("note: the shared tokenizer_config.json has no chat_template; using the Coder GGUF's "
          "(upstream Qwen2.5-Instruct's is the same text)", file=sys.stderr)
    return {"source": "tokenizer.chat_template of the Qwen2.5-Coder GGUF (the shared "
                      "tokenizer_config.json has none; upstream Qwen2.5-Instruct's is identical)",
            "template": coder_template}


EXTRA_ADDED_TOKENS = [
    {"id": 151936, "content": "<mask>", "single_word": True, "lstrip": True, "rstrip": True,
     "normalized": False, "special": True},
    {"id": 151937, "content": "caf\u00e9", "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": True, "special": False},
    {"id": 151938, "content": "[SEP]", "single_word": False, "lstrip": False, "rstrip": True,
     "normalized": False, "special": True},
    {"id": 151939, "content": "##", "single_word": False, "lstrip": True, "rstrip": False,
     "normalized": False, "special": False},
]

ADDED_TOKEN_TEXTS = [
    "Hi <mask> there", "Hi\t<mask>\tthere", "A<mask> B", "<mask>ony", "x <mask>, y",
    "a\u3000<mask>\u2000b", "  <mask>  <mask>  ", "<mask><mask>", "the end <mask>", "_<mask>_",
    "caf\u00e9 and cafe\u0301 <|im_end|>", "decafe\u0301inated", "CAF\u00c9",
    "[SEP]   next", "[SEP]\n\nline", "a   ## b", "##start", "x##y##", "<|im_start|> [SEP] ## <mask>",
]


def added_token_fixture(shared_json):
    variant = dict(shared_json, normalizer={"type": "NFC"},
                   added_tokens=shared_json["added_tokens"] + EXTRA_ADDED_TOKENS)
    tok = load_from_json(variant)
    cases = []
    for text in ADDED_TOKEN_TEXTS:
        ids = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "ids": ids, "skip_special": tok.decode(ids, skip_special_tokens=True)})
    # Ids come from loading, not from the file: "##" is already in the vocabulary, so
    # tokenizers keeps its vocabulary id (565) and only warns about the listed one.
    ids = {t["content"]: tok.token_to_id(t["content"]) for t in EXTRA_ADDED_TOKENS}
    return {"normalizer": {"type": "NFC"}, "added_tokens": EXTRA_ADDED_TOKENS, "cases": cases,
            "ids": ids, "vocab_size": tok.get_vocab_size(with_added_tokens=True)}


def write_jsonl(name, rows):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} lines, {os.path.getsize(path) / 1024:.0f} KiB", file=sys.stderr)


def main():
    models = os.environ.get("GRPO_MODELS_DIR", os.path.join(REPO, "models"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--qwen-gguf", default=os.path.join(models, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
    ap.add_argument("--smollm-gguf", default=os.path.join(models, "smollm2-135m-instruct-q4_1.gguf"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    with open(os.path.join(QWEN_DIR, "tokenizer.json")) as f:
        shared_json = json.load(f)
    qwen_meta, smol_meta = gguf_fields(args.qwen_gguf), gguf_fields(args.smollm_gguf)
    check_qwen_gguf_matches_shared(qwen_meta, shared_json)

    qwen = Tokenizer.from_file(os.path.join(QWEN_DIR, "tokenizer.json"))
    qwen_nfc = load_from_json(dict(shared_json, normalizer={"type": "NFC"}))
    smollm = load_from_json(smollm2_tokenizer_json(smol_meta))
    smollm_transformers = AutoTokenizer.from_pretrained(
        os.path.dirname(os.path.abspath(args.smollm_gguf)), gguf_file=os.path.basename(args.smollm_gguf))

    chat = chat_fixture(qwen_template_from_config(qwen_meta["tokenizer.chat_template"]),
                        qwen_meta["tokenizer.chat_template"], smol_meta["tokenizer.chat_template"])
    rendered_prompts = [r for case in chat["cases"] for r in case["rendered"].values() if isinstance(r, str)]
    corpus = list(dict.fromkeys(HANDWRITTEN + rendered_prompts[:12] + gsm8k_strings()))

    specials = {t["content"] for t in shared_json["added_tokens"] if t["special"]}
    rows, disagreements = [], 0
    for text in corpus:
        ids = qwen.encode(text, add_special_tokens=False).ids
        assert qwen.decode(ids, skip_special_tokens=False) == text, text
        row = {"text": text, "qwen": ids,
               "qwen_nfc": qwen_nfc.encode(text, add_special_tokens=False).ids,
               "smollm2": smollm.encode(text, add_special_tokens=False).ids}
        if any(s in text for s in specials):
            row["qwen_skip_special"] = qwen.decode(ids, skip_special_tokens=True)
        disagreements += row["smollm2"] != smollm_transformers.encode(text, add_special_tokens=False)
        rows.append(row)
    print(f"SmolLM2: transformers' GGUF loader disagrees with the rebuilt tokenizer on "
          f"{disagreements} of {len(rows)} strings", file=sys.stderr)
    write_jsonl("encoding.jsonl", rows)

    splitters = {
        "qwen2": pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"),
        "llama3": pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
        "gpt2": pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated"),
        "smollm": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                           pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated")]),
    }
    write_jsonl("pretokenization.jsonl",
                [dict(text=t, **{k: pieces(s, t) for k, s in splitters.items()}) for t in HANDWRITTEN])

    rng = random.Random(7)
    decoding = []
    for row in rows[:len(HANDWRITTEN)]:
        ids = row["qwen"]
        if len(ids) < 2:
            continue
        start = rng.randrange(len(ids))
        piece = ids[start:start + rng.randrange(1, 6)]
        decoding.append({"ids": piece, "text": qwen.decode(piece, skip_special_tokens=False),
                         "skip_special": qwen.decode(piece, skip_special_tokens=True)})
    write_jsonl("decoding.jsonl", decoding)

    with open(os.path.join(OUT, "chat_templates.json"), "w") as f:
        json.dump(chat, f, ensure_ascii=False, indent=1)

    with open(os.path.join(OUT, "added_token_flags.json"), "w") as f:
        json.dump(added_token_fixture(shared_json), f, ensure_ascii=False, indent=1)

    with open(os.path.join(OUT, "unicode_classes.json"), "w") as f:
        json.dump(unicode_classes(), f, separators=(",", ":"))

    qwen_tf = AutoTokenizer.from_pretrained(QWEN_DIR)
    special = {
        "qwen2.5": {"bos": qwen_tf.bos_token_id, "eos": qwen_tf.eos_token_id, "pad": qwen_tf.pad_token_id,
                    "vocab_size": qwen.get_vocab_size(with_added_tokens=True)},
        "smollm2": {"bos": smollm_transformers.bos_token_id, "eos": smollm_transformers.eos_token_id,
                    "pad": smollm_transformers.pad_token_id,
                    "vocab_size": smollm.get_vocab_size(with_added_tokens=True)},
    }
    with open(os.path.join(OUT, "special_tokens.json"), "w") as f:
        json.dump(special, f, indent=1)


if __name__ == "__main__":
    main()
