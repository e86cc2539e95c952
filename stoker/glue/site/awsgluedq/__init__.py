"""stoker's clean-room ``awsgluedq`` (Glue Data Quality's transforms)."""
