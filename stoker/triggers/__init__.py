"""Triggers: schedules (cron/), the trigger service, APScheduler timers, Kafka event triggers."""
