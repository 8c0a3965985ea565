#!/usr/bin/env bash
# Proves the container here: builds the base image (ops/container/build-base.sh,
# cached), builds the project's image from the Dockerfile with Debian's podman,
# then runs it against SQLite and against the MariaDB at 127.0.0.1:3306 (a
# fresh database, dropped afterwards). For each: /readyz 200, an operator's
# WELCOME, the image's HEALTHCHECK, `podman stop` (SIGTERM) closing the client
# 1012 and the container exiting 0, and the data where it belongs. Last, the
# HEALTHCHECK must fail when no server answers.
#
# crun and the default ulimits fail in this VM: always runc and explicit ulimits.
# (Without systemd, podman cannot schedule the HEALTHCHECK and says so on
# stderr; the check is run by hand with `podman healthcheck run`.)
# Env: DENO (a deno binary; default npx deno@<.deno-version>), MYSQL_HOST/PORT
# (default 127.0.0.1:3306, user root without password), IMAGE (default
# localhost/review-hub:ci), NO_CACHE=1 (build without podman's layer cache,
# to time a cold build; REBUILD=1 does the same for the base). Prints "timing …" lines and, last, "container: ok".
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="$(cat .deno-version)"
BASE="localhost/deno-base:${VERSION}"
IMAGE="${IMAGE:-localhost/review-hub:ci}"
DB_HOST="${MYSQL_HOST:-127.0.0.1}"
DB_PORT="${MYSQL_PORT:-3306}"
SECRET="container-test-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
if [ -n "${DENO:-}" ]; then deno() { "$DENO" "$@"; }; else deno() { npx -y "deno@${VERSION}" "$@"; }; fi
now_ms() { date +%s%3N; }
fail() { echo "container: FAILED: $*" >&2; exit 1; }

containers=()
dirs=()
databases=()
probes=()
cleanup() {
  local c p d
  for p in "${probes[@]}"; do kill "$p" 2>/dev/null || true; done
  for c in "${containers[@]}"; do "${PODMAN[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  for d in "${databases[@]}"; do
    mariadb -h "$DB_HOST" -P "$DB_PORT" -u root -e "DROP DATABASE IF EXISTS \`$d\`" || true
  done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# 1. The base image (cached after the first run).
t0=$(now_ms)
bash ops/container/build-base.sh "$VERSION"
echo "timing base_ms=$(($(now_ms) - t0))"

# 2. The project's image. --format docker keeps HEALTHCHECK (OCI has none);
# the CA bundle goes in as a secret so `deno cache` can reach npm through this
# machine's TLS-intercepting proxy without landing in a layer.
cert="${DENO_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
build_args=()
[ "${NO_CACHE:-0}" = "1" ] && build_args+=(--no-cache)
secret_args=()
[ -s "$cert" ] && secret_args=(--secret "id=deno_cert,src=${cert}")
work="$(mktemp -d /var/tmp/review-hub-ct.XXXXXX)"
dirs+=("$work")
previous="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
t0=$(now_ms)
"${PODMAN[@]}" build "${build_args[@]}" --format docker "${LIMITS[@]}" --network host \
  --build-arg "DENO_IMAGE=${BASE}" "${secret_args[@]}" \
  --iidfile "$work/iid" -t "$IMAGE" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  fail "podman build"
}
echo "timing image_ms=$(($(now_ms) - t0))"
image_id="$(cat "$work/iid")"
# The image this tag named before is garbage now (reruns after a change would pile them up).
if [ -n "$previous" ] && [ "sha256:${previous#sha256:}" != "sha256:${image_id#sha256:}" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi

# 3. One run of the image: $1 names it, the rest are `-e`/`-v` arguments.
run_case() {
  local name="$1"
  shift
  local port ctr log started probe code status
  port="$(free_port)" || fail "no free port"
  ctr="review-hub-ct-$$-${name}"
  log="$work/probe-${name}.log"
  containers+=("$ctr")
  started=$(now_ms)
  "${PODMAN[@]}" run -d --name "$ctr" "${LIMITS[@]}" --network host \
    -e "AUTH_SECRET=${SECRET}" -e WEBSOCKET_HOST=127.0.0.1 -e "WEBSOCKET_PORT=${port}" \
    "$@" "$image_id" >/dev/null 2>"$work/run-${name}.err" || {
    cat "$work/run-${name}.err" >&2
    fail "$name: podman run"
  }
  AUTH_SECRET="$SECRET" deno run --allow-net=127.0.0.1 --allow-env=AUTH_SECRET \
    ops/container/probe.ts "http://127.0.0.1:${port}" "$started" 60000 >"$log" 2>&1 &
  probe=$!
  probes+=("$probe")
  for _ in $(seq 1 1200); do
    grep -q '^welcome ' "$log" && break
    kill -0 "$probe" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q '^welcome ' "$log"; then
    cat "$log" >&2
    "${PODMAN[@]}" logs "$ctr" >&2 || true
    fail "$name: no WELCOME"
  fi
  grep '^welcome ' "$log" | grep -q '"role":"operator"' || fail "$name: WELCOME without the operator role"
  echo "timing ${name}_ready_ms=$(sed -nE 's/^ready \{"msSinceStart":([0-9]+)\}/\1/p' "$log")"
  echo "$name: /readyz 200, WELCOME $(sed -n "s/^welcome //p" "$log" | cut -c1-110)…"

  "${PODMAN[@]}" healthcheck run "$ctr" >/dev/null 2>&1 || fail "$name: HEALTHCHECK failed on a running server"
  echo "$name: HEALTHCHECK healthy"

  "${PODMAN[@]}" stop -t 10 "$ctr" >/dev/null 2>&1 || fail "$name: podman stop"
  code="$("${PODMAN[@]}" inspect "$ctr" --format '{{.State.ExitCode}}')"
  status=0
  wait "$probe" || status=$?
  grep -q '^closed {"code":1012}' "$log" || { cat "$log" >&2; fail "$name: the client was not closed 1012"; }
  [ "$status" -eq 0 ] || fail "$name: probe exited $status"
  [ "$code" = "0" ] || { "${PODMAN[@]}" logs "$ctr" >&2; fail "$name: exit code ${code} after SIGTERM"; }
  grep -q '"level":"error"' < <("${PODMAN[@]}" logs "$ctr" 2>&1) &&
    { "${PODMAN[@]}" logs "$ctr" >&2; fail "$name: errors in the server's log"; }
  echo "$name: SIGTERM closed the client 1012, container exited 0"
}

# SQLite on a host directory owned by the image's user (uid 1993).
data="$work/data"
mkdir -p "$data" && chown 1993:1993 "$data"
run_case sqlite -v "${data}:/data"
[ -s "$data/wsserver.sqlite" ] || fail "sqlite: no database file in the volume"
echo "sqlite: $(du -k "$data/wsserver.sqlite" | cut -f1) KB database in the volume"

# MariaDB: a fresh database the server creates itself.
db="ct_$$_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
databases+=("$db")
run_case mariadb -e "MYSQL_HOST=${DB_HOST}" -e "MYSQL_PORT=${DB_PORT}" -e MYSQL_USER=root \
  -e "MYSQL_DB=${db}"
tables="$(mariadb -h "$DB_HOST" -P "$DB_PORT" -u root -N -e \
  "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${db}'")"
[ "${tables:-0}" -gt 0 ] || fail "mariadb: no tables in ${db}"
echo "mariadb: ${tables} tables in ${db}"

# 4. The image's own HEALTHCHECK fails when its server is not running (so "healthy" means something).
idle="review-hub-ct-$$-idle"
containers+=("$idle")
"${PODMAN[@]}" run -d --name "$idle" "${LIMITS[@]}" --network host \
  -e "WEBSOCKET_PORT=$(free_port)" --entrypoint sleep "$image_id" 60 >/dev/null 2>&1 ||
  fail "cannot start a container without a server"
if "${PODMAN[@]}" healthcheck run "$idle" >/dev/null 2>&1; then
  fail "HEALTHCHECK passed with no server"
fi
echo "HEALTHCHECK fails with no server"
echo "container: ok"
