"""The Docker runtime: the services in Compose. engine is the Docker SDK's client (its only importer),
compose runs `docker compose`, runfolder maps the run folder into containers, runtime is `Docker`,
the Runtime interface, and container is what runs inside the Spark image (`python -m
lab.runtimes.docker.container`). This file imports nothing: the Spark image imports container
through it and has no Docker SDK.
"""
