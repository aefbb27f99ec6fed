"""Spark as the control plane starts it, in both runtimes: where Spark is (home), the class-data
archive (cds), the spark-submit command and its process (submit, launch), the job catalogue (jobs),
the state reader (state) and JupyterLab with its kernels on the lab (jupyter).
"""
