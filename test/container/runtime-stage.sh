#!/usr/bin/env bash
# Replays the runtime stage of ../../Dockerfile on this machine, where no Docker engine runs:
#
#   0. check that the Dockerfile's runtime stage still has the COPY lines, install commands, HEALTHCHECK and CMD
#      this script replays (EXPECTED_COPIES, INSTALL_CMDS, EXPECTED_CMD below) — fails if not: KEEP THEM IN SYNC,
#   1. assemble a clean folder as those COPY lines do, in their order (dist/ stands for the build stage's output:
#      the `npm run build` that `npm ci` already ran in .ci/run),
#   2. install it as the runtime stage does, `npm ci --omit=dev --ignore-scripts` + `npm rebuild better-sqlite3`
#      (built from source when no prebuilt binary is reachable), and prove that no devDependency is there (tsc, tsx,
#      vitest …), every dependency is, and the native module loads,
#   3. take the image's user: uid 1000 when this runs as root; the app folder read-only, /data writable,
#   4. start `ratchet simulate` from that folder; from its output write a config shaped like
#      /etc/ratchet/ratchet.yaml, the CA as a read-only file, one secret as a read-only ${file:…}, the rest as env,
#   5. start `ratchet serve` as ENTRYPOINT + CMD would (fresh environment with RATCHET_CONFIG, NODE_EXTRA_CA_CERTS and
#      the secrets) and poll /healthz with the Dockerfile's own HEALTHCHECK command,
#   6. wait until the catch-up scan of every tenant is in `ratchet history --format json`,
#   7. check that nothing was written outside /data and that no secret reached the logs or the database,
#   8. SIGTERM → exit 0 within the grace period; stop the simulator.
#
# Usage: bash test/container/runtime-stage.sh     (after `npm ci`, which builds dist/; CI: .ci/run)
# Needs: node 20, npm and the npm registry, python3/make/g++ for better-sqlite3, setpriv (util-linux) when root.
# Env:   RATCHET_KEEP_WORKDIR=1  keep the temporary folder (logs, app, data) for inspection
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOCKERFILE="$ROOT/Dockerfile"
HEALTH_TIMEOUT=60     # seconds until /healthz must answer 200
SCAN_TIMEOUT=60       # seconds until every tenant's catch-up scan must be in the history
GRACE_SECONDS=25      # the CMD's --grace-seconds; SIGTERM must end the process with 0 within this
RUNTIME_UID=1000      # USER node in the image
T0=$SECONDS

# The runtime stage's COPY lines in order, without "COPY" and the destination (flags such as --from= kept).
EXPECTED_COPIES='package.json package-lock.json
bin
rules
config
--from=build /src/dist'
INSTALL_CMDS=('npm ci --omit=dev --ignore-scripts --no-audit --no-fund' 'npm rebuild better-sqlite3')
# The default command; step 5 runs it with 127.0.0.1 and a free port in place of 0.0.0.0 and 8080.
EXPECTED_CMD="CMD [\"serve\", \"--host\", \"0.0.0.0\", \"--port\", \"8080\", \"--grace-seconds\", \"$GRACE_SECONDS\"]"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ratchet-runtime-stage.XXXXXX")
APP="$WORK/app"            # /app
ETC="$WORK/etc"            # /etc/ratchet   (mounted read-only)
SECRETS="$WORK/secrets"    # /run/secrets   (mounted read-only)
DATA="$WORK/data"          # /data          (volume, owned by the node user)
HOMEDIR="$WORK/home"       # /home/node
LOGS="$WORK/logs"
mkdir -p "$APP" "$ETC" "$SECRETS" "$DATA" "$HOMEDIR" "$LOGS"
chmod 755 "$WORK"
SIM_PID=''
SERVE_PID=''
SECRET_VALUES=()

log()  { printf '      %s\n' "$*"; }
pass() { printf 'PASS  %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  for f in "$LOGS"/*; do
    [[ -s $f ]] || continue
    printf '\n----- %s (last 40 lines) -----\n' "${f#"$WORK"/}"
    tail -n 40 "$f" | redact
  done
  printf '\nFAIL  runtime stage (%ss); work folder %s\n' "$((SECONDS - T0))" "$([[ ${RATCHET_KEEP_WORKDIR:-} ]] && echo "kept at $WORK" || echo removed)"
  exit 1
}
redact() {
  local line s
  while IFS= read -r line || [[ -n $line ]]; do
    for s in ${SECRET_VALUES[@]+"${SECRET_VALUES[@]}"}; do line=${line//"$s"/[SECRET]}; done
    printf '%s\n' "$line"
  done
}

# Waits up to $2 seconds for background process $1 to end; sets EXIT_CODE. Returns 1 on timeout.
EXIT_CODE=''
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
  EXIT_CODE=0
  wait "$pid" || EXIT_CODE=$?
}

cleanup() {
  local rc=$? pid
  trap - EXIT
  for pid in "$SERVE_PID" "$SIM_PID"; do
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then continue; fi
    kill -TERM "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || { kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  done
  if [[ ${RATCHET_KEEP_WORKDIR:-} ]]; then
    echo "work folder kept: $WORK"
  else
    chmod -R u+w "$WORK" 2>/dev/null || true
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Ratchet container runtime stage, replayed without Docker (work folder $WORK)"

# ── 0. The Dockerfile still says what this script replays ──────────────────────────────────────────────────────────
[[ -f $DOCKERFILE ]] || fail "no Dockerfile at $DOCKERFILE"
# COPY lines between "FROM … AS runtime" and the next FROM, without the word COPY and the destination. Flags stay:
# a --chown or --chmod would change what the node user may write, which this script would then have to mirror.
actual_copies=$(awk '
  toupper($1) == "FROM" { runtime = (tolower($NF) == "runtime" && tolower($(NF-1)) == "as"); next }
  runtime && toupper($1) == "COPY" {
    out = ""
    for (i = 2; i < NF; i++) out = out (out == "" ? "" : " ") $i
    print out
  }' "$DOCKERFILE")
[[ $actual_copies == "$EXPECTED_COPIES" ]] ||
  fail "the runtime stage's COPY lines changed — update EXPECTED_COPIES and the copy step of this script:
$(diff <(echo "$EXPECTED_COPIES") <(echo "$actual_copies") || true)"
runtime_stage=$(awk 'toupper($1) == "FROM" { r = (tolower($NF) == "runtime") } r' "$DOCKERFILE")
for cmd in "${INSTALL_CMDS[@]}"; do
  grep -qF -- "$cmd" <<<"$runtime_stage" || fail "the runtime stage no longer runs \`$cmd\` — update INSTALL_CMDS and step 2"
done
grep -qxF -- "$EXPECTED_CMD" <<<"$runtime_stage" || fail "the runtime stage's CMD is no longer: $EXPECTED_CMD — update step 5"
HEALTHCHECK_JS=$(sed -n "s/.*HEALTHCHECK.*//; s/^ *CMD \[\"node\", \"-e\", \"\(.*\)\"\] *$/\1/p" <<<"$runtime_stage")
[[ $HEALTHCHECK_JS == *"http://127.0.0.1:8080/healthz"* ]] ||
  fail "cannot read the HEALTHCHECK's node -e probe on http://127.0.0.1:8080/healthz from the Dockerfile"
pass "Dockerfile runtime stage matches this script (COPY lines, install commands, HEALTHCHECK, CMD)"

# ── 1. Assemble /app as the runtime stage's COPY lines do, in their order ──────────────────────────────────────────
[[ -f $ROOT/dist/src/cli/main.js ]] || fail "dist/ is missing: run \`npm ci\` (it builds) or \`npm run build\` first"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$APP/"     # COPY package.json package-lock.json ./

# ── 2. Production install, exactly the runtime stage's RUN (minus apt-get: the toolchain must already be here) ──────
log "npm ci --omit=dev --ignore-scripts, npm rebuild better-sqlite3 (compiles from source when no prebuilt is reachable) …"
t=$SECONDS
# As the Dockerfile does: node-gyp builds against this Node's own headers when they are installed, instead of
# downloading them from nodejs.org (which only the source build needs, and this machine cannot reach).
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
(
  cd "$APP"
  if [[ -f $node_prefix/include/node/node_version.h ]]; then export npm_config_nodedir=$node_prefix; fi
  ${INSTALL_CMDS[0]} && ${INSTALL_CMDS[1]}
) >"$LOGS/install.log" 2>&1 ||
  fail "production install (${INSTALL_CMDS[*]}) failed — see install.log"
pass "production install in $((SECONDS - t))s"

cp -R "$ROOT/bin" "$APP/bin"                                    # COPY bin ./bin
cp -R "$ROOT/rules" "$APP/rules"                                # COPY rules ./rules
mkdir "$APP/config"                                             # COPY config ./config — .dockerignore lets only
cp "$ROOT/config/ratchet.example.yaml" "$APP/config/"           #   the example through (a real config is mounted)
cp -R "$ROOT/dist" "$APP/dist"                                  # COPY --from=build /src/dist ./dist
touch "$WORK/assembled"
[[ -x $APP/bin/ratchet.js ]] || fail "bin/ratchet.js is not executable (the image links it as /usr/local/bin/ratchet)"

# No devDependency may be installed, every dependency must be, and the native module must load.
# shellcheck disable=SC2016 # JavaScript template literals, not shell
(cd "$APP" && node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const dev = Object.keys(pkg.devDependencies ?? {}).filter((d) => fs.existsSync(`node_modules/${d}`));
  const missing = Object.keys(pkg.dependencies ?? {}).filter((d) => !fs.existsSync(`node_modules/${d}/package.json`));
  const bins = ["tsc", "tsx", "vitest", "eslint"].filter((b) => fs.existsSync(`node_modules/.bin/${b}`));
  if (dev.length || missing.length || bins.length) {
    console.error(`devDependencies installed: ${dev.join(", ") || "none"}; dependencies missing: ${missing.join(", ") || "none"}; dev bins: ${bins.join(", ") || "none"}`);
    process.exit(1);
  }
  const Database = require("better-sqlite3");
  new Database(":memory:").prepare("select 1").get();
  console.log(`${Object.keys(pkg.dependencies).length} dependencies, 0 of ${Object.keys(pkg.devDependencies ?? {}).length} devDependencies, better-sqlite3 loads`);
') >"$LOGS/tree.log" 2>&1 || fail "production tree: $(cat "$LOGS/tree.log")"
pass "production tree: $(cat "$LOGS/tree.log")"

# ── 3. The image's user: uid 1000, /app read-only, /data writable ───────────────────────────────────────────────────
chmod -R a-w "$APP"     # root-owned in the image; here also read-only for a non-root owner
AS_RUNTIME=()
if [[ $EUID -eq 0 ]]; then
  if command -v setpriv >/dev/null &&
    setpriv --reuid="$RUNTIME_UID" --regid="$RUNTIME_UID" --clear-groups -- "$(command -v node)" -e 0 2>/dev/null; then
    AS_RUNTIME=(setpriv --reuid="$RUNTIME_UID" --regid="$RUNTIME_UID" --clear-groups --)
    chown "$RUNTIME_UID:$RUNTIME_UID" "$DATA" "$HOMEDIR"
    chmod 0750 "$DATA"
    log "running the app as uid $RUNTIME_UID (like USER node)"
  else
    log "WARNING: root, but cannot switch to uid $RUNTIME_UID (setpriv missing, or node not executable by it); running as root"
  fi
else
  log "running the app as uid $EUID (not root, so no switch to uid $RUNTIME_UID; /app is read-only all the same)"
fi
NODE_BIN=$(command -v node)
# Runs node as the image runs a command: fresh environment (the ENV lines and the orchestrator's variables), uid 1000,
# working directory /app. It execs, so call it in a subshell — `(exec_as_runtime …)` — or in the background, where
# $! is then node's own pid.
exec_as_runtime() { cd "$APP" && exec env -i "${RUNTIME_ENV[@]}" ${AS_RUNTIME[@]+"${AS_RUNTIME[@]}"} "$NODE_BIN" "$@"; }

# ── 4. The simulator (a test fixture, not part of the image; started from the installed folder) ─────────────────────
(cd "$APP" && exec node bin/ratchet.js simulate --port 0 --cert-dir "$WORK/sim-ca") >"$LOGS/simulate.out" 2>"$LOGS/simulate.err" &
SIM_PID=$!
deadline=$((SECONDS + 30))
until grep -q 'simulator running' "$LOGS/simulate.err" 2>/dev/null; do
  kill -0 "$SIM_PID" 2>/dev/null || fail "ratchet simulate exited early"
  ((SECONDS < deadline)) || fail "ratchet simulate did not start within 30 s"
  sleep 0.1
done
sim_out=$(cat "$LOGS/simulate.out")
ca=$(sed -n 's/^export NODE_EXTRA_CA_CERTS=//p' <<<"$sim_out")
sim_config=$(sed -n '/^# Ratchet config/,$p' <<<"$sim_out")
[[ -n $ca && -f $ca && $sim_config == *'tenants:'* ]] || fail "cannot read the CA and config from the simulator's output"
# Only the ids under tenants: (accounts: has ids too, of the shared vendor accounts).
mapfile -t tenants < <(sed -n '/^tenants:/,/^[a-z]/s/^  - id: *//p' <<<"$sim_config")
pass "simulator up: $(sed -n 's/^Graph: *//p' <<<"$sim_out"), ${#tenants[@]} tenants (${tenants[*]})"

# The CA as a read-only mount (/etc/ratchet/ca.pem). The simulator's secrets (every `export NAME=value` but the CA):
# the first one as a Docker/Kubernetes secret file (${file:/run/secrets/…}), the others in the environment (${env:…}).
cp "$ca" "$ETC/ca.pem"
SECRET_ENV=()
while IFS= read -r line; do
  [[ $line =~ ^export\ ([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
  name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
  [[ $name != NODE_EXTRA_CA_CERTS ]] || continue
  if [[ $value =~ ^\'(.*)\'$ || $value =~ ^\"(.*)\"$ ]]; then value=${BASH_REMATCH[1]}; fi
  SECRET_VALUES+=("$value")
  if ((${#SECRET_VALUES[@]} == 1)); then
    file_secret="$SECRETS/$(tr '[:upper:]_' '[:lower:]-' <<<"$name")"
    printf '%s\n' "$value" >"$file_secret"
    sim_config=${sim_config//"\${env:$name}"/"\${file:$file_secret}"}
  else
    SECRET_ENV+=("$name=$value")
  fi
done <<<"$sim_out"
# shellcheck disable=SC2016
[[ $sim_config == *'${file:'* ]] || fail "could not switch a secret reference to \${file:…}"
missing=()
# shellcheck disable=SC2016
while IFS= read -r ref; do
  printf '%s\n' "${SECRET_ENV[@]}" | grep -q "^$ref=" || missing+=("$ref")
done < <(grep -o '\${env:[A-Za-z0-9_]*}' <<<"$sim_config" | sed 's/^\${env:\(.*\)}$/\1/' | sort -u)
((${#missing[@]} == 0)) || fail "the simulator's config references variables its environment block does not set: ${missing[*]}"
log "${#SECRET_VALUES[@]} secrets: 1 as a file under /run/secrets, $((${#SECRET_VALUES[@]} - 1)) in the environment"

PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
cat >"$ETC/ratchet.yaml" <<EOF
# Written by test/container/runtime-stage.sh: the shape of /etc/ratchet/ratchet.yaml in the container.
storage: { url: "sqlite:$DATA/ratchet.db" }
server: { host: 127.0.0.1, port: $PORT }
schedule: { cron: "0 2 * * *", timezone: UTC, concurrency: 4, jitterSeconds: 0 }
$sim_config
EOF
chmod -R a-w "$ETC" "$SECRETS"
chmod 0444 "$ETC"/* "$SECRETS"/*

# The image's ENV lines, the orchestrator's secrets, nothing else from this shell.
RUNTIME_ENV=(PATH="$(dirname "$NODE_BIN"):/usr/local/bin:/usr/bin:/bin" HOME="$HOMEDIR" NODE_ENV=production
  RATCHET_CONFIG="$ETC/ratchet.yaml" NODE_EXTRA_CA_CERTS="$ETC/ca.pem" "${SECRET_ENV[@]}")

# ── 5. serve: the image's ENTRYPOINT + CMD, on 127.0.0.1 and a free port instead of 0.0.0.0:8080 ──────────────────
exec_as_runtime "$APP/bin/ratchet.js" serve --host 127.0.0.1 --port "$PORT" --grace-seconds "$GRACE_SECONDS" \
  >"$LOGS/serve.out" 2>"$LOGS/serve.err" &
SERVE_PID=$!
probe=${HEALTHCHECK_JS//127.0.0.1:8080/127.0.0.1:$PORT}
t=$SECONDS
until (exec_as_runtime -e "$probe") 2>/dev/null; do
  kill -0 "$SERVE_PID" 2>/dev/null || { wait_exit "$SERVE_PID" 1 || true; fail "ratchet serve exited with $EXIT_CODE before /healthz answered"; }
  ((SECONDS - t < HEALTH_TIMEOUT)) || fail "GET /healthz did not answer 200 within ${HEALTH_TIMEOUT}s"
  sleep 0.5
done
body=$(exec_as_runtime -e "fetch('http://127.0.0.1:$PORT/healthz').then((r) => r.text()).then((t) => console.log(t.slice(0, 200)))" 2>&1 || true)
pass "GET /healthz 200 after $((SECONDS - t))s (the Dockerfile's HEALTHCHECK command): $body"

# ── 6. The catch-up scan lands in the history of every tenant ───────────────────────────────────────────────────────
t=$SECONDS
pending=("${tenants[@]}")
while ((${#pending[@]})); do
  still=()
  for id in "${pending[@]}"; do
    # shellcheck disable=SC2016
    if (exec_as_runtime "$APP/bin/ratchet.js" history --tenant "$id" --format json) >"$LOGS/history-$id.json" 2>"$LOGS/history.err" &&
      summary=$(node -e '
        const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        if (!h.scans.length) process.exit(1);
        const s = h.scans[0];
        console.log(`${h.scans.length} scan(s), latest ${s.status}, level ${s.level}`);
      ' "$LOGS/history-$id.json" 2>/dev/null); then
      log "$id: $summary"
    else
      still+=("$id")
    fi
  done
  pending=(${still[@]+"${still[@]}"})
  ((${#pending[@]})) || break
  kill -0 "$SERVE_PID" 2>/dev/null || fail "ratchet serve exited while waiting for the catch-up scan"
  ((SECONDS - t < SCAN_TIMEOUT)) || fail "no scan in the history within ${SCAN_TIMEOUT}s for: ${pending[*]}"
  sleep 1
done
rm -f "$LOGS"/history-*.json
pass "catch-up scan stored for all ${#tenants[@]} tenants after $((SECONDS - t))s (ratchet history --format json)"

# ── 7. Nothing written outside /data, no secret in any output ──────────────────────────────────────────────────────
written=$(find "$APP" -newer "$WORK/assembled" -print | head -5)
[[ -z $written ]] || fail "the app wrote into /app (read-only in the image): $written"
[[ -s $DATA/ratchet.db ]] || fail "no history database at $DATA/ratchet.db"
if ((${#AS_RUNTIME[@]})); then
  owner=$(stat -c %u "$DATA/ratchet.db")
  [[ $owner == "$RUNTIME_UID" ]] || fail "the history database belongs to uid $owner, not the runtime uid $RUNTIME_UID"
fi
for s in "${SECRET_VALUES[@]}"; do
  leaked=$(grep -rlaF --exclude='simulate.*' -- "$s" "$LOGS" "$DATA" || true)
  [[ -z $leaked ]] || fail "a tenant secret appears in: ${leaked//"$WORK"\//}"
done
pass "history only under /data ($(du -sh "$DATA" | cut -f1), owner uid $(stat -c %u "$DATA/ratchet.db")); /app untouched; no secret in the logs or the database"

# ── 8. SIGTERM (what tini forwards on docker stop / pod termination) → exit 0 within the grace period ──────────────
t_ns=$(date +%s%N)
kill -TERM "$SERVE_PID"
wait_exit "$SERVE_PID" "$GRACE_SECONDS" || fail "ratchet serve still running ${GRACE_SECONDS}s after SIGTERM"
SERVE_PID=''
ms=$((($(date +%s%N) - t_ns) / 1000000))
[[ $EXIT_CODE == 0 ]] || fail "ratchet serve exited with $EXIT_CODE after SIGTERM (expected 0)"
pass "SIGTERM → ratchet serve exited 0 in ${ms} ms (grace ${GRACE_SECONDS}s)"

kill -TERM "$SIM_PID"
wait_exit "$SIM_PID" 10 || fail "the simulator did not stop within 10s of SIGTERM"
SIM_PID=''
[[ $EXIT_CODE == 0 ]] || fail "the simulator exited with $EXIT_CODE after SIGTERM"
pass "simulator stopped"

echo "PASS  runtime stage replayed in $((SECONDS - T0))s"
