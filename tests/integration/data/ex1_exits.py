"""A learner's file that ends the checker's driver process itself (for a driver that dies mid-class)."""

import os


def read_page_views(spark, bootstrap, topic):
    os._exit(3)
