"""Events leaving stoker: outbox reads now; the Kafka relay comes with the Kafka issue."""
