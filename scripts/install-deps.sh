#!/usr/bin/env bash
# Installs the Debian 12 packages the suite needs, then the npm packages from
# package-lock.json (s3rver for the media tests, socket.io 4 and 2 for the
# yjiyun emulator and its tests, dockerfile-utils for the Dockerfile lint).
# The Dockerfiles in docker/ call this same script, so images and local builds
# cannot drift: this file is the one list of packages.
#
#   scripts/install-deps.sh            everything: build, tests, demo, runtime, npm ci
#   scripts/install-deps.sh --build    only what compiles the services (an image's build stage)
#   scripts/install-deps.sh --runtime  only the shared libraries the service binaries load
#                                      (an image's final stage); no compiler, no -dev packages
#   --no-npm                           with the full set: skip npm and `npm ci`
# --build and --runtime may be given together.
set -euo pipefail
cd "$(dirname "$0")/.."

# What compiles the three services, the emulators and wecomctl
# (cmake -DWECOM_BUILD_TESTS=OFF).
BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev librocksdb-dev prometheus-cpp-dev
  libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libspdlog-dev
  libcpp-httplib-dev libmosquitto-dev libwebsocketpp-dev libasio-dev
)
# The tests, the demo and the format check on top of the build: GoogleTest, the
# MQTT broker and node the integration tests start, promtool (package
# prometheus) for the alert rules' unit tests, openssl and curl the demo runs.
TEST_PACKAGES=(
  libgtest-dev libgmock-dev mosquitto nodejs prometheus
  openssl procps clang-format git ca-certificates curl yamllint unzip
)
# The libraries wecom-archive, wecom-media and wecom-robot-gateway are linked
# against (the NEEDED entries of the release binaries; RocksDB is linked
# statically, its compression libraries are not), and the CA certificates
# their HTTPS clients verify against. Their own dependencies come with them.
RUNTIME_PACKAGES=(
  libc6 libgcc-s1 libstdc++6
  libabsl20220623 libgrpc29 libgrpc++1.51 libprotobuf32
  libssl3 libcurl4 libcpp-httplib0.11 ca-certificates
  libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0
  libyaml-cpp0.7 libspdlog1.10 libmosquitto1
  libsnappy1v5 liblz4-1 libzstd1 libbz2-1.0 zlib1g
)

usage() { sed -n '/^#   scripts/,/^# --build and/p' "$0" | sed 's/^# \{0,1\}//' >&2; }
want_build="" want_runtime="" npm_wanted=1
for arg in "$@"; do
  case "$arg" in
    --build) want_build=1 ;;
    --runtime) want_runtime=1 ;;
    --no-npm) npm_wanted="" ;;
    -h | --help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done

PACKAGES=()
if [ -z "$want_build$want_runtime" ]; then
  PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}")
else
  npm_wanted=""  # the npm packages are test and demo tools
  [ -z "$want_build" ] || PACKAGES+=("${BUILD_PACKAGES[@]}")
  [ -z "$want_runtime" ] || PACKAGES+=("${RUNTIME_PACKAGES[@]}")
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_install() {
  echo "install-deps: installing $*" >&2
  [ -n "${APT_UPDATED:-}" ] || $SUDO apt-get update -qq
  APT_UPDATED=1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
[ -n "$npm_wanted" ] || exit 0

# Only when there is no npm at all: some nodejs builds bundle their own npm,
# and Debian's npm package conflicts with those.
command -v npm >/dev/null || apt_install npm

# npm writes node_modules/.package-lock.json last, so an older one means an
# install from an older lock file (or an unfinished one).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
