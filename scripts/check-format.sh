#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted (Google style, .clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find common services emulators tools tests bench -name '*.cc' -o -name '*.h')
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not clang-formatted: $f" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "clang-format: ${#files[@]} files checked, all formatted"
exit "$bad"
