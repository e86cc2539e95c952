"""The warm pool: long-lived Spark drivers that run one script at a time."""
