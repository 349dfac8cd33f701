#!/bin/sh
# `meshflow` in the container image (deploy/Dockerfile installs it as /usr/local/bin/meshflow): the CLI on the
# image's JRE, with the JVM options of JAVA_OPTS. exec, so that the JVM is PID 1 and gets SIGTERM: the server then
# cancels its live runs and closes the ledger before it exits.
set -eu
# JAVA_OPTS holds several options: split on whitespace on purpose
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
    -cp "/opt/meshflow/meshflow-cli.jar:/opt/meshflow/lib/*" io.meshflow.cli.Main "$@"
