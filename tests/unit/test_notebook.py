"""lab.notebook without a lab: JupyterLab's command line and the kernels' environment."""

import shlex

from lab import notebook
from lab.paths import Paths
from lab.settings import load


def test_the_server_listens_on_one_address_with_a_token_and_fetches_nothing():
    cmd = notebook.server_command("/venv/python", "127.0.0.1", 8888, "abc", notebook.NOTEBOOKS)
    assert cmd[:3] == ["/venv/python", "-m", "jupyterlab"]
    for flag in (
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=8888",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=abc",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={notebook.NOTEBOOKS}",
        "--LabApp.news_url=None",
    ):
        assert flag in cmd
    assert notebook.url("127.0.0.1", 8888, "abc") == "http://127.0.0.1:8888/lab?token=abc"
    assert notebook.token() != notebook.token() and len(notebook.token()) == 48


def test_kernels_get_spark_submits_arguments_the_clients_settings_and_a_startup_that_makes_spark(tmp_path):
    settings = load(environ={"LAB_RUN": str(tmp_path / "run"), "RUNTIME": "local"})
    paths = Paths.of(settings)
    env = notebook.kernel_env(settings, paths, submit_args=["--master", "spark://127.0.0.1:7077", "--jars", "k.jar"])
    assert shlex.split(env["PYSPARK_SUBMIT_ARGS"]) == [
        "--master",
        "spark://127.0.0.1:7077",
        "--jars",
        "k.jar",
        "pyspark-shell",
    ]
    assert (
        env["KAFKA_BOOTSTRAP"] == settings.kafka_bootstrap and env["TOPIC_PAGE_VIEWS"] == settings["TOPIC_PAGE_VIEWS"]
    )
    startup = tmp_path / "run" / "notebook" / "ipython" / "profile_default" / "startup" / "00-lab-spark.py"
    assert env["IPYTHONDIR"] == str(startup.parents[2])
    assert 'spark = _build("notebook")' in startup.read_text()
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        assert env[key].startswith(str(tmp_path / "run" / "notebook"))  # nothing written to the home folder
    news = tmp_path / "run/notebook/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    assert '"fetchNews": "false"' in news.read_text()
