"""A real Docker engine for the tests, on a machine that has none running.

Contract:
- `engine()` is a context manager that yields the environment (DOCKER_HOST, PATH) under which
  `docker` and `docker compose` reach a working engine, and always cleans up what it started.
  - If an engine already answers (a developer's laptop), it is used as it is, and nothing is
    started or stopped.
  - Otherwise, as root on Linux with Debian's docker.io installed, it starts one:
    1. an engine in the machine's own network namespace, with no bridge and no iptables rules,
       which builds the lab's images with host networking (the only way out to the registries);
    2. then, on the same data root, an engine inside a network namespace of its own, so Compose's
       bridge network, service DNS and ports published on 127.0.0.1 work as on a laptop without
       touching the machine's network. Its loopback is reached with `nsenter --net=<ns>`.
  - Stopping means: dockerd stopped by the pid in its pidfile (containerd exits with it), its
    exec-root's mounts undone and the namespace deleted.
- `unavailable()` returns why no engine can run here, or None.
- What is slow to make is cached under CACHE and reused: the Compose v2 binary (built from the Go
  module proxy, keyed by its version) and the debian:bookworm-slim base (made with debootstrap,
  keyed by the suite). Images live in the engine's data root, so a warm run rebuilds nothing that
  did not change.

Test-only on purpose: learners run their own Docker; nothing here is used by `make up`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab.config.settings import load
from lab.runtimes import compose_version, docker_engine_answers
from streamlab.wait import wait_for

CACHE = Path(os.environ.get("LAB_DOCKER_CACHE", "/var/cache/streaming-lab"))
DATA_ROOT = Path("/var/lib/streaming-lab-docker")
NETNS = "streaminglab"
SUITE = "bookworm"
BASE_IMAGE = f"debian:{SUITE}-slim"
PLUGIN_DIR = Path("/usr/local/lib/docker/cli-plugins")
# The sources the official debian:bookworm-slim image carries (security updates included).
SOURCES = f"""Types: deb
URIs: http://deb.debian.org/debian
Suites: {SUITE} {SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def _say(msg: str) -> None:
    print(f"[docker-here] {msg}", flush=True)


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None, timeout: float = 1800, **kw) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, **kw)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def unavailable() -> str | None:
    """Why this machine cannot run a Docker engine for the tests, or None if it can."""
    env = dict(os.environ)
    if docker_engine_answers(env=env):
        if compose_version(env=env) is None and not shutil.which("go"):
            return "an engine answers, but Compose v2 is missing"
        return None
    if not shutil.which("docker"):
        return "no docker client (apt-get install docker.io)"
    if not shutil.which("dockerd"):
        return "no Docker engine answers and dockerd is not installed (apt-get install docker.io)"
    if os.geteuid() != 0:
        return "no Docker engine answers, and starting one needs root"
    if not (shutil.which("nsenter") and shutil.which("ip")):
        return "nsenter and ip (util-linux, iproute2) are needed to give the engine a network namespace"
    if compose_version(env=env) is None and not _compose_cached().exists() and not shutil.which("go"):
        return "Compose v2 is missing and Go is not there to build it"
    if not _base_cached() and not shutil.which("debootstrap"):
        return f"the {BASE_IMAGE} base is not cached and debootstrap is missing (apt-get install debootstrap)"
    return None


def slow_to_prepare() -> bool:
    """Whether the engine will take minutes to get ready: none answers here, and what one is made of
    (Compose, the Debian base, the data root that holds the images) is not all cached."""
    if docker_engine_answers(env=dict(os.environ)):
        return False
    return not (_compose_cached().exists() and _base_cached() and DATA_ROOT.is_dir())


# --- Compose v2 ------------------------------------------------------------------------------------


def _compose_version() -> str:
    return load(environ={})["COMPOSE_VERSION"]


def _compose_cached() -> Path:
    """Where the Compose plugin built for the pinned version is kept."""
    return CACHE / f"compose-{_compose_version()}" / "docker-compose"


def compose_plugin(env: dict[str, str]) -> None:
    """Install the Compose v2 plugin, building it from the Go module proxy once per version."""
    if compose_version(env=env) is not None:
        return
    version = _compose_version()
    cached = _compose_cached()
    if not cached.exists():
        _say(f"building Docker Compose v{version} from the Go module proxy (about 2-3 minutes, once)")
        module = json.loads(
            _run(
                ["go", "mod", "download", "-json", f"github.com/docker/compose/v2@v{version}"],
                "go mod download",
                cwd=tempfile.gettempdir(),
            )
        )
        with tempfile.TemporaryDirectory() as src:
            shutil.copytree(module["Dir"], src, dirs_exist_ok=True)
            for path in Path(src).rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
            Path(src).chmod(0o755)
            _run(["go", "build", "-o", "docker-compose", "./cmd"], "building Compose", cwd=src)
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(src) / "docker-compose", cached)
    PLUGIN_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached, PLUGIN_DIR / "docker-compose")
    if compose_version(env=env) is None:
        raise RuntimeError(f"docker compose does not work after installing {PLUGIN_DIR / 'docker-compose'}")


# --- the base image ----------------------------------------------------------------------------------


def _base_tar() -> Path:
    return CACHE / f"{BASE_IMAGE.replace(':', '-')}.tar"


def _base_cached() -> bool:
    return _base_tar().exists()


def _trust_files() -> dict[str, bytes]:
    """This machine's own CA certificates (its registries' TLS goes through them), as files for the
    base image: the local certificates, the bundle that holds them, and pip told to use it."""
    local = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
    files = {f"usr/local/share/ca-certificates/{p.name}": p.read_bytes() for p in local}
    if files:
        files["etc/ssl/certs/ca-certificates.crt"] = Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
        files["etc/pip.conf"] = b"[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n"
    return files


def base_image(env: dict[str, str]) -> None:
    """Load debian:bookworm-slim into the engine: made with debootstrap from Debian's packages, as
    Debian's own tooling makes the official one, slimmed the same way, and cached. This machine's
    CA certificates go in a layer of their own on top (a laptop's registries need none), labelled
    with their hash so that a machine with other certificates gets a new base."""
    trust = _trust_files()
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(trust.items()))).hexdigest()[:16]
    proc = subprocess.run(
        ["docker", "image", "inspect", "--format", '{{index .Config.Labels "lab.trust"}}', BASE_IMAGE],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode == 0 and proc.stdout.strip() == digest:
        return
    tar = _base_tar()
    if not tar.exists():
        _say(f"making {BASE_IMAGE} with debootstrap (about 30-60 s, once)")
        with tempfile.TemporaryDirectory() as rootfs:
            _run(["debootstrap", "--variant=minbase", SUITE, rootfs, "http://deb.debian.org/debian"], "debootstrap")
            root = Path(rootfs)
            (root / "etc/apt/sources.list").unlink(missing_ok=True)
            (root / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES)
            # As the official image: package scripts do not start services in a build.
            (root / "usr/sbin/policy-rc.d").write_text("#!/bin/sh\nexit 101\n")
            (root / "usr/sbin/policy-rc.d").chmod(0o755)
            # As the official slim image: no package caches, lists, docs, man pages or locales.
            (root / "etc/dpkg/dpkg.cfg.d/docker").write_text(
                "path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n"
                "path-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n"
            )
            (root / "etc/apt/apt.conf.d/docker-clean").write_text(
                'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
                'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
            )
            for pattern in (
                "var/cache/apt/archives/*.deb",
                "var/cache/apt/*.bin",
                "var/lib/apt/lists/*",
                "usr/share/man/*",
                "usr/share/locale/*",
                "usr/share/info/*",
                "var/log/*.log",
            ):
                for path in root.glob(pattern):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            tar.parent.mkdir(parents=True, exist_ok=True)
            partial = tar.with_suffix(".partial")
            _run(["tar", "-C", rootfs, "--numeric-owner", "-cf", str(partial), "."], "packing the base image")
            partial.rename(tar)
    plain = f"{BASE_IMAGE}-debootstrap"
    _run(["docker", "import", "--change", 'CMD ["bash"]', str(tar), plain], "docker import", env=env)
    with tempfile.TemporaryDirectory() as ctx:
        for name, data in trust.items():
            (Path(ctx) / "trust" / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(ctx) / "trust" / name).write_bytes(data)
        (Path(ctx) / "trust").mkdir(exist_ok=True)
        (Path(ctx) / "Dockerfile").write_text(f"FROM {plain}\nCOPY trust/ /\nLABEL lab.trust={digest}\n")
        _run(["docker", "build", "-q", "-t", BASE_IMAGE, ctx], "adding the machine's CA certificates", env=env)


# --- the engines -------------------------------------------------------------------------------------


class Dockerd:
    """One dockerd process of ours, on the shared data root; `netns` None means the machine's own
    namespace (bridge off, no iptables: for builds with host networking only)."""

    def __init__(self, name: str, netns: str | None):
        self.name, self.netns = name, netns
        self.exec_root = Path(f"/run/{name}")
        self.pidfile = Path(f"/run/{name}.pid")
        self.sock = Path(f"/run/{name}.sock")
        self.log = CACHE / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": f"unix://{self.sock}"}

    def start(self) -> None:
        cmd = [
            "dockerd",
            "--storage-driver=overlay2",
            f"--data-root={DATA_ROOT}",
            f"--exec-root={self.exec_root}",
            f"--pidfile={self.pidfile}",
            "-H",
            f"unix://{self.sock}",
        ]
        if self.netns is None:
            cmd += ["--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false"]
        else:
            # nsenter, not `ip netns exec`: the latter remounts /sys, and dockerd then finds no cgroups.
            cmd = ["nsenter", f"--net=/var/run/netns/{self.netns}", *cmd]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(
                lambda: self.proc.poll() is not None or docker_engine_answers(env=self.env),
                60,
                f"dockerd ({self.name}) to answer",
            )
        except BaseException:  # a timeout, or Prebuild's SIGTERM
            self.stop()
            raise
        if self.proc.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            raise RuntimeError(f"dockerd ({self.name}) exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        pid = None
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pidfile.read_text().strip())
        pid = pid or (self.proc.pid if self.proc else None)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if self.proc:
                try:
                    self.proc.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(10)
        netns_mount = self.exec_root / "netns" / "default"
        if netns_mount.exists():
            subprocess.run(["umount", str(netns_mount)], capture_output=True)
        self.sock.unlink(missing_ok=True)


def _netns(action: str) -> None:
    exists = Path(f"/var/run/netns/{NETNS}").exists()
    if action == "add" and not exists:
        _run(["ip", "netns", "add", NETNS], "creating the network namespace")
        _run(["ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up"], "bringing up its loopback")
    elif action == "del" and exists:
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)


@contextlib.contextmanager
def engine(build=None, prebuild: Prebuild | None = None):
    """Yield (env, netns_or_None) for a working engine. `build(env)` runs first, with an engine
    that can reach the registries (build the images there), unless `prebuild` did it already."""
    env = dict(os.environ)
    if docker_engine_answers(env=env):
        compose_plugin(env)
        if build:
            build(env)
        yield env, None
        return
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    runner = Dockerd("streaminglab-docker", NETNS)
    try:
        t0 = time.monotonic()
        if prebuild:
            prebuild.wait()
        else:
            _build_on_host(build)
        _say(f"images ready in {time.monotonic() - t0:.0f}s; starting the engine in network namespace {NETNS}")
        _netns("add")
        runner.start()
        yield runner.env, NETNS
    finally:
        runner.stop()
        _netns("del")


def _build_on_host(build) -> None:
    """The builder engine, in the machine's own namespace (the only way out to the registries):
    Compose, the base image, then `build(env)`; stopped whatever happens."""
    builder = Dockerd("streaminglab-build", None)
    builder.start()
    try:
        compose_plugin(builder.env)
        base_image(builder.env)
        if build:
            build(builder.env)
    finally:
        builder.stop()


BUILD_OVERRIDE = Path(__file__).with_name("compose.build-host-network.yml")


def build_images(env: dict[str, str]) -> dict:
    """Build every image the lab runs but Grafana's, as `make up` and `make notebook` would, with host
    networking. Returns the figures: {"seconds": build time, "images": ["name:tag size", ...]}."""
    t0 = time.monotonic()
    from lab.config.settings import ROOT

    cmd = [
        "docker",
        "compose",
        "--env-file",
        str(ROOT / ".env"),
        "-f",
        str(ROOT / "compose" / "compose.yml"),
        "-f",
        str(BUILD_OVERRIDE),
        "--profile",
        "submit",
        "--profile",
        "notebook",
        "build",
        "--progress",
        "plain",
    ]
    with tempfile.TemporaryDirectory() as run_dir:  # the Compose file needs one to be named
        proc = subprocess.run(cmd, env={**env, "LAB_RUN_DIR": run_dir}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("building the images failed:\n" + "\n".join(proc.stderr.strip().splitlines()[-30:]))
    seconds = time.monotonic() - t0
    images = _run(
        ["docker", "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}", "--filter", "reference=streaming-lab/*"],
        "listing the images",
        env=env,
    )
    return {"seconds": round(seconds, 1), "images": sorted(images.splitlines())}


class Prebuild:
    """The engine's preparation (Compose, the base image, the lab's images) in a background process,
    started when the test session starts, so that it overlaps the local lab's tests instead of
    following them. It runs niced: the tests running meanwhile keep the CPU they ask for.

    Contract: `start()` returns None where there is nothing to prepare (an engine already answers,
    or none can run here: the Docker tests say why themselves); `wait()` returns the figures of
    `build_images` or raises RuntimeError with the log's tail; `cancel()` stops it, and the builder
    engine with it, if the session ends before the Docker tests wait for it."""

    def __init__(self, proc: subprocess.Popen, figures: Path, log: Path):
        self.proc, self.figures, self.log = proc, figures, log
        self.started = time.monotonic()

    @classmethod
    def start(cls, folder: Path, compose_env: dict[str, str]) -> Prebuild | None:
        if docker_engine_answers(env=dict(os.environ)) or unavailable():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        figures, log = folder / "prebuild.json", folder / "prebuild.log"
        figures.unlink(missing_ok=True)
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.support.dockerhost", "build", str(figures)],
                env={**os.environ, **compose_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: os.nice(10),
            )
        return cls(proc, figures, log)

    def wait(self, timeout: float = 2400) -> dict:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise RuntimeError(f"the images were not built in {timeout:.0f} s; {self.log}:\n{self._tail()}") from None
        if code != 0 or not self.figures.exists():
            raise RuntimeError(f"building the engine's images failed (exit {code}); {self.log}:\n{self._tail()}")
        return json.loads(self.figures.read_text())

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # its handler stops the builder engine
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def _tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").strip().splitlines()[-30:])


def main(argv: list[str]) -> int:
    """For developers on a machine of the CI's kind: `python -m tests.support.dockerhost start`
    builds the images and leaves the namespaced engine running (DOCKER_HOST is printed);
    `stop` stops it and deletes the namespace."""
    if argv[:1] == ["stop"]:
        Dockerd("streaminglab-build", None).stop()
        Dockerd("streaminglab-docker", NETNS).stop()
        _netns("del")
        return 0
    if argv[:1] == ["build"] and len(argv) == 2:  # Prebuild's process
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the builder engine is stopped
        figures = {}

        def build(env):
            figures.update(build_images(env))

        _build_on_host(build)
        Path(argv[1]).write_text(json.dumps(figures))
        return 0
    if argv[:1] == ["start"]:
        _build_on_host(build_images)
        _netns("add")
        runner = Dockerd("streaminglab-docker", NETNS)
        runner.start()
        runner.proc = None  # it outlives this command
        print(f"export DOCKER_HOST=unix://{runner.sock}  # run clients with: nsenter --net=/var/run/netns/{NETNS} ...")
        return 0
    print("usage: python -m tests.support.dockerhost start|stop|build FIGURES.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
