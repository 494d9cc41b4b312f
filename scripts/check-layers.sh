#!/usr/bin/env bash
# Module boundaries (docs/architecture.md): Asio/Beast only in src/bgp/io, src/app and src/ctl;
# nlohmann/json only in *_json.cpp files (and tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
if hits=$(grep -rln --include='*.[ch]pp' -E '#include *<boost/(asio|beast)' src |
          grep -v -E '^src/(bgp/io|app|ctl)/'); then
  echo "Asio/Beast included outside src/bgp/io and src/app:"; echo "$hits"; bad=1
fi
if hits=$(grep -rln --include='*.[ch]pp' '#include *<nlohmann' src | grep -v -E '_json\.(cpp|hpp)$'); then
  echo "nlohmann/json included outside *_json.cpp:"; echo "$hits"; bad=1
fi
[[ $bad == 0 ]] && echo "layering: ok"
exit $bad
