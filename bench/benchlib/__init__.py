"""bench/benchlib - the code behind the benchmark scripts, Python 3 standard library only.

Shared by bench/bgpbench.py, bench/api_latency.py, bench/soak.py and bench/location.py:
  proc         processes started in their own session and stopped by PID; /proc readers
               (CPU time, RSS, per-CPU busy time, TCP sockets, TcpExt counters); CMake cache.
bgpbench.py (BGP convergence/memory of msee-emu, BIRD, FRR, GoBGP):
  wire         topology of 127.31.0.0/16, BGP message encoding, UPDATE streams, prefix counting
  session      one non-blocking BGP session (Peer) and the selector loop that drives them
  speakers     the sender and sink child processes built on that loop
  targets      how each target is configured, started, stopped and identified
  scenarios    the scenario sizes and their pre-encoded UPDATE streams
  runner       one measured run of one target in one scenario (and the baseline RSS)
  report       per-scenario summary, tables, ratios to BIRD, --report of a JSON file
api_latency.py (REST API latency of msee-emu under BGP load):
  api_setup    topology, generated circuit and CE (BIRD) configs, errors, progress lines
  api_client   the HTTP client, the latency recorder and the client thread
  api_run      the phases of one run (baseline, loading, steady, churn)
  api_report   percentiles, the result dict and the printed table
soak.py (msee-emu's RSS and descriptors over 10,000 session flaps and 1,000 limit cycles):
  soak_ce      circuit config of the soak and the CE side of every MSEE session (raw BGP)
location.py (a whole peering location, N circuits x 2 sessions, msee-emu against BIRD):
  location_topo    addresses, both targets' configs, the network namespace, the UPDATEs
  location_ce      the harness: every CE session and the target's counters in one loop
  location_run     the targets and the phases of one run (connect, announce, withdraw, ...)
  location_report  the summary over runs and the table with the msee/BIRD ratios
The entry scripts put bench/ on sys.path and import from here.
"""
