#!/bin/sh
# SPDX-License-Identifier: ISC
# Seed corpora from real answers: Debian's nginx on 127.0.0.1 (a free high
# port, its files in a temp dir, in the foreground) serves what the lab's
# nginx serves (tests/lab/lab.sh): Jamf Pro health pages (the documented
# shapes, healthy and not), the Software Update catalog, hotspot-detect.html,
# a portal's login page and redirect, a public address, and over HTTP/2
# (h2c, prior knowledge) APNs's 403 {"reason":"MissingProviderToken"}.
# python3 sends the requests and saves every byte nginx sends back.
#
# Writes corpus/mdm, corpus/sus, corpus/captive, corpus/publicip (each
# file: judge_http.h's piece byte, then the response) and corpus/apns (the
# server's HTTP/2 bytes).  Usage: capture.sh   (removes nothing)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
h2port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
w=$tmp/www
mkdir -p "$w/health" "$tmp/temp"
printf '[]' > "$w/health/healthy.json"
printf '[{"healthCode":1,"httpCode":503,"description":"DBConnectionError"}]' > "$w/health/db.json"
printf '[{"healthCode":4,"httpCode":503,"description":"Initializing"}]' > "$w/health/init.json"
printf '[{"healthCode":2,"httpCode":503,"description":"SetupAssistant"}]' > "$w/health/setup.json"
printf '[{"healthCode":9,"httpCode":503,"description":"Something\\nnew\\u001b[31m"}]' > "$w/health/odd.json"
printf '{"healthCode":1}' > "$w/health/object.json"
cat > "$w/index.sucatalog" <<'CAT'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CatalogVersion</key><integer>2</integer>
    <key>Products</key>
    <dict>
        <key>001-00001</key><dict><key>PostDate</key><date>2024-01-01T00:00:00Z</date></dict>
        <key>001-00002</key><dict><key>PostDate</key><date>2024-02-01T00:00:00Z</date></dict>
        <key>001-00003</key><dict><key>PostDate</key><date>2024-03-01T00:00:00Z</date></dict>
    </dict>
</dict>
</plist>
CAT
printf '<html><head><title>Guest WiFi - Sign in</title></head><body>Accept</body></html>\n' > "$w/portal.html"
cat > "$tmp/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $tmp/temp;
    proxy_temp_path $tmp/temp;
    fastcgi_temp_path $tmp/temp;
    uwsgi_temp_path $tmp/temp;
    scgi_temp_path $tmp/temp;
    root $w;
    server {
        listen 127.0.0.1:$port;
        location = /healthCheck.html { default_type application/json; alias $w/health/healthy.json; }
        location /health/ { default_type application/json; }
        location = /hotspot-detect.html {
            default_type text/html;
            return 200 '<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>\n';
        }
        location = /portal-redirect { return 302 http://portal.example.test/login?from=apple; }
        location = /ip4 { default_type text/plain; return 200 '203.0.113.7\n'; }
        location = /ip6 { default_type text/plain; return 200 '2001:db8::7'; }
        location = /ipbad { default_type text/plain; return 200 'not an address'; }
        location = /fail { return 503; }
    }
    server {
        listen 127.0.0.1:$h2port http2;
        location /3/device/ {
            default_type application/json;
            return 403 '{"reason":"MissingProviderToken"}';
        }
        location = /3/device/bad { default_type application/json; return 400 '{"reason":"BadDeviceToken"}'; }
        location / { return 200 'ok'; }
    }
}
NGX
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pid=$!
python3 - "$here/corpus" "$port" "$h2port" <<'PY'
import os, socket, struct, sys, time
out, port, h2port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def connect(p):
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", p), timeout=2)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nginx did not start")

def get(path, method="GET"):
    s = connect(port)
    s.sendall(("%s %s HTTP/1.1\r\nHost: fuzz.test\r\nUser-Agent: pushprobe\r\n"
               "Accept: */*\r\nConnection: close\r\n\r\n" % (method, path)).encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data

def save(sub, name, data):
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def http(sub, name, path):
    data = get(path)
    save(sub, name, b"\0" + data)       # in one go
    save(sub, name + "_7", b"\7" + data)  # in 7-byte pieces

for n in ("healthy", "db", "init", "setup", "odd", "object"):
    http("mdm", "nginx_" + n, "/health/%s.json" % n)
http("mdm", "nginx_healthcheck", "/healthCheck.html")
http("mdm", "nginx_404", "/health/none.json")
http("mdm", "nginx_503", "/fail")
http("sus", "nginx_catalog", "/index.sucatalog")
http("sus", "nginx_404", "/nothere.sucatalog")
http("sus", "nginx_html", "/portal.html")
http("captive", "nginx_success", "/hotspot-detect.html")
http("captive", "nginx_portal_page", "/portal.html")
http("captive", "nginx_portal_redirect", "/portal-redirect")
http("captive", "nginx_404", "/nothere")
for n in ("ip4", "ip6", "ipbad", "fail"):
    http("publicip", "nginx_" + n, "/" + n)

# HTTP/2 with prior knowledge: the preface, an empty SETTINGS, and the push
# request (HPACK literals without indexing, no Huffman), as pushprobe sends.
def frame(typ, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([typ, flags]) + struct.pack(">I", sid) + payload

def lit(name, value):
    return b"\0" + bytes([len(name)]) + name + bytes([len(value)]) + value

def apns(path, name):
    body = b'{"aps":{}}'
    hdrs = (lit(b":method", b"POST") + lit(b":scheme", b"http") +
            lit(b":authority", b"api.push.apple.com") + lit(b":path", path) +
            lit(b"content-type", b"application/json") +
            lit(b"content-length", str(len(body)).encode()))
    s = connect(h2port)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") +
              frame(1, 4, 1, hdrs) + frame(0, 1, 1, body))
    s.settimeout(1.0)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            # SETTINGS ack for ours, then the answer's DATA with END_STREAM.
            if b"Token" in data and len(data) > 64:
                time.sleep(0.2)
                s.sendall(frame(4, 1, 0, b""))
    except socket.timeout:
        pass
    s.close()
    save("apns", name, data)

apns(b"/3/device/" + b"0" * 64, "nghttp2_nginx_403")
apns(b"/3/device/bad", "nghttp2_nginx_400")
PY
echo "capture.sh: corpora written under $here/corpus"
