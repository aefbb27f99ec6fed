"""The lab's settings and where things are: `.env` read once (settings), the state and run folders
(paths), the values each runtime renders into config files (render), what the jobs and the producer
are told (clients, postgres), and the Makefile's own lines (say). Stdlib only: the Makefile uses it
before the venv exists.
"""
