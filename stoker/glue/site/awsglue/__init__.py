"""awsglue: stoker's clean-room implementation of AWS Glue's script library.

Glue Studio's scripts say ``from awsglue import DynamicFrame``; the package exports it.
"""

from stoker.glue.dynamicframe import DynamicFrame

__all__ = ["DynamicFrame"]
