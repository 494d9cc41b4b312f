#!/usr/bin/env bash
# Installs everything msee-emu needs on Debian 12, from Debian's packages only: the toolchain
# and libraries to build it, and the real BGP daemons the integration tests peer with.
# --with-lab adds what the lab needs (scripts/run.sh), --with-test-peers everything the tests
# need (a superset). Idempotent; needs root. Set MSEE_SKIP_APT=1 to skip (e.g. when packages are pre-installed).
set -euo pipefail

if [[ "${MSEE_SKIP_APT:-0}" == 1 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (apt-get install)" >&2
  exit 1
fi

build_pkgs=(build-essential g++ cmake ninja-build ccache pkg-config
            libboost1.81-dev libfmt-dev nlohmann-json3-dev catch2 libssl-dev)
# Test peers and oracles: FRR, BIRD 2, GoBGP, ExaBGP, tshark; clang + its runtime for libFuzzer;
# iproute2 for network namespaces; python3 for the test injector; python3-prometheus-client
# parses /metrics in the API test; bgpdump decodes the MRT files msee-emu writes; azure-cli
# (az 2.45) and python3-azure (the SDK) are Azure's own clients the ARM endpoint tests run
# unchanged (issue #17; libssl-dev above builds that endpoint's TLS).
test_pkgs=(frr bird2 gobgpd exabgp tshark clang libclang-rt-14-dev iproute2 python3 procps
           iptables iperf3 iputils-ping traceroute openbgpd
           python3-prometheus-client bgpdump azure-cli python3-azure
           podman buildah runc debootstrap python3-yaml util-linux)
# The container test (tests/container/): podman with Debian's runc (crun cannot set
# RLIMIT_NOFILE here), debootstrap for the base image, python3-yaml to read the .clab.yml files.

# The lab (msee-ctl lab up, scripts/run.sh): namespaces, an FRR CE, python3 for msee-lab, and
# the data plane (issue #13): iptables (R78 source check, R79 DSCP), iperf3, ping, traceroute.
lab_pkgs=(iproute2 python3 frr procps iptables iperf3 iputils-ping traceroute)

want=("${build_pkgs[@]}")
case "${1:-}" in
  --with-test-peers) want+=("${test_pkgs[@]}") ;;
  --with-lab) want+=("${lab_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The daemons' packages would start services where an init system allows it; the tests start
# their own instances, so keep the packaged ones from starting.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
