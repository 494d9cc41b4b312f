"""msee-lab: the one-command ExpressRoute lab and its failure drills.

`msee-ctl lab|drill|validate-limits` runs this package. It builds network namespaces for the
customer edge (CE), the MSEEs and a switch between them, starts msee-emu and a CE router
(FRR, BIRD or msee-emu's own router mode) configured as Microsoft's samples configure one
(R88, R89), injects failures (silent link loss, BGP disconnect, AS-path prepend, peering reset,
flaps, route-limit breach) and reports what the CE saw, with times.

Python 3 standard library only: it drives ip(8), vtysh, birdc and msee-emu's REST API.
"""
