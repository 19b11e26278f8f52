#!/usr/bin/env bash
# The demo on embedded defaults: a fresh register in ./.demo, the sample people and improvements.
set -euo pipefail
cd "$(dirname "$0")/.."

export IMPROVE_HOME="$PWD/.demo"
rm -rf "$IMPROVE_HOME"
unset IMPROVE_DATABASE_URL

improve init
while IFS='|' read -r name email roles; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  args=()
  IFS=',' read -ra grants <<< "$roles"
  for grant in "${grants[@]}"; do args+=(--role "$(echo "$grant" | xargs)"); done
  improve people add "$(echo "$name" | xargs)" --email "$(echo "$email" | xargs)" "${args[@]}"
done < examples/people.txt

improve apply examples/improvements/ --as "Carmen Ruiz"
improve list
improve show network-mttr
echo
echo "The register is in $IMPROVE_HOME (SQLite). Try: IMPROVE_HOME=$IMPROVE_HOME .venv/bin/improve audit network-mttr"
