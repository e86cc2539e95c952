import sys

from awsglue import DynamicFrame
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source_path", "customers_table", "target_table"])
spark = SparkSession.builder.getOrCreate()
glueContext = GlueContext(spark.sparkContext, minPartitions=1, targetPartitions=2)
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

customers = glueContext.create_dynamic_frame.from_options(
    connection_type="postgresql",
    connection_options={
        "connectionName": "warehouse",
        "useConnectionProperties": "true",
        "dbtable": args["customers_table"],
    },
    transformation_ctx="customers",
)
orders = glueContext.create_dynamic_frame_from_options(
    "s3", {"paths": [args["source_path"]]}, format="csv", format_options={"withHeader": True},
    transformation_ctx="orders",
)

joined = orders.toDF().join(customers.toDF(), "customer_id").selectExpr(
    "order_id", "name", "CAST(amount AS DOUBLE) AS amount"
)

glueContext.write_dynamic_frame.from_jdbc_conf(
    frame=DynamicFrame.fromDF(joined, glueContext, "joined"),
    catalog_connection="warehouse",
    connection_options={"dbtable": args["target_table"], "database": "stoker_test"},
    transformation_ctx="to_warehouse",
)
job.commit()
