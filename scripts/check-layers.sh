#!/usr/bin/env bash
# The module rules of docs/architecture.md, checked on the #include lines of src/:
#   1. each module includes only the modules below it (the table below: one row per module,
#      the folders it may include; a module never includes one on its own floor or above);
#   2. Boost.Asio/Beast only in the runtime modules (bgp/io, bfd/io, speaker, emulator, api,
#      arm, app, ctl): protocol logic stays pure;
#   3. nlohmann/json only in files named *_json.cpp / *_json.hpp (the JSON adapters).
# Prints every violation with the folder it belongs to and what that folder may use.
set -euo pipefail
cd "$(dirname "$0")/.."

# module folder -> the folders its files may include (besides its own and the standard library)
declare -A allowed=(
  [util]=""
  [bgp/wire]="util"
  [bfd]="util"
  [mrt]="util bgp/wire"
  [bgp/fsm]="util bgp/wire"
  [rib]="util bgp/wire"
  [fib]="util bgp/wire"
  [msee]="util bgp/wire rib"
  [msee/config]="util bgp/wire rib msee"
  [bgp/io]="util bgp/wire bgp/fsm"
  [bfd/io]="util bfd bgp/wire bgp/io"
  [kernel]="util bgp/wire fib"
  [speaker]="util bgp/wire bgp/fsm bgp/io rib fib kernel mrt"
  [emulator]="util bgp/wire bgp/fsm bgp/io bfd bfd/io rib fib kernel mrt msee speaker"
  [api]="util bgp/wire bgp/fsm bgp/io bfd bfd/io rib fib mrt msee msee/config speaker emulator kernel"
  [arm]="util bgp/wire bgp/fsm bgp/io bfd bfd/io rib fib mrt msee msee/config speaker emulator kernel api"
  [app]="util bgp/wire bgp/fsm bgp/io bfd bfd/io rib fib mrt msee msee/config speaker emulator kernel api arm"
  [ctl]=""
)
asio_ok="bgp/io bfd/io speaker emulator api arm app ctl"

bad=0
module_of() {  # src/bgp/wire/codec.cpp -> bgp/wire (the deepest folder that is a module)
  local d
  d=$(dirname "${1#src/}")
  while [[ -n "$d" && "$d" != "." ]]; do
    if [[ -v "allowed[$d]" ]]; then echo "$d"; return; fi
    d=$(dirname "$d")
  done
  echo "?"
}

while IFS= read -r f; do
  mod=$(module_of "$f")
  if [[ "$mod" == "?" ]]; then
    echo "$f: not in a module folder (add a row to scripts/check-layers.sh and docs/architecture.md)"
    bad=1; continue
  fi
  while IFS= read -r inc; do
    dep=$(module_of "src/$inc")
    [[ "$dep" == "$mod" ]] && continue
    if [[ " ${allowed[$mod]} " != *" $dep "* ]]; then
      echo "$f: includes \"$inc\": src/$mod/ may use only: ${allowed[$mod]:-the standard library}"
      bad=1
    fi
  done < <(sed -n -E 's/^#include "([^"]+)".*/\1/p' "$f" | grep '/' || true)
  if grep -q -E '#include *<boost/(asio|beast)' "$f" && [[ " $asio_ok " != *" $mod "* ]]; then
    echo "$f: includes Boost.Asio/Beast: only the runtime modules ($asio_ok) may"
    bad=1
  fi
  if grep -q '#include *<nlohmann' "$f" && [[ ! "$f" =~ _json\.(cpp|hpp)$ ]]; then
    echo "$f: includes nlohmann/json: only *_json.cpp / *_json.hpp files (JSON adapters) may"
    bad=1
  fi
done < <(find src -name '*.[ch]pp' | sort)

[[ $bad == 0 ]] && echo "layering: ok ($(find src -name '*.[ch]pp' | wc -l) files, ${#allowed[@]} modules)"
exit $bad
