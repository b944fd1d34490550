# wecom-media: fetches, verifies, stores and serves the archive's media.
#   docker build -f docker/media.Dockerfile -t wecom-media .
#
# The config is read from /etc/wecom/media.yaml (mount it there); set
# `data_dir: /var/lib/wecom` (jobs, staging and local blobs, a volume).
# It never loads the vendor SDK: every piece comes through the archive.
# Ports: gRPC 50052, Prometheus /metrics 9465 (the config's defaults).

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
 && cmake --build /src/build --target wecom-media

FROM debian:bookworm-slim
COPY scripts/install-deps.sh /tmp/wecom/scripts/install-deps.sh
RUN /tmp/wecom/scripts/install-deps.sh --runtime \
 && rm -rf /var/lib/apt/lists/* /tmp/wecom
RUN groupadd --gid 10001 wecom \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/wecom \
      --shell /usr/sbin/nologin wecom \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/wecom
COPY --from=build /src/build/services/media/server/wecom-media /usr/local/bin/wecom-media
USER 10001:10001
WORKDIR /var/lib/wecom
EXPOSE 50052 9465
ENTRYPOINT ["/usr/local/bin/wecom-media", "--config", "/etc/wecom/media.yaml"]
