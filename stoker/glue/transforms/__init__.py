"""Glue's transforms: the frame operations (one module each) and the ``awsglue.transforms`` classes.

The operations work on Spark DataFrames; ``stoker.glue.dynamicframe`` wraps them as Glue's
DynamicFrame methods and ``classes`` as Glue's ``GlueTransform`` classes.
"""
