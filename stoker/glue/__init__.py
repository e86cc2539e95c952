"""The clean-room Glue script runtime: what ``import awsglue`` resolves to inside a run.

Written from Glue's public documentation and observed behaviour only. The implementation
lives here; ``site/`` holds the thin ``awsglue`` and ``awsgluedq`` packages that runs (and
the ``stoker[glue]`` opt-in) put on ``sys.path``, so a real ``awsglue`` a user installed is
never shadowed outside a run. Runs inside drivers: it imports nothing of the daemon.
"""
