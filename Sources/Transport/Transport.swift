/// ZeroMQ sockets for the learner and the rollout workers.
enum TransportModule {}
