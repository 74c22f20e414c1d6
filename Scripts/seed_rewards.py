"""The seed recipe's five rule-based reward functions, as the seed defines them.

The seed trains Qwen2.5-0.5B-Instruct with TRL's GRPOTrainer on swulling/gsm8k_chinese
(`question_zh-cn` as the user turn under SYSTEM_PROMPT, `answer_only` as the reference) and passes
`reward_funcs=[mark_reward, soft_format_reward, hard_format_reward, digit_reward,
correctness_reward]`, each weighted 1.0. TRL calls every function with the batch's completions in
conversational form (`completions[i][0]["content"]` is the decoded text, special tokens skipped)
and the data set's other columns as keyword arguments (`answer`).

Everything that decides a value is kept as the seed has it, quirks included (they are what
`compat: seed` reproduces and what Docs/rewards.md lists):
  * `re.match`, not `re.fullmatch` or `re.search`: anchored at the start only;
  * no `re.DOTALL`: `.` stops at "\n", so a multi-line think block never earns soft_format;
  * the hard pattern's `.*?n</think>`, a literal "n" where "\n" was meant, and Python's `$`,
    which also matches just before one final newline;
  * `str.isdigit()` (Unicode digits such as "²" and "３" count, "-5" and "18.0" do not);
  * `str.strip()` with Python's whitespace set; exact equality with `str(answer)`.
The only line left out is correctness_reward's diagnostic print of the first prompt, which has
no effect on any value.

Scripts/make-reward-fixtures.py imports this module to produce the seed-mode expectations.
"""
import re

SYSTEM_PROMPT = """
按照如下格式回答问题：
<think>
你的思考过程
</think>
<answer>
你的回答
</answer>
"""


def extract_answer(text):
    answer = text.split("<answer>")[-1]
    answer = answer.split("</answer>")[0]
    return answer.strip()


def mark_num(text):
    reward = 0
    if text.count("<think>\n") == 1:
        reward += 0.125
    if text.count("</think>\n") == 1:
        reward += 0.125
    if text.count("<answer>\n") == 1:
        reward += 0.125
    if text.count("</answer>\n") == 1:
        reward += 0.125
    return reward


def correctness_reward(prompts, completions, answer, **kwargs):
    responses = [completion[0]["content"] for completion in completions]
    extracted_responses = [extract_answer(r) for r in responses]
    return [2.0 if response == str(ans) else 0.0 for response, ans in zip(extracted_responses, answer)]


def digit_reward(completions, **kwargs):
    responses = [completion[0]["content"] for completion in completions]
    extracted_responses = [extract_answer(r) for r in responses]
    return [0.5 if response.isdigit() else 0.0 for response in extracted_responses]


def hard_format_reward(completions, **kwargs):
    pattern = r"^<think>\n.*?n</think>\n<answer>\n.*?\n</answer>\n$"
    responses = [completion[0]["content"] for completion in completions]
    matches = [re.match(pattern, response) for response in responses]
    return [0.5 if match else 0.0 for match in matches]


def soft_format_reward(completions, **kwargs):
    pattern = r"<think>.*?</think>\s*<answer>.*?</answer>"
    responses = [completion[0]["content"] for completion in completions]
    matches = [re.match(pattern, response) for response in responses]
    return [0.5 if match else 0.0 for match in matches]


def mark_reward(completions, **kwargs):
    responses = [completion[0]["content"] for completion in completions]
    return [mark_num(response) for response in responses]


# The order and names the seed hands to GRPOTrainer, under the names this project logs them by.
SEED_REWARDS = [
    ("mark", mark_reward),
    ("soft_format", soft_format_reward),
    ("hard_format", hard_format_reward),
    ("digit", digit_reward),
    ("correctness", correctness_reward),
]
