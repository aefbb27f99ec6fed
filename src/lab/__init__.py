"""The lab's control code: settings from .env, the runtimes, submit, report, bench and drills.

Only lab.local (processes under supervisord) and lab.docker (Compose) know how services run;
everything else talks to them through lab.runtime. The job library (streamlab) and the producer
never import lab: the control plane passes them what they need (tests/static/test_layers.py).
"""
