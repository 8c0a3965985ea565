# The review hub in a container. Not built here (no Docker engine on the
# development machines); see README, "Containers and single binaries".
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
COPY templates ./templates
COPY web ./web
RUN deno cache main.ts && mkdir -p /data && chown deno:deno /data
ENV WEBSOCKET_HOST=0.0.0.0 WEBSOCKET_PORT=8765 SQLITE_PATH=/data/wsserver.sqlite \
    MALLOC_ARENA_MAX=2
VOLUME /data
EXPOSE 8765
USER deno
CMD ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write=/data", "--allow-sys=hostname,osRelease,networkInterfaces", "main.ts"]
