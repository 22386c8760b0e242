"""Event delivery beyond one process: the outbox relay, Kafka, and the consumers of events."""
