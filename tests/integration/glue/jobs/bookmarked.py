import json
import os
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "out", "fail", "commit"])
sc = SparkContext()
glueContext = GlueContext(sc)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

datasource0 = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input"]]},
    format="csv",
    format_options={"withHeader": True},
    transformation_ctx="datasource0",
)
names = sorted({r[0].split("/")[-1] for r in
                datasource0.toDF().select(F.input_file_name()).collect()})
with open(f"{args['out']}/{args['JOB_RUN_ID']}.json", "w") as out:
    json.dump({"files": names, "pid": os.getpid()}, out)
marker = f"{args['out']}/failed-once"
if args["fail"] == "once" and not os.path.exists(marker):
    open(marker, "w").close()
    raise RuntimeError("failing after reading, on purpose (once)")
if args["commit"] == "yes":
    job.commit()
sc.stop()
