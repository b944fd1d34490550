# The demo in one image: the three services, every emulator (the Finance SDK
# emulator's libWeWorkFinanceSdk_C.so, the WeCom API, quntool and the node
# yjiyun emulator with its npm packages), wecomctl, and scripts/demo.sh.
#   docker build -f docker/demo.Dockerfile -t wecom-demo .
#   docker run --rm wecom-demo
#
# One stage, not two: demo.sh runs scripts/install-deps.sh and the cmake build
# itself before it starts anything, so the image keeps the full package set and
# the built tree, and both steps find nothing to do. Everything runs on
# loopback ports inside the container; nothing is exposed.

FROM debian:bookworm-slim
RUN groupadd --gid 10001 wecom \
 && useradd --uid 10001 --gid 10001 --create-home --shell /bin/bash wecom \
 && install -d -o 10001 -g 10001 /opt/wecom-suite
WORKDIR /opt/wecom-suite
# Every Debian package, npm, and `npm ci` of the lock file: the yjiyun
# emulator's socket.io servers are devDependencies, so --omit=dev would drop them.
COPY --chown=10001:10001 scripts/install-deps.sh scripts/install-deps.sh
COPY --chown=10001:10001 package.json package-lock.json ./
RUN scripts/install-deps.sh \
 && rm -rf /var/lib/apt/lists/* /root/.npm
COPY --chown=10001:10001 CMakeLists.txt ./
COPY --chown=10001:10001 cmake cmake/
COPY --chown=10001:10001 proto proto/
COPY --chown=10001:10001 common common/
COPY --chown=10001:10001 emulators emulators/
COPY --chown=10001:10001 services services/
COPY --chown=10001:10001 tools tools/
COPY --chown=10001:10001 scripts scripts/
USER 10001:10001
# demo.sh's own configure and build line: what it runs again finds it done.
RUN cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DWECOM_BUILD_TESTS=OFF \
 && cmake --build build/release
ENTRYPOINT ["/opt/wecom-suite/scripts/demo.sh"]
