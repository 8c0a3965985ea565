#!/usr/bin/env bash
# Builds localhost/deno-base:<version>, a local stand-in for the official
# denoland/deno:<version> image, for machines that cannot pull from Docker Hub:
# a Debian minbase root file system (debootstrap, from the mirror apt already
# uses), the Deno binary that npm ships, user `deno` (uid 1993, as upstream),
# DENO_DIR=/deno-dir and `deno` as the entrypoint. Imported into podman.
#
# Usage: ops/container/build-base.sh [version]   (default: .deno-version)
# Skips all work when the image exists; REBUILD=1 forces a rebuild.
# Prints "base image: <name> (built in N s | cached)".
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${1:-$(cat .deno-version)}"
IMAGE="localhost/deno-base:${VERSION}"

if [ "${REBUILD:-0}" != "1" ] && podman image exists "$IMAGE"; then
  echo "base image: ${IMAGE} (cached)"
  exit 0
fi
started=$(date +%s)

# The Debian mirror and suite apt uses here: deb822 sources first, then the
# one-line format. The security archive is not a full mirror, so skip it.
mirror_and_suite() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      /^[[:space:]]*$/ { if (uri != "" && suite != "") { print uri, suite; exit }; uri = ""; suite = ""; next }
      /^URIs:/ { if ($2 !~ /security/) uri = $2 }
      /^Suites:/ { suite = $2 }
      END { if (uri != "" && suite != "") print uri, suite }
    ' "$f" | head -1
  done
  if [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2, $3; exit }
         $1 == "deb" && $2 ~ /^\[/ && $3 !~ /security/ { print $3, $4; exit }' /etc/apt/sources.list
  fi
}
read -r MIRROR SUITE < <(mirror_and_suite | head -1) || true
if [ -z "${MIRROR:-}" ] || [ -z "${SUITE:-}" ]; then
  echo "cannot find a Debian mirror in /etc/apt/sources.list{,.d/*.sources}" >&2
  exit 1
fi

# The Deno binary from npm: `npx deno@<v>` installs the platform package
# (@deno/linux-x64-glibc) and Deno.execPath() names the real binary.
DENO_BIN="$(npx -y "deno@${VERSION}" eval --quiet 'console.log(Deno.execPath())')"
[ -x "$DENO_BIN" ] || { echo "no Deno binary from npm (got '${DENO_BIN}')" >&2; exit 1; }

work="$(mktemp -d /var/tmp/deno-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap --variant=minbase ${SUITE} from ${MIRROR}"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -30 "$work/debootstrap.log" >&2
  exit 1
}

install -m 0755 "$DENO_BIN" "$rootfs/usr/bin/deno"
chroot "$rootfs" /usr/sbin/groupadd --gid 1993 deno
chroot "$rootfs" /usr/sbin/useradd --uid 1993 --gid deno --no-create-home --shell /bin/sh deno
mkdir -p "$rootfs/deno-dir"
chown 1993:1993 "$rootfs/deno-dir"
# What a pulled image would not carry: package caches and lists.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/var/log/* "$rootfs"/tmp/*
"$rootfs/usr/bin/deno" --version | head -1

tar --numeric-owner -C "$rootfs" -c . | podman import \
  --change 'ENV DENO_DIR=/deno-dir/' \
  --change 'ENV DENO_INSTALL_ROOT=/usr/local' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENTRYPOINT ["/usr/bin/deno"]' \
  --change 'CMD ["--version"]' \
  --message "local stand-in for denoland/deno:${VERSION} (debootstrap ${SUITE} + npm deno)" \
  - "$IMAGE" >/dev/null

echo "base image: ${IMAGE} (built in $(($(date +%s) - started)) s)"
