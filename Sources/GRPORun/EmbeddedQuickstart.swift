/// The configuration `learner` and `rollout-worker` run with when given no `--config`:
/// Configs/quickstart.yaml, embedded so that the quickstart needs no file (a test keeps the two
/// identical).
extension RunConfiguration {
    public static let quickstartYAML = #"""
# CPU-friendly GRPO on the built-in arithmetic set with the default fetched model
# (Scripts/fetch-model.sh: Qwen2.5-Coder-0.5B-Instruct, Q4_K_M): groups of 8 short
# completions, 4 prompts per step. The format is asked for in the user turn; the format
# rewards rise first, then correctness.
#
#   grpo train --config Configs/quickstart.yaml
model: models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
seed: 0

lora:
  rank: 16
  alpha: 32

data:
  generator:
    count: 2000
    max_operations: 2
    languages: [en]

prompt:
  system_prompt: null          # the chat template's default system turn
  user_template: |-
    {question}
    Reply in exactly this format, nothing else:
    <think>
    brief reasoning
    </think>
    <answer>
    number
    </answer>
  max_prompt_length: 256

rewards:
  compat: fixed

generation:
  group_size: 8
  max_completion_length: 64
  temperature: 0.9

grpo:
  loss_type: grpo
  beta: 0.0                    # no reference forward (TRL's current default); the seed's recipe uses 0.04
  epsilon: 0.2

optimizer:
  learning_rate: 5.0e-5
  lr_scheduler_type: constant
  warmup_ratio: 0.0
  max_grad_norm: 0.1

training:
  prompts_per_step: 4
  micro_batch_size: 8
  max_steps: 50
  save_steps: 20
  sample_steps: 10
  output_dir: runs/quickstart

"""#

    /// The embedded quickstart, with `overrides` applied.
    public static func quickstart(overrides: [String] = []) throws -> RunConfiguration {
        try ConfigurationLoader.decode(RunConfiguration.self, yaml: quickstartYAML, path: "(embedded quickstart)",
                                       defaults: RunConfiguration(model: ""), overrides: overrides)
    }
}
