# wecom-robot-gateway: one gRPC API over the WeCom robot platforms.
#   docker build -f docker/robot-gateway.Dockerfile -t wecom-robot-gateway .
#
# The config is read from /etc/wecom/robot-gateway.yaml (mount it there); set
# `data_dir: /var/lib/wecom` (the outbox and events, RocksDB, a volume).
# Ports: gRPC 50053, Prometheus /metrics 9466, quntool's webhook 8080
# (the config's defaults).

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
 && cmake --build /src/build --target wecom-robot-gateway

FROM debian:bookworm-slim
COPY scripts/install-deps.sh /tmp/wecom/scripts/install-deps.sh
RUN /tmp/wecom/scripts/install-deps.sh --runtime \
 && rm -rf /var/lib/apt/lists/* /tmp/wecom
RUN groupadd --gid 10001 wecom \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/wecom \
      --shell /usr/sbin/nologin wecom \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/wecom
COPY --from=build /src/build/services/robot-gateway/server/wecom-robot-gateway \
     /usr/local/bin/wecom-robot-gateway
USER 10001:10001
WORKDIR /var/lib/wecom
EXPOSE 50053 9466 8080
ENTRYPOINT ["/usr/local/bin/wecom-robot-gateway", "--config", "/etc/wecom/robot-gateway.yaml"]
