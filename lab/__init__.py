"""The lab's control code: settings from .env, the runtimes, submit, report, bench and drills.

Only lab.local (processes under supervisord) and lab.docker (Compose) know how services run;
everything else talks to them through lab.runtime.
"""

import sys
from pathlib import Path

# The jobs' shared package and the producer live beside lab/; make them importable however the
# control code is started (make, `python -m lab`, or the tests).
_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT / "jobs", _ROOT / "services" / "producer"):
    if str(_path) not in sys.path:
        sys.path.append(str(_path))
