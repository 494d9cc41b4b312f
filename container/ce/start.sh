#!/bin/sh
# Starts the CE daemon of the image (MSEE_CE, set by container/ce/Containerfile's CE) on the
# config the topology bind-mounts, the way the upstream images do: FRR like its docker-start
# (the daemons of /etc/frr/daemons under watchfrr), BIRD and OpenBGPD in the foreground
# (OpenBGPD with ce-fib-sync beside it for the kernel routes).
set -eu
case "$MSEE_CE" in
  frr)
    chown -R frr:frr /etc/frr 2>/dev/null || true
    /usr/lib/frr/frrinit.sh start
    exec sleep infinity
    ;;
  bird)
    mkdir -p /run/bird
    exec bird -f -c /etc/bird/bird.conf -s /run/bird/bird.ctl
    ;;
  openbgpd)
    mkdir -p /run/openbgpd
    # bgpd's selected routes into the kernel (OpenBGPD portable does not write them itself).
    sh /usr/local/bin/ce-fib-sync &
    exec bgpd -d -f /etc/bgpd.conf
    ;;
esac
echo "ce-start: unknown MSEE_CE '$MSEE_CE'" >&2
exit 2
