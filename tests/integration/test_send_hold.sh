#!/usr/bin/env bash
# test_send_hold.sh — issue #14, RFC 9687 send hold timer: a peer that keeps its session alive
# with KEEPALIVEs but stops reading (its TCP window closed) must not wedge the session forever.
# msee-emu (router mode, 127.26.0.10) sends 1,000,000 /32s (5 MB, more than the 4 MB a
# loopback socket buffers at most, tcp_wmem) to two injector peers:
#   inj_stall (127.26.0.2, sendHoldTime 3 s): connects with a 4 KB receive buffer, never reads;
#   inj_ok    (127.26.0.3): reads everything and keeps alive.
# Expected: msee-emu closes inj_stall with NOTIFICATION 8 (Send Hold Timer Expired) a few
# seconds after its writes stall, logs it, reports session-down; inj_ok is untouched.
set -u
source "$(dirname "$0")/lib.sh"
it_init send_hold

A=127.26.0
ME=$A.10
it_require_ports "$ME 179"
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
  "router": { "asn": 65010, "routerId": "$ME" },
  "listen": [ { "address": "$ME", "port": 179 } ],
  "neighbors": [
    { "name": "inj_stall", "address": "$A.2", "peerAsn": 65026, "passive": true,
      "sendHoldTime": 3, "idleHoldTime": 30, "families": ["ipv4-unicast"] },
    { "name": "inj_ok", "address": "$A.3", "peerAsn": 65027, "passive": true,
      "families": ["ipv4-unicast"] }
  ],
  "generate": [ { "base": "20.0.0.0/32", "count": 1000000, "asPath": [65010],
                  "to": ["inj_stall", "inj_ok"] } ]
}
CONF
start_msee msee "$T/msee/config.json"
EV=$(msee_events msee)

"$IT_PY" "$IT_LIB_DIR/bgp_inject.py" stop-reading --peer "$ME" --bind "$A.2" --local-as 65026 \
  --hold 90 --rcvbuf 4096 --observe 25 > "$T/inj_stall.jsonl" 2> "$T/inj_stall.err" &
STALL=$!
it__record inject-stall $STALL
"$IT_PY" "$IT_LIB_DIR/bgp_inject.py" stay --peer "$ME" --bind "$A.3" --local-as 65027 \
  --hold 90 --observe 15 > "$T/inj_ok.jsonl" 2> "$T/inj_ok.err" &
OK=$!
it__record inject-ok $OK
it_watch "injector stall output" "$T/inj_stall.jsonl"
it_watch "injector ok stderr" "$T/inj_ok.err"
wait $STALL; wait $OK

res() { ev_has "$T/$1.jsonl" "e.get('event')=='result' and (lambda r: ($2))(e)"; }
check "both injectors reached Established" \
  bash -c "grep -q '\"established\"' '$T/inj_stall.jsonl' && grep -q '\"established\"' '$T/inj_ok.jsonl'"
# Without the send hold timer nothing would close it: KEEPALIVEs flow, so the 90 s hold
# timer never expires. Writes progress for a few seconds (the table is generated and the
# socket buffer grows to 4 MB), then 3 s send hold, then at most 3 s for the NOTIFICATION.
check "msee-emu closed the stalled peer's connection within the 25 s observed: $(grep -o '"closed_after": [0-9.]*' "$T/inj_stall.jsonl")" \
  res inj_stall "r['closed_after'] is not None and r['closed_after'] < 25"
check_wait 3 "msee-emu events: session-down of inj_stall with NOTIFICATION 8/0 (Send Hold Timer Expired)" \
  ev_has "$EV" "e['event']=='session-down' and e['peer']=='inj_stall' and (e.get('notification') or {}).get('code')==8"
check "msee-emu log: send hold timer expired for inj_stall after 3 s without progress (RFC 9687)" \
  grep -q "peer inj_stall: send hold timer expired: nothing written for 3 s" "$T/msee/stderr.log"
check "the well-behaved peer stayed up 15 s and got UPDATEs" \
  bash -c "$IT_PY - '$T/inj_ok.jsonl' <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [e for e in ev if e.get('event') == 'result'][-1]
sys.exit(not (r['still_up'] and sum(e.get('event') == 'update_rx' for e in ev) > 100))
PY"
check "msee-emu events: no session-down for inj_ok before its own Cease" \
  eq 0 ev_count "$EV" "e['event']=='session-down' and e['peer']=='inj_ok' and e['kind']!='NotificationReceived'"
check "msee-emu is still running" it_pid_alive "$(it_pid_of msee)"
it_finish
