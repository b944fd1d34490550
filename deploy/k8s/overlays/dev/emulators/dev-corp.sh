#!/bin/sh
# dev-corp.sh DIR: the dev corp's emulator world in DIR, made once: an RSA-2048
# key pair (publickey_ver 1: DIR/keys/1.pem, DIR/public/1.pem) and the Finance
# SDK emulator's config DIR/emulator.json for corp $CORP_ID, whose chat archive
# secret is in $CORP_SECRET_FILE. Made here rather than kept in git so that no
# private key is committed. The archive pod keeps DIR on its volume; the WeCom
# API emulator makes its own (same corp, secret and seed, so the same robots
# and groups), whose key it never uses.
set -eu
dir=$1
[ -f "$dir/emulator.json" ] && exit 0
umask 077
mkdir -p "$dir/keys" "$dir/public"
openssl genrsa -out "$dir/keys/1.pem" 2048 2>/dev/null
openssl rsa -in "$dir/keys/1.pem" -pubout -out "$dir/public/1.pem" 2>/dev/null
/opt/wecom-suite/build/release/emulators/finance-sdk/wecom-finance-emulator write-config \
  --out "$dir/emulator.json.new" --corpid "$CORP_ID" --secret "$(cat "$CORP_SECRET_FILE")" \
  --public-key "1=$dir/public/1.pem" --seed 1 --messages 3000 --live-rate 2
# Renamed last: a pod killed half-way makes it all again on its next start.
mv "$dir/emulator.json.new" "$dir/emulator.json"
