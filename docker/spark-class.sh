#!/bin/sh
# pyspark's bin/spark-class, found as scripts/spark.sh finds it (the pyspark wheel has no sbin
# scripts): docker/compose.yaml starts the Spark master and worker with it, in the foreground.
#   docker/spark-class.sh org.apache.spark.deploy.master.Master --host spark-master ...
# $SPARK_CLASS_PYTHON is the Python with pyspark (default: python, the image's venv on PATH).
set -eu
home=$("${SPARK_CLASS_PYTHON:-python}" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
exec "$home/bin/spark-class" "$@"
