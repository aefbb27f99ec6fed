"""The classroom gate's certificate: a class authority of its own, and the gate's certificate signed by it.

Contract: `ensure(folder, address)` makes, once, `class-ca.pem` (the authority learners trust:
GRPC_DEFAULT_SSL_ROOTS_FILE_PATH on their side), `gate.pem` and `gate.key` (0600) for the
address learners connect to, plus localhost, 127.0.0.1 and class-gate (the Docker runtime's
drivers reach it by that name); a certificate made for another address
is made again (the authority stays, so learners keep the file they have). openssl's command line
does it; valid for a year.
"""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

from lab.errors import RuntimeFailure

DAYS = "365"
GATE_SERVICE = "class-gate"  # its name in the Docker runtime's network, where the drivers reach it


def _san(address: str) -> str:
    names = {"DNS:localhost", "IP:127.0.0.1", f"DNS:{GATE_SERVICE}"}
    try:
        ipaddress.ip_address(address)
        names.add(f"IP:{address}")
    except ValueError:
        names.add(f"DNS:{address}")
    return ",".join(sorted(names))


def _openssl(*args: str) -> None:
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeFailure(f"openssl {args[0]}: {(proc.stderr.strip().splitlines() or ['failed'])[-1]}")


def ensure(folder: Path, address: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {n: folder / n for n in ("class-ca.pem", "class-ca.key", "gate.pem", "gate.key", "gate.san")}
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    if not files["class-ca.pem"].exists():
        _openssl(
            "req", "-x509", *ec, "-days", DAYS, "-subj", "/CN=Spark Structured Streaming Lab class",
            "-keyout", str(files["class-ca.key"]), "-out", str(files["class-ca.pem"]),
        )  # fmt: skip
    san = _san(address)
    made_for = files["gate.san"].read_text() if files["gate.san"].exists() else None
    if not files["gate.pem"].exists() or made_for != san:
        csr = folder / "gate.csr"
        _openssl("req", "-new", *ec, "-subj", f"/CN={address}", "-keyout", str(files["gate.key"]), "-out", str(csr))
        ext = folder / "gate.ext"
        ext.write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        _openssl(
            "x509", "-req", "-in", str(csr), "-CA", str(files["class-ca.pem"]), "-CAkey", str(files["class-ca.key"]),
            "-CAcreateserial", "-days", DAYS, "-extfile", str(ext), "-out", str(files["gate.pem"]),
        )  # fmt: skip
        files["gate.san"].write_text(san)
    for secret in ("class-ca.key", "gate.key"):
        files[secret].chmod(0o600)
    return files
