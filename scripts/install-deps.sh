#!/usr/bin/env bash
# Installs every Debian package the suite needs to build, test and run its demo.
# The Dockerfiles call this same script, so images and local builds cannot drift.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev librocksdb-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libcurl4-openssl-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libcpp-httplib-dev
  openssl procps clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
