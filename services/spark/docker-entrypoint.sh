#!/bin/sh
# Entry point of the Spark image: runs its arguments (spark-class ..., or python -m lab.runtimes.docker.container).
#
# Compose may run the image as the host user's uid (LAB_UID), so that checkpoints and outputs in
# the mounted run folder belong to that user. Such a uid has no entry in the image's passwd, and
# Java then has no user name or home (Spark fails: "basedir must be absolute: ?/.ivy2"). nss_wrapper
# gives it one without making /etc/passwd writable.
set -eu
if ! getent passwd "$(id -u)" >/dev/null 2>&1; then
  export HOME=/tmp/lab-home
  mkdir -p "$HOME"
  printf 'lab:x:%s:%s:lab:%s:/bin/sh\n' "$(id -u)" "$(id -g)" "$HOME" > "$HOME/passwd"
  export NSS_WRAPPER_PASSWD="$HOME/passwd" NSS_WRAPPER_GROUP=/etc/group LD_PRELOAD=libnss_wrapper.so
fi
exec "$@"
