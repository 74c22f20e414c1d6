/// The learner's append-only rollout log.
enum RolloutLogModule {}
