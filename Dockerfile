# The review hub in a container, on the official Deno image (or a local
# stand-in: ops/container/build-base.sh; docs/deployment.md, "Containers").
#
#   docker build -t review-hub .
#   docker run -p 8765:8765 -v hub-data:/data -e AUTH_SECRET=… review-hub
#
# Behind a TLS-intercepting proxy, hand its CA bundle to `deno` for the build
# (a secret, so it stays out of the image's layers):
#   --secret id=deno_cert,src=/etc/ssl/certs/ca-certificates.crt
# Build with --format docker under podman/buildah so HEALTHCHECK is kept.
ARG DENO_IMAGE=denoland/deno:2.9.6
FROM ${DENO_IMAGE}

WORKDIR /app
RUN mkdir -p /data && chown deno:deno /data
COPY deno.json deno.lock main.ts ./
COPY src ./src
COPY templates ./templates
COPY web ./web
COPY ops/container/healthcheck.ts ./ops/container/healthcheck.ts

# Every dependency goes into DENO_DIR at build time, as the user that runs
# it; the server then starts with --cached-only and never reaches the network.
USER deno
RUN --mount=type=secret,id=deno_cert,mode=0444 \
    if [ -s /run/secrets/deno_cert ]; then export DENO_CERT=/run/secrets/deno_cert; fi; \
    deno cache --frozen main.ts ops/container/healthcheck.ts

# MALLOC_ARENA_MAX=2: glibc's per-thread arenas, not the JS heap, dominate
# memory per connection. DENO_V8_FLAGS=--max-semi-space-size=16: V8's young
# generation at 16 MB, not 32, halves the heap a burst of requests grows and
# makes a connect storm cheaper, at no cost to fan-out (docs/benchmarks.md).
ENV WEBSOCKET_HOST=0.0.0.0 WEBSOCKET_PORT=8765 SQLITE_PATH=/data/wsserver.sqlite \
    MALLOC_ARENA_MAX=2 DENO_V8_FLAGS=--max-semi-space-size=16
VOLUME /data
EXPOSE 8765

# Liveness: the process answers HTTP. Readiness (database, broker) is /readyz,
# for the load balancer. `podman healthcheck run <name>` runs it by hand.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["deno", "run", "--quiet", "--cached-only", "--allow-net=127.0.0.1", "--allow-env=WEBSOCKET_PORT,SSL_CERT_FILE,SSL_KEY_FILE", "--unsafely-ignore-certificate-errors=127.0.0.1", "/app/ops/container/healthcheck.ts"]

# deno is the entrypoint (as in the official image); SIGTERM closes clients
# 1012 and exits 0, within the default 10 s stop timeout.
STOPSIGNAL SIGTERM
CMD ["run", "--cached-only", "--allow-net", "--allow-env", "--allow-read", "--allow-write=/data", "--allow-sys=hostname,osRelease,networkInterfaces", "--allow-run=deno", "main.ts"]
