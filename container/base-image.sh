#!/usr/bin/env bash
# Builds the Debian 12 base image the Containerfile starts from, with no image registry:
# `debootstrap --variant=minbase bookworm` from Debian's mirror, trimmed (apt's downloaded
# .debs and lists, docs, man pages, locales), then `podman import` as IMAGE
# (default localhost/debian:bookworm). Does nothing when IMAGE exists unless --force.
# Needs root, debootstrap and podman (scripts/install-deps.sh --with-container).
# Environment: MSEE_DEBIAN_MIRROR (default http://deb.debian.org/debian), PODMAN (the podman
# command line, default "podman"; the tests add --runtime runc --cgroup-manager=cgroupfs).
set -euo pipefail
image=localhost/debian:bookworm
force=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) image=$a ;;
  esac
done
read -r -a podman <<<"${PODMAN:-podman}"
if [[ $force == 0 ]] && "${podman[@]}" image exists "$image"; then
  echo "base-image: $image exists"
  exit 0
fi
dir=$(mktemp -d /tmp/msee-debootstrap.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "base-image: debootstrap --variant=minbase bookworm (about a minute)"
debootstrap --variant=minbase bookworm "$dir" "${MSEE_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
  >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"
# The same sources the mirror gave debootstrap, with the security suite the images need.
cat >"$dir/etc/apt/sources.list" <<SOURCES
deb ${MSEE_DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm main
deb ${MSEE_DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# What a container image does not need: downloaded packages and indexes (the stages run
# apt-get update themselves), documentation, man pages, translations.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
  "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
  "$dir"/usr/share/locale/*
# Keep future package installs from bringing those back (as Debian's docker images do).
cat >"$dir/etc/dpkg/dpkg.cfg.d/01-container-nodoc" <<'NODOC'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
NODOC
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
  >"$dir/etc/apt/apt.conf.d/01-container-norecommends"
tar -C "$dir" -c . | "${podman[@]}" import --quiet - "$image" >/dev/null
echo "base-image: imported $image ($("${podman[@]}" image inspect -f '{{.Size}}' "$image") bytes)"
