# shellcheck shell=bash
# Finds a JDK 21 or newer; sourced by ./meshflow and .ci/run so that both pick the same one.
#
#   meshflow_find_jdk   sets MESHFLOW_JAVA_HOME and MESHFLOW_JAVA_MAJOR, or returns 1 when there is none.
#
# Order: JAVA_HOME if it is >= 21, then the `java` on PATH, then the newest JDK under /usr/lib/jvm.

MESHFLOW_MIN_JAVA=21

# The major version of a java binary (8, 17, 21, 25, ...), or nothing when it does not run.
meshflow_java_major() {
  local version
  version=$("$1" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }') || return 0
  case "$version" in
    1.*) version=${version#1.} ;;  # 1.8.0_392 -> 8
  esac
  version=${version%%[!0-9]*}      # 21.0.5 -> 21, 26-ea -> 26
  echo "$version"
}

# Succeeds when the directory is a JDK (java and javac) of at least MESHFLOW_MIN_JAVA; prints its major.
meshflow_jdk_major() {
  local home=$1 major
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  major=$(meshflow_java_major "$home/bin/java")
  [ -n "$major" ] && [ "$major" -ge "$MESHFLOW_MIN_JAVA" ] || return 1
  echo "$major"
}

meshflow_find_jdk() {
  local home major best_home="" best_major=0 java_on_path
  if [ -n "${JAVA_HOME:-}" ] && major=$(meshflow_jdk_major "$JAVA_HOME"); then
    MESHFLOW_JAVA_HOME=$JAVA_HOME MESHFLOW_JAVA_MAJOR=$major
    return 0
  fi
  if java_on_path=$(command -v java 2>/dev/null); then
    home=$(dirname "$(dirname "$(readlink -f "$java_on_path")")")
    if major=$(meshflow_jdk_major "$home"); then
      MESHFLOW_JAVA_HOME=$home MESHFLOW_JAVA_MAJOR=$major
      return 0
    fi
  fi
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] || continue
    if major=$(meshflow_jdk_major "$home") && [ "$major" -gt "$best_major" ]; then
      best_home=$home best_major=$major
    fi
  done
  if [ -n "$best_home" ]; then
    MESHFLOW_JAVA_HOME=$best_home MESHFLOW_JAVA_MAJOR=$best_major
    return 0
  fi
  return 1
}

# JVM options that keep Maven quiet on the chosen JDK (the flag exists from JDK 23 on).
meshflow_maven_opts() {
  if [ "${MESHFLOW_JAVA_MAJOR:-0}" -ge 23 ]; then
    echo "${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
  else
    echo "${MAVEN_OPTS:-}"
  fi
}
