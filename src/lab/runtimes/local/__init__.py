"""The local runtime: the services as processes from packages under supervisord. services holds
their definitions (read from lab.runtimes.catalogue), supervisor runs them, install puts what they
need on this machine, runtime is `Local`, the Runtime interface.
"""
