"""lab.spark.jupyter without a lab: JupyterLab's command line and the kernels' environment."""

import shlex

from lab.config.paths import Paths
from lab.config.settings import load
from lab.spark import jupyter


def test_the_server_listens_on_one_address_with_a_token_and_fetches_nothing():
    cmd = jupyter.server_command("/venv/python", "127.0.0.1", 8888, "abc", jupyter.NOTEBOOKS)
    assert cmd[:3] == ["/venv/python", "-m", "jupyterlab"]
    for flag in (
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=8888",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=abc",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={jupyter.NOTEBOOKS}",
        "--LabApp.news_url=None",
    ):
        assert flag in cmd
    assert jupyter.url("127.0.0.1", 8888, "abc") == "http://127.0.0.1:8888/lab?token=abc"
    assert jupyter.token() != jupyter.token() and len(jupyter.token()) == 48


def test_kernels_get_spark_submits_arguments_the_clients_settings_and_a_startup_that_makes_spark(tmp_path, monkeypatch):
    settings = load(environ={"LAB_RUN": str(tmp_path / "run"), "RUNTIME": "local"})
    paths = Paths.of(settings)
    env = jupyter.kernel_env(settings, paths, submit_args=["--master", "spark://127.0.0.1:7077", "--jars", "k.jar"])
    assert shlex.split(env["PYSPARK_SUBMIT_ARGS"]) == [
        "--master",
        "spark://127.0.0.1:7077",
        "--jars",
        "k.jar",
        "--conf",
        f"spark.cores.max={settings['NOTEBOOK_CORES']}",
        "pyspark-shell",
    ]
    assert (
        env["KAFKA_BOOTSTRAP"] == settings.kafka_bootstrap and env["TOPIC_PAGE_VIEWS"] == settings["TOPIC_PAGE_VIEWS"]
    )
    startup = tmp_path / "run" / "notebook" / "ipython" / "profile_default" / "startup" / "00-lab-spark.py"
    assert env["IPYTHONDIR"] == str(startup.parents[2])
    names = []
    with monkeypatch.context() as m:  # the script, run with a stand-in for the SparkSession's builder
        m.setattr("streamlab.session.build", lambda name: names.append(name) or "session")
        for session in ("es/ejercicio-2.ipynb", None):
            m.delenv("JPY_SESSION_NAME", raising=False)
            if session:
                m.setenv("JPY_SESSION_NAME", session)
            scope = {}
            exec(startup.read_text(), scope)
            assert scope["spark"] == "session"
    assert names == ["notebook ejercicio-2.ipynb", "notebook"]
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        assert env[key].startswith(str(tmp_path / "run" / "notebook"))  # nothing written to the home folder
    news = tmp_path / "run/notebook/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    assert '"fetchNews": "false"' in news.read_text()


def test_local_kernels_are_drivers_of_the_lab_with_their_own_ui_port(tmp_path):
    """By default (the local runtime) the kernels' spark-submit arguments are a job's, with the UI on
    NOTEBOOK_SPARK_UI_PORT (a job beside them keeps SPARK_DRIVER_UI_PORT) and the local Spark environment."""
    (tmp_path / "state" / "jars" / "spark").mkdir(parents=True)
    (tmp_path / "state" / "jars" / "spark" / "kafka.jar").touch()
    settings = load(
        environ={"LAB_STATE": str(tmp_path / "state"), "LAB_RUN": str(tmp_path / "run"), "RUNTIME": "local"}
    )
    env = jupyter.kernel_env(settings, Paths.of(settings))
    args = shlex.split(env["PYSPARK_SUBMIT_ARGS"])
    assert args[args.index("--master") + 1] == settings.spark_master and args[-1] == "pyspark-shell"
    assert f"spark.ui.port={settings['NOTEBOOK_SPARK_UI_PORT']}" in args
    # A kernel's executors are small, and few: a job's still fit on the worker beside them.
    assert f"spark.executor.memory={settings['NOTEBOOK_EXECUTOR_MEMORY']}" in args
    assert args[args.index(f"spark.cores.max={settings['NOTEBOOK_CORES']}") - 1] == "--conf"
    assert settings["NOTEBOOK_SPARK_UI_PORT"] != settings["SPARK_DRIVER_UI_PORT"]
    assert str(tmp_path / "state" / "jars" / "spark" / "kafka.jar") in args[args.index("--jars") + 1]
    assert env["SPARK_HOME"] and env["PYSPARK_PYTHON"] == str(tmp_path / "state" / "venv" / "bin" / "python")
    # A container's image has its own Spark environment: only the kernels' own settings are added.
    container = jupyter.kernel_env(
        settings, Paths.of(settings), ["--master", "spark://spark-master:7077"], spark_env=False
    )
    assert "SPARK_HOME" not in container and "PYSPARK_PYTHON" not in container
