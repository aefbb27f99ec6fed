"""The lab's control plane: what `make` runs. One room (subpackage) per concern, layered so that
each imports only the rooms below it (import-linter's contracts in pyproject.toml):

    cli, generated        the commands `make` calls; the files they generate
    bench | course        make bench; the course's exercises, drills, notebooks and ground truth
    observe               make report: Prometheus, the dashboards, the verdict, Markdown and HTML
    runtimes              the Runtime interface and its choice; local/ (supervisord) and docker/
                          (Compose): the only code that knows how services run
    spark                 spark-submit: Spark's home, the class-data archive, jobs, state, JupyterLab;
                          Spark Connect's server and thin clients
    classroom             make class: the learners' roster, tokens, topics and folders, the gate
    kafka | system        topics made, read and deleted | processes, ports, HTTP, health checks
    config                settings (.env), paths, per-runtime rendering, client environments
    errors                one error type and its exit codes

config and errors, and runtimes' top level, are stdlib-only: the Makefile uses them before the venv
exists. The job library (streamlab), the producer and the jobs never import lab.
"""
