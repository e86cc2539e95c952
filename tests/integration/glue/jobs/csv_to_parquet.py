import sys

from awsglue import DynamicFrame
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source_path", "target_path"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

# Script generated for node Amazon S3
AmazonS3_node1 = glueContext.create_dynamic_frame.from_options(
    format_options={"quoteChar": '"', "withHeader": True, "separator": ","},
    connection_type="s3",
    format="csv",
    connection_options={"paths": [args["source_path"]], "recurse": True},
    transformation_ctx="AmazonS3_node1",
)

orders = AmazonS3_node1.toDF()
big = (
    orders.withColumn("amount", F.col("amount").cast("double"))
    .where(F.col("amount") >= 10)
    .withColumn("region", F.upper(F.col("region")))
    .select("order_id", "region", "amount")
)
Filtered_node2 = DynamicFrame.fromDF(big, glueContext, "Filtered_node2")

# Script generated for node Amazon S3
AmazonS3_node3 = glueContext.write_dynamic_frame.from_options(
    frame=Filtered_node2,
    connection_type="s3",
    format="glueparquet",
    connection_options={"path": args["target_path"], "partitionKeys": ["region"]},
    format_options={"compression": "snappy"},
    transformation_ctx="AmazonS3_node3",
)

job.commit()
