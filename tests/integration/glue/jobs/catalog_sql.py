import sys

from awsglue import DynamicFrame
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext


def sparkSqlQuery(glueContext, query, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql(query)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


args = getResolvedOptions(sys.argv, ["JOB_NAME"])
sc = SparkContext.getOrCreate()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logger = glueContext.get_logger()

orders = glueContext.create_dynamic_frame.from_catalog(
    database="sales", table_name="orders", transformation_ctx="orders_source"
)
message = f"orders read: {orders.count()}"
logger.info(message)

SqlQuery0 = """
select region, count(*) as orders, round(sum(amount), 2) as total
from myDataSource
group by region
"""
totals = sparkSqlQuery(
    glueContext, query=SqlQuery0, mapping={"myDataSource": orders},
    transformation_ctx="SQLQuery_node2",
)

glueContext.write_dynamic_frame.from_catalog(
    frame=totals,
    database="sales",
    table_name="region_totals",
    additional_options={"enableUpdateCatalog": True, "updateBehavior": "UPDATE_IN_DATABASE"},
    transformation_ctx="sink",
)
job.commit()
