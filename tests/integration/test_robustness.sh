#!/usr/bin/env bash
# test_robustness.sh — issue #14: a CE that misbehaves at the transport level gets a clean
# answer and the other sessions never notice. msee-emu (router mode, 127.27.0.10) with three
# injector peers (bgp_inject.py):
#   inj_stay  (127.27.0.2) a well-behaved session, Established throughout; meanwhile its own
#             address opens 1,000 more TCP connections at once: each gets Cease/Connection
#             Rejected (RFC 4486) or, beyond the 16 being rejected at a time, a plain close;
#             msee-emu's descriptors come back to where they were;
#   inj_trunc (127.27.0.3) sends half an UPDATE and vanishes (a CE killed mid-write): the
#             session goes down as a transport close, nothing else happens;
#   inj_flood (127.27.0.4) sends 100,000 KEEPALIVEs as fast as it can: no error, still up.
set -u
source "$(dirname "$0")/lib.sh"
it_init robustness

A=127.27.0
ME=$A.10
it_require_ports "$ME 179"
nb() { echo "{ \"name\": \"$1\", \"address\": \"$2\", \"peerAsn\": $3, \"passive\": true, \"idleHoldTime\": 1, \"families\": [\"ipv4-unicast\"] }"; }
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
  "router": { "asn": 65010, "routerId": "$ME" },
  "listen": [ { "address": "$ME", "port": 179 } ],
  "neighbors": [ $(nb inj_stay $A.2 65027), $(nb inj_trunc $A.3 65028), $(nb inj_flood $A.4 65029) ],
  "announce": [ { "prefixes": ["10.27.0.0/16"], "asPath": [65010],
                  "to": ["inj_stay", "inj_trunc", "inj_flood"] } ]
}
CONF
start_msee msee "$T/msee/config.json"
EV=$(msee_events msee)
PID=$(it_pid_of msee)
inject() {  # inject NAME SCENARIO ADDR AS [ARGS...]
  local name=$1 scen=$2 addr=$3 as=$4; shift 4
  "$IT_PY" "$IT_LIB_DIR/bgp_inject.py" "$scen" --peer "$ME" --bind "$addr" --local-as "$as" \
    --hold 9 --connect-timeout 15 "$@" > "$T/$name.jsonl" 2> "$T/$name.err" &
  it__record "inject-$name" $!
  it_watch "injector $name" "$T/$name.jsonl"
}
res() { ev_has "$T/$1.jsonl" "e.get('event')=='result' and (lambda r: ($2))(e)"; }
fds() { ls "/proc/$PID/fd" | wc -l; }

inject stay stay $A.2 65027 --observe 30
STAY=$!
check_wait 15 "inj_stay Established" ev_has "$EV" "e['event']=='established' and e['peer']=='inj_stay'"
sleep 0.5
FDS0=$(fds)

# ---- 1,000 connections at once from the Established CE's own address
"$IT_PY" "$IT_LIB_DIR/bgp_inject.py" connection-flood --peer "$ME" --bind $A.2 --count 1000 \
  --observe 8 > "$T/flood_conn.jsonl" 2> "$T/flood_conn.err"
it_log "connection flood: $(grep '"result"' "$T/flood_conn.jsonl")"
check "all 1,000 connections answered: Cease/Connection Rejected (6/5) or closed, none left hanging" \
  res flood_conn "r['opened'] + r['connect_failed'] == 1000 and r['unanswered'] == 0 and set(r['answers']) <= {'notification 6/5', 'closed'} and r['answers'].get('notification 6/5', 0) >= 16"
check_wait 8 "msee-emu's descriptors back to the $FDS0 before the flood" \
  bash -c "[ \$(ls /proc/$PID/fd | wc -l) -le $FDS0 ]"

# ---- half an UPDATE, then gone
inject trunc truncated-update $A.3 65028
check_wait 15 "inj_trunc: session down as a transport close (no NOTIFICATION to send to nobody)" \
  ev_has "$EV" "e['event']=='session-down' and e['peer']=='inj_trunc' and e['kind']=='TransportClosed'"
check "inj_trunc: no route came from the half UPDATE" \
  eq 0 ev_count "$EV" "e['event']=='route' and e.get('peer')=='inj_trunc'"

# ---- 100,000 KEEPALIVEs
inject flood keepalive-flood $A.4 65029 --count 100000 --observe 3
FLOOD=$!
wait $FLOOD
check "inj_flood: no NOTIFICATION, session still up after 100,000 KEEPALIVEs" \
  res flood "r['notification'] is None and r['still_up'] is True"
check "msee-emu events: no session-down of inj_flood but its own Cease at the end" \
  eq 0 ev_count "$EV" "e['event']=='session-down' and e['peer']=='inj_flood' and e['kind']!='NotificationReceived'"

wait $STAY
check "msee-emu events: no session-down of inj_stay but its own Cease" \
  eq 0 ev_count "$EV" "e['event']=='session-down' and e['peer']=='inj_stay' and e['kind']!='NotificationReceived'"
check "inj_stay's result: still up after 30 s" res stay "r['still_up'] is True"
check "msee-emu is still running" it_pid_alive "$PID"
it_finish
