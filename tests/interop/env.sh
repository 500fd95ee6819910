# Source me (after tests/interop/setup.sh): exports INTEROP_VENV, INTEROP_PY, OADR_XSD.
#   source tests/interop/env.sh
_interop_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export INTEROP_VENV="${INTEROP_VENV:-$(cd "$_interop_here/../.." && pwd)/target/interop-venv}"
export INTEROP_PY="$INTEROP_VENV/bin/python"
OADR_XSD=""
for _f in "$INTEROP_VENV"/lib/python3*/site-packages/openleadr/schema/oadr_20b.xsd; do
  [ -f "$_f" ] && OADR_XSD="$_f" && break
done
if [ -z "$OADR_XSD" ]; then
  echo "env.sh: oadr_20b.xsd not found under $INTEROP_VENV; run tests/interop/setup.sh first" >&2
fi
export OADR_XSD
unset _interop_here _f
