#!/usr/bin/env bash
# Installs every Debian package the suite needs to build, test and run its demo,
# then the npm packages from package-lock.json (s3rver for the media tests,
# socket.io 4 and 2 for the yjiyun emulator and its tests).
# The Dockerfiles call this same script, so images and local builds cannot drift.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev librocksdb-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libcurl4-openssl-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libcpp-httplib-dev
  libmosquitto-dev mosquitto libwebsocketpp-dev libasio-dev
  openssl procps clang-format nodejs
)

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
# Only when there is no npm at all: some nodejs builds bundle their own npm,
# and Debian's npm package conflicts with those.
command -v npm >/dev/null || apt_install npm

# npm writes node_modules/.package-lock.json last, so an older one means an
# install from an older lock file (or an unfinished one).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
