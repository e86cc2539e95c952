"""Events leaving stoker: the outbox relay to Kafka, the Kafka clients, the outbox read API."""
