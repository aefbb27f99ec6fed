"""The two runtimes behind one interface: `choose` and `get` (lab.runtimes.choice), `Runtime` and
`Job` (lab.runtimes.base). Everything outside lab.runtimes goes through these names.

Stdlib only: `python3 -m lab.runtimes` prints the runtime's name for the Makefile before any
package is installed; the Spark image imports lab.runtimes.docker.container through this package.
"""

from lab.runtimes.base import CORE, Job, Runtime
from lab.runtimes.choice import RUNTIMES, Choice, choose, compose_version, docker_engine_answers, get

__all__ = ["CORE", "RUNTIMES", "Choice", "Job", "Runtime", "choose", "compose_version", "docker_engine_answers", "get"]
