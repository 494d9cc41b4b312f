#!/bin/sh
# The CE side of the MSEE links in a containerlab topology (run by the CE nodes' `exec:`):
#   ce-links.sh DEV VLAN ADDR/LEN [DEV VLAN ADDR/LEN ...]
# puts each address on the dot1Q sub-interface DEV.VLAN where the kernel has 802.1Q, else
# untagged on DEV, the same choice the msee-emu image's entrypoint makes on the MSEE side
# (MSEE_DOT1Q=auto|on|off overrides it on both). IPv6 addresses are added without DAD.
set -eu
dot1q=${MSEE_DOT1Q:-auto}
while [ $# -ge 3 ]; do
  dev=$1 vlan=$2 addr=$3
  shift 3
  ip link set "$dev" up
  if [ "$dot1q" = auto ]; then
    if ip link add link "$dev" name "$dev.4094" type vlan id 4094 2>/dev/null; then
      ip link del "$dev.4094"
      dot1q=on
    else
      dot1q=off
      echo "ce-links: no 802.1Q in this kernel: peerings untagged on their links" >&2
    fi
  fi
  if [ "$dot1q" = on ]; then
    [ -e "/sys/class/net/$dev.$vlan" ] || ip link add link "$dev" name "$dev.$vlan" type vlan id "$vlan"
    dev=$dev.$vlan
    ip link set "$dev" up
  fi
  case $addr in
    *:*) ip addr add "$addr" dev "$dev" nodad ;;
    *) ip addr add "$addr" dev "$dev" ;;
  esac
  echo "ce-links: $addr on $dev" >&2
done
[ $# -eq 0 ] || { echo "ce-links: arguments come in threes: DEV VLAN ADDR/LEN" >&2; exit 2; }
