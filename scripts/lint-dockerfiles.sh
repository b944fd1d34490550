#!/usr/bin/env bash
# Lints the Dockerfiles (docker/*.Dockerfile, or the files given) offline:
# dockerfile-utils (npm, package-lock.json) for syntax and instruction misuse,
# where a warning fails as an error does, then the rules it does not know:
#   - every base image is debian:bookworm or debian:bookworm-slim (the packages
#     scripts/install-deps.sh names are Debian 12's), the final one -slim;
#   - the final stage ends as a numeric, non-root USER (uid[:gid], uid not 0);
#   - packages come from scripts/install-deps.sh: every stage RUNs it, no RUN
#     calls apt-get, apt or dpkg -i; a service image's final stage with --runtime;
#   - a service image (any but demo.Dockerfile) neither builds nor COPYs an emulator;
#   - every path COPY takes from the build context exists in the repository.
# Prints each problem as FILE:LINE: message; exits 1 if there is any.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINTER=$ROOT/node_modules/.bin/dockerfile-utils
if [ ! -x "$LINTER" ]; then
  echo "lint-dockerfiles: $LINTER is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$ROOT"/docker/*.Dockerfile)

# dockerfile-utils exits 0 on warnings, so its JSON is what counts.
linter_problems() {
  local file=$1 json
  if ! json=$("$LINTER" lint --json "$file" 2>&1) && [ "${json:0:1}" != "[" ]; then
    echo "$file:0: dockerfile-utils failed: $json"
    echo CHECKED
    return
  fi
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const [file, json] = process.argv.slice(1);
    let diagnostics;
    try { diagnostics = JSON.parse(json); } catch (e) {
      console.log(`${file}:0: dockerfile-utils printed no JSON: ${json}`);
      console.log("CHECKED"); process.exit(0);
    }
    for (const d of diagnostics)
      console.log(`${file}:${d.range.start.line + 1}: ${d.severity}: ${d.message}`);
    console.log("CHECKED");
  ' "$file" "$json"
}

# One instruction a line, "LINE<TAB>INSTRUCTION ARGS": continuations joined,
# comments and blank lines dropped.
instructions() {
  awk '
    /^[ \t]*#/ { next }
    !cont && /^[ \t]*$/ { next }
    {
      if (!cont) start = NR
      line = $0
      sub(/[ \t\r]+$/, "", line)
      if (line ~ /\\$/) { buf = buf substr(line, 1, length(line) - 1) " "; cont = 1; next }
      print start "\t" buf line
      buf = ""; cont = 0
    }
    END { if (cont) print start "\t" buf }
  ' "$1"
}

# The rules above but the COPY sources: prints "PROBLEM<TAB>TEXT" for each problem and
# "COPYSRC<TAB>LINE<TAB>PATH" for every build-context path a COPY names.
rule_problems() {
  local file=$1 service=1
  [ "$(basename "$file")" != demo.Dockerfile ] || service=0
  instructions "$file" | awk -F'\t' -v file="$file" -v service="$service" '
    function problem(line, text) { printf "PROBLEM\t%s:%d: %s\n", file, line, text }
    {
      line = $1; text = $2
      n = split(text, tok, /[ \t]+/)
      op = toupper(tok[1])
      if (op == "FROM") {
        image = ""
        for (i = 2; i <= n; i++) if (tok[i] !~ /^--/) { image = tok[i]; break }
        stages++; from_line[stages] = line; base[stages] = image
        if (image != "debian:bookworm" && image != "debian:bookworm-slim")
          problem(line, "base image " image " is not debian:bookworm or debian:bookworm-slim")
        next
      }
      if (op == "USER") { user[stages] = tok[2]; user_line[stages] = line }
      if (op == "RUN") {
        if (text ~ /(^|[^[:alnum:]_.-])(apt-get|apt|aptitude)[ \t]/ || text ~ /dpkg[ \t]+(-i|--install)/)
          problem(line, "packages come from scripts/install-deps.sh, not apt-get/apt/dpkg in a RUN")
        if (text ~ /install-deps\.sh/) {
          deps[stages] = 1
          if (text ~ /install-deps\.sh[^&;|]*--runtime/) runtime_deps[stages] = 1
          else full_deps[stages] = 1
        }
        if (service && text ~ /--target/ && tolower(text) ~ /emulator|quntool|yjiyun|finance/)
          problem(line, "a service image builds an emulator")
      }
      if (op == "COPY" || op == "ADD") {
        copies++; copy_stage[copies] = stages; copy_line[copies] = line; copy_text[copies] = text
        from_stage = 0
        for (i = 2; i <= n; i++) if (tok[i] ~ /^--from=/) from_stage = 1
        if (op == "ADD") problem(line, "ADD fetches and unpacks; use COPY")
        if (!from_stage && tok[2] !~ /^\[/) {
          last = n
          for (i = 2; i < last; i++) if (tok[i] !~ /^--/) printf "COPYSRC\t%d\t%s\n", line, tok[i]
        }
      }
    }
    END {
      print "CHECKED"
      if (stages == 0) { problem(1, "no FROM"); exit }
      if (base[stages] != "debian:bookworm-slim")
        problem(from_line[stages], "the final stage is not FROM debian:bookworm-slim")
      if (user[stages] == "")
        problem(from_line[stages], "the final stage has no USER: it would run as root")
      else if (user[stages] !~ /^[0-9]+(:[0-9]+)?$/ || user[stages] ~ /^0+(:|$)/)
        problem(user_line[stages], "USER " user[stages] " is not a numeric uid[:gid] with uid other than 0")
      for (s = 1; s <= stages; s++)
        if (!deps[s]) problem(from_line[s], "this stage does not RUN scripts/install-deps.sh")
      if (service && full_deps[stages])
        problem(from_line[stages], "the final stage installs more than scripts/install-deps.sh --runtime")
      for (c = 1; c <= copies; c++)
        if (service && copy_stage[c] == stages && tolower(copy_text[c]) ~ /emulator|quntool|yjiyun|finance|libwework/)
          problem(copy_line[c], "a service image COPYs an emulator or the vendor SDK")
    }
  '
}

problems=0
report() { echo "$1"; problems=$((problems + 1)); }
# Each check ends its output with CHECKED, so one that died half-way is a problem too.
for file in "${files[@]}"; do
  checked=0
  while IFS= read -r p; do
    if [ "$p" = CHECKED ]; then checked=$((checked + 1)); else report "$p"; fi
  done < <(linter_problems "$file")
  while IFS=$'\t' read -r kind first second; do
    case "$kind" in
      CHECKED) checked=$((checked + 1)) ;;
      PROBLEM) report "$first" ;;
      # A COPY source may be a glob.
      COPYSRC) compgen -G "$ROOT/$second" >/dev/null ||
                 report "$file:$first: COPY source $second does not exist" ;;
    esac
  done < <(rule_problems "$file")
  [ "$checked" -eq 2 ] || report "$file:0: a check did not finish (is the file readable? is node installed?)"
done
if [ "$problems" -gt 0 ]; then
  echo "lint-dockerfiles: $problems problem(s) in ${#files[@]} file(s)" >&2
  exit 1
fi
echo "lint-dockerfiles: ${#files[@]} file(s), no problems"
