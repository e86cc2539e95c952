"""Schedule expressions: AWS cron, crontab and rate() parsed, and their fire times searched."""
