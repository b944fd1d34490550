#!/usr/bin/env bash
# The demo, on the emulators: makes two RSA key versions, a corp with a few
# thousand messages of every type in the Finance SDK emulator, starts the
# archive service on it (dlopen of the emulator's libWeWorkFinanceSdk_C.so),
# streams the decrypted messages to the terminal through wecomctl, then shows
# the corp's status, a robot and a group from the WeCom API emulator. Then the
# media service follows the archive, fetches every image, voice note, video
# and file through it, verifies each against the message's md5sum, and a few
# are downloaded and checked; then a few lines of both services' /metrics.
# Last, the robot gateway on the quntool and yjiyun emulators: accounts,
# contacts, sends that go out paced and come back confirmed by the vendors'
# callback or socket.io echo, and a customer's message pushed over socket.io.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${MESSAGES:-3000}
CORP=wwdemo00000000001

scripts/install-deps.sh
echo "== building (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DWECOM_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target wecom-archive wecom-media wecomctl wecom-api-emulator \
  wecom-finance-emulator finance_sdk_emulator wecom-robot-gateway quntool-emulator | tail -n 1
B=$PWD/build/release
EMU=$B/emulators/finance-sdk

DEMO=$PWD/.demo
rm -rf "$DEMO"
mkdir -p "$DEMO/keys" "$DEMO/public" "$DEMO/data" "$DEMO/media" "$DEMO/downloads" "$DEMO/gateway"
chmod 700 "$DEMO/keys"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== RSA-2048 keys for publickey_ver 1 and 2"
for v in 1 2; do
  openssl genrsa -out "$DEMO/keys/$v.pem" 2048 2>/dev/null
  chmod 600 "$DEMO/keys/$v.pem"
  openssl rsa -in "$DEMO/keys/$v.pem" -pubout -out "$DEMO/public/$v.pem" 2>/dev/null
done
head -c 24 /dev/urandom | base64 | tr -d '\n' > "$DEMO/secret"
head -c 24 /dev/urandom | base64 | tr -d '\n' > "$DEMO/token"
chmod 600 "$DEMO/secret" "$DEMO/token"

echo "== a corp with $MESSAGES messages of every type, new ones arriving live"
"$EMU/wecom-finance-emulator" write-config --out "$DEMO/emulator.json" --corpid "$CORP" \
  --secret "$(cat "$DEMO/secret")" --public-key "1=$DEMO/public/1.pem" \
  --public-key "2=$DEMO/public/2.pem" --messages "$MESSAGES" --live-rate 2

exec {api_fd}< <(exec "$EMU/wecom-api-emulator" --config "$DEMO/emulator.json" --listen 127.0.0.1:0)
pids+=($!)
read -r -t 30 -u "$api_fd" line
API_PORT=${line##*:}
echo "== WeCom API emulator on 127.0.0.1:$API_PORT"

cat > "$DEMO/archive.yaml" <<YAML
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
data_dir: $DEMO/data
sdk_library: $EMU/libWeWorkFinanceSdk_C.so
log_level: warn
auth_token: {file: $DEMO/token}
wecom_api:
  base_url: http://127.0.0.1:$API_PORT
corps:
  - corp_id: $CORP
    secret: {file: $DEMO/secret}
    private_keys_dir: $DEMO/keys
YAML
exec {archive_fd}< <(WEWORK_FINANCE_SDK_EMULATOR_CONFIG="$DEMO/emulator.json" \
  exec "$B/services/archive/server/wecom-archive" --config "$DEMO/archive.yaml")
pids+=($!)
while read -r -t 60 -u "$archive_fd" line; do
  case "$line" in "archive ready"*) break ;; esac
done
GRPC_PORT=$(sed -E 's/.*grpc_port=([0-9]+).*/\1/' <<<"$line")
METRICS_PORT=$(sed -E 's/.*metrics_port=([0-9]+).*/\1/' <<<"$line")
echo "== archive service: gRPC 127.0.0.1:$GRPC_PORT, metrics 127.0.0.1:$METRICS_PORT"

CTL=("$B/tools/wecomctl/wecomctl" --target "127.0.0.1:$GRPC_PORT" --token-file "$DEMO/token")
echo "== streaming the archive (decrypted, typed), one line per message"
"${CTL[@]}" archive stream --corp "$CORP" --max "$MESSAGES" | tee "$DEMO/stream.txt"
echo "== $(wc -l < "$DEMO/stream.txt") messages; by msgtype:"
awk '{print $3}' "$DEMO/stream.txt" | sort | uniq -c | sort -rn | paste - - - - | awk "NR <= 12"

echo "== corp status"
"${CTL[@]}" archive status --corp "$CORP"
ROBOT=$(grep -o 'from=wb[A-Za-z0-9_-]*' "$DEMO/stream.txt" | head -n 1 | cut -d= -f2 || true)
if [ -n "$ROBOT" ]; then
  echo "== get_robot_info $ROBOT"
  "${CTL[@]}" archive robot --corp "$CORP" --robot-id "$ROBOT"
fi
ROOM=$(grep -o 'conv=wr[A-Za-z0-9_-]*' "$DEMO/stream.txt" | head -n 1 | cut -d= -f2 || true)
if [ -n "$ROOM" ]; then
  echo "== msgaudit/groupchat/get $ROOM"
  "${CTL[@]}" archive group --corp "$CORP" --roomid "$ROOM"
fi

cat > "$DEMO/media.yaml" <<YAML
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
data_dir: $DEMO/media
log_level: warn
auth_token: {file: $DEMO/token}
archive:
  target: 127.0.0.1:$GRPC_PORT
  auth_token: {file: $DEMO/token}
corps:
  - corp_id: $CORP
    follow: true
YAML
exec {media_fd}< <(exec "$B/services/media/server/wecom-media" --config "$DEMO/media.yaml")
pids+=($!)
while read -r -t 60 -u "$media_fd" line; do
  case "$line" in "media ready"*) break ;; esac
done
MEDIA_PORT=$(sed -E 's/.*grpc_port=([0-9]+).*/\1/' <<<"$line")
MEDIA_METRICS_PORT=$(sed -E 's/.*metrics_port=([0-9]+).*/\1/' <<<"$line")
echo "== media service: gRPC 127.0.0.1:$MEDIA_PORT, metrics 127.0.0.1:$MEDIA_METRICS_PORT"
MEDIA=("$B/tools/wecomctl/wecomctl" --target "127.0.0.1:$MEDIA_PORT" --token-file "$DEMO/token")
media_metric() {
  curl -s "http://127.0.0.1:$MEDIA_METRICS_PORT/metrics" |
    awk -v m="$1" '$1 ~ "^"m {s += $2} END {printf "%d", s}'
}
echo "== automatic mode: fetching every media object the archive refers to"
for _ in $(seq 1 600); do
  queued=$(media_metric 'media_jobs\{.*state="(queued|fetching)"')
  done_jobs=$(media_metric 'media_jobs\{.*state="done"')
  [ "$done_jobs" -gt 0 ] && [ "$queued" -eq 0 ] && break
  sleep 0.5
done
echo "   done: $done_jobs, failed: $(media_metric 'media_jobs\{.*state="failed"'), md5 mismatches refetched: $(media_metric media_md5_mismatches_total)"
echo "== three of them downloaded and checked against their SHA-256"
"${MEDIA[@]}" media list --corp "$CORP" --state done --page-size 3 2>/dev/null |
  while read -r _ kind _ ext id; do
    name=$(tr '/+=' '_-_' <<<"${id: -16}")
    out="$DEMO/downloads/$kind-$name.${ext/-/bin}"
    "${MEDIA[@]}" media download --corp "$CORP" --sdkfileid "$id" --out "$out"
  done
ls -l "$DEMO/downloads"

echo "== /metrics (a few lines of each)"
curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
  grep -E '^(archive_(cursor_seq|lag_seconds|pull_calls_total|undecryptable_messages|key_versions)|grpc_server_handled_total)' |
  awk "NR <= 12"
curl -s "http://127.0.0.1:$MEDIA_METRICS_PORT/metrics" |
  grep -E '^media_(jobs|fetched_bytes_total|md5_mismatches_total|blob_store_bytes|follow_position)' |
  awk "NR <= 10"

echo "== robot gateway: the quntool emulator (two accounts, 20 customers each, 3 groups)"
QUNTOOL_ACCOUNT=1688850000000001
QUNTOOL_CUSTOMER=7881300000000001
head -c 18 /dev/urandom | base64 | tr -d '\n' > "$DEMO/quntool-apikey"
head -c 24 /dev/urandom | base64 | tr -d '\n/+=' > "$DEMO/webhook-secret"
chmod 600 "$DEMO/quntool-apikey" "$DEMO/webhook-secret"
cat > "$DEMO/quntool.json" <<JSON
{
  "apikey": "$(cat "$DEMO/quntool-apikey")",
  "users": [{"id": "apps-1", "username": "demo", "IsAdmin": true}],
  "accounts": [
    {"wxId": "$QUNTOOL_ACCOUNT", "userId": "apps-1", "username": "销售一号", "corp_id": "1970325057080574",
     "contacts": [{"user_id": "$QUNTOOL_CUSTOMER", "username": "左脚", "phones": ["13900000001"]}]},
    {"wxId": "1688850000000002", "userId": "apps-1", "username": "销售二号", "corp_id": "1970325057080574"}
  ],
  "labels": [{"labelId": "L1", "name": "房地产", "corpId": "1970325057080574"}],
  "generate": {"external_contacts": 20, "groups": 3, "seed": 7}
}
JSON
exec {quntool_fd}< <(exec "$B/emulators/quntool/quntool-emulator" --config "$DEMO/quntool.json" --listen 127.0.0.1:0)
pids+=($!)
read -r -t 30 -u "$quntool_fd" line
QUNTOOL_PORT=${line##*:}
echo "== robot gateway: the yjiyun emulator (node, socket.io; one robot, 52 customers, 6 groups)"
YJIYUN_ROBOT=f16096caffd246acb5bb69b657a0894e
YJIYUN_CUSTOMER=7881299459945762
head -c 18 /dev/urandom | base64 | tr -d '\n/+=' > "$DEMO/yjiyun-secret"
chmod 600 "$DEMO/yjiyun-secret"
# The example world, with this run's accessSecret.
node -e 'const c = require(process.argv[1]); c.users[0].accessSecret = process.argv[2];
         process.stdout.write(JSON.stringify(c));' \
  "$PWD/emulators/yjiyun/example-config.json" "$(cat "$DEMO/yjiyun-secret")" > "$DEMO/yjiyun.json"
exec {yjiyun_fd}< <(exec node emulators/yjiyun/server.js --config "$DEMO/yjiyun.json" --listen 127.0.0.1:0)
pids+=($!)
read -r -t 30 -u "$yjiyun_fd" line
YJIYUN_PORT=${line##*:}
cat > "$DEMO/gateway.yaml" <<YAML
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
data_dir: $DEMO/gateway
log_level: warn
auth_token: {file: $DEMO/token}
webhook:
  listen: 127.0.0.1:0
  secret: {file: $DEMO/webhook-secret}
quntool:
  base_url: http://127.0.0.1:$QUNTOOL_PORT
  apikey: {file: $DEMO/quntool-apikey}
yjiyun:
  base_url: http://127.0.0.1:$YJIYUN_PORT
  access_key: user1
  access_secret: {file: $DEMO/yjiyun-secret}
YAML
exec {gateway_fd}< <(exec "$B/services/robot-gateway/server/wecom-robot-gateway" --config "$DEMO/gateway.yaml")
pids+=($!)
while read -r -t 60 -u "$gateway_fd" line; do
  case "$line" in "robot-gateway ready"*) break ;; esac
done
GATEWAY_PORT=$(sed -E 's/.*grpc_port=([0-9]+).*/\1/' <<<"$line")
GATEWAY_METRICS_PORT=$(sed -E 's/.*metrics_port=([0-9]+).*/\1/' <<<"$line")
WEBHOOK_PORT=$(sed -E 's/.*webhook_port=([0-9]+).*/\1/' <<<"$line")
# The emulator starts first, so it learns the gateway's webhook address now.
curl -s -X POST "http://127.0.0.1:$QUNTOOL_PORT/emulator/webhook" -H 'Content-Type: application/json' \
  -d "{\"url\": \"http://127.0.0.1:$WEBHOOK_PORT/quntool/callback/$(cat "$DEMO/webhook-secret")\"}" >/dev/null
echo "== robot gateway: gRPC 127.0.0.1:$GATEWAY_PORT, webhook 127.0.0.1:$WEBHOOK_PORT, metrics 127.0.0.1:$GATEWAY_METRICS_PORT"
ROBOT=("$B/tools/wecomctl/wecomctl" --target "127.0.0.1:$GATEWAY_PORT" --token-file "$DEMO/token")
"${ROBOT[@]}" robot accounts
echo "== the first account's customers (first 3)"
"${ROBOT[@]}" robot contacts --account "quntool:$QUNTOOL_ACCOUNT" --page-size 3
echo "== three sends, paced 500 ms apart, each confirmed by the vendor's callback"
for i in 1 2 3; do
  "${ROBOT[@]}" robot send --account "quntool:$QUNTOOL_ACCOUNT" \
    --conversation "S:${QUNTOOL_ACCOUNT}_$QUNTOOL_CUSTOMER" --text "你好 #$i from the gateway" \
    --key "demo-$i" --wait
done
echo "== yjiyun: a send over socket.io, confirmed by its echo, and a customer's reply pushed to the gateway"
"${ROBOT[@]}" robot send --account "yjiyun:$YJIYUN_ROBOT" \
  --conversation "S:1688853470427542_$YJIYUN_CUSTOMER" --text "你好 from the gateway over socket.io" \
  --key "demo-yjiyun" --wait
curl -s -X POST "http://127.0.0.1:$YJIYUN_PORT/emulator/messages" -H 'Content-Type: application/json' \
  -d "{\"robotKey\": \"$YJIYUN_ROBOT\", \"chatUser\": \"$YJIYUN_CUSTOMER\", \"content\": \"收到, 谢谢\"}" >/dev/null
# Until both yjiyun messages (the send's echo and the reply) are stored.
timeout 30 "${ROBOT[@]}" robot events --account "yjiyun:$YJIYUN_ROBOT" --type message --max 2 >/dev/null
echo "== the event stream: each send's steps and the vendors' echoes and messages"
# One line per event: position, type, the send's state or the message text.
"${ROBOT[@]}" robot events --until-caught-up | awk '
  function field(re, skip) { return match($0, re) ? substr($0, RSTART + skip, RLENGTH - skip - 1) : "" }
  /^--/ { print; next }
  { print "  #" field("\"position\":\"[0-9]+\"", 12), field("\"vendor_type\":\"[^\"]+\"", 15),
          field("\"state\":\"SEND_STATE_[A-Z_]+\"", 20),
          field("\"content\":\"[^\"]*\"", 11) field("\"text\":\"[^\"]*\"", 8) }'

curl -s "http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics" |
  grep -E '^robot_gateway_(sends_total|events_total|vendor_requests_total|socket_connected)' |
  awk "NR <= 14"
echo "== done; files in $DEMO"
