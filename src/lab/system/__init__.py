"""The machine: processes (procs), ports (ports), HTTP calls (httpclient) and the services' health
checks (health).
"""
