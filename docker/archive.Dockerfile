# wecom-archive: the chat archive service.
#   docker build -f docker/archive.Dockerfile -t wecom-archive .
#
# The vendor's Finance SDK is NOT in this image (its licence is the corp's, and
# its version is the corp's choice). Mount it read-only at
#   /opt/wecom/sdk/libWeWorkFinanceSdk_C.so
# and name that path in the config: `sdk_library: /opt/wecom/sdk/libWeWorkFinanceSdk_C.so`.
# The config is read from /etc/wecom/archive.yaml (mount it there); set
# `data_dir: /var/lib/wecom` (RocksDB in /var/lib/wecom/messages, a volume).
# Ports: gRPC 50051, Prometheus /metrics 9464 (the config's defaults).

FROM debian:bookworm AS build
# The package list is scripts/install-deps.sh's, the same for local builds.
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh --build
COPY CMakeLists.txt /src/CMakeLists.txt
COPY cmake /src/cmake
COPY proto /src/proto
COPY common /src/common
COPY emulators /src/emulators
COPY services /src/services
COPY tools /src/tools
RUN cmake -S /src -B /src/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWECOM_BUILD_TESTS=OFF \
 && cmake --build /src/build --target wecom-archive

FROM debian:bookworm-slim
COPY scripts/install-deps.sh /tmp/wecom/scripts/install-deps.sh
RUN /tmp/wecom/scripts/install-deps.sh --runtime \
 && rm -rf /var/lib/apt/lists/* /tmp/wecom
RUN groupadd --gid 10001 wecom \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/wecom \
      --shell /usr/sbin/nologin wecom \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/wecom
COPY --from=build /src/build/services/archive/server/wecom-archive /usr/local/bin/wecom-archive
USER 10001:10001
WORKDIR /var/lib/wecom
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/wecom-archive", "--config", "/etc/wecom/archive.yaml"]
