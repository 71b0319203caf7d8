#!/usr/bin/env bash
# Builds the lookupkeeper image as localhost/lookupkeeper:latest and localhost/lookupkeeper:<version>.
#
#   docker/build-image.sh                 # podman if present, else docker
#   LK_ENGINE=docker docker/build-image.sh
#   LK_BASE=eclipse-temurin:17-jre docker/build-image.sh      # a base image of your choice
#   docker/build-image.sh --postgres      # localhost/lookupkeeper-postgres:15 for the compose files, from
#                                         # Debian's postgresql package (where postgres:16 cannot be pulled)
#
# The jar is built on this machine (mvn package) and copied in (build argument JAR=host). The base:
# LK_BASE when given; else the Dockerfile's registry default when an image registry answers; else one
# made here from Debian packages (debootstrap --variant=minbase --include=openjdk-17-jre-headless, from
# the mirror apt uses) and imported as localhost/lookupkeeper-base:bookworm-jre17 (kept for next time).
# Needs root for debootstrap; podman needs runc (crun refuses hybrid cgroups) and, on some machines, a
# containers.conf with [containers] default_ulimits = [] (.ci/run writes it).
set -euo pipefail
cd "$(dirname "$0")/.."

engine="${LK_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman; elif command -v docker >/dev/null 2>&1; then engine=docker; else
    echo "build-image: neither podman nor docker is installed (apt-get install podman runc)" >&2; exit 2
  fi
fi
run_engine() {
  if [ "$engine" = podman ] && command -v runc >/dev/null 2>&1; then podman --runtime runc "$@"; else "$engine" "$@"; fi
}

# A base image from Debian packages (for machines that reach no image registry), kept as NAME.
make_debian_base() {
  local name="$1" include="$2"
  echo "build-image: making $name from Debian packages ($include; about a minute)"
  command -v debootstrap >/dev/null 2>&1 || { echo "build-image: debootstrap is needed (apt-get install debootstrap)" >&2; exit 2; }
  local mirror rootfs
  mirror="$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  [ -n "$mirror" ] || mirror="$(awk '/^deb / && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$mirror" >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | run_engine import - "$name" >/dev/null
  rm -rf "$rootfs"
}

have_image() {
  run_engine image exists "$1" 2>/dev/null || run_engine image inspect "$1" >/dev/null 2>&1
}

if [ "${1:-}" = "--postgres" ]; then
  # the compose files' PostgreSQL, made from Debian's postgresql package (see docker/postgres/Dockerfile)
  pg_base="localhost/lookupkeeper-postgres-base:bookworm"
  have_image "$pg_base" || make_debian_base "$pg_base" postgresql-15
  run_engine build -f docker/postgres/Dockerfile --build-arg BASE="$pg_base" -t localhost/lookupkeeper-postgres:15 .
  echo "build-image: localhost/lookupkeeper-postgres:15"
  exit 0
fi

version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"
if [ ! -f target/lookupkeeper.jar ] || [ -n "$(find src/main sql pom.xml -newer target/lookupkeeper.jar -print -quit)" ]; then
  echo "build-image: building target/lookupkeeper.jar"
  mvn -B -q -DskipTests package
fi

base="${LK_BASE:-}"
registry_default="eclipse-temurin:17-jre"
local_base="localhost/lookupkeeper-base:bookworm-jre17"
if [ -z "$base" ]; then
  if have_image "$local_base"; then
    base="$local_base"
  elif timeout 20 "$engine" pull -q "$registry_default" >/dev/null 2>&1; then
    base="$registry_default"
  else
    echo "build-image: no image registry answers"
    make_debian_base "$local_base" openjdk-17-jre-headless
    base="$local_base"
  fi
fi

echo "build-image: base $base, engine $engine"
run_engine build -f docker/Dockerfile --build-arg BASE="$base" --build-arg JAR=host \
  -t localhost/lookupkeeper:latest -t "localhost/lookupkeeper:$version" .
echo "build-image: localhost/lookupkeeper:latest and localhost/lookupkeeper:$version"
