#!/bin/sh
# Recreate the HTTP captures of tests/unit/test_http.c from Debian's nginx.
#
# nginx runs as root on 127.0.0.1 on a free high port, with its config,
# pid, logs and temp directories in a temp dir, in the foreground (daemon
# off) in the background of this script; python3 sends pushprobe-shaped
# requests over loopback and saves every byte the server sends until it
# closes the connection.  Date headers differ from run to run; the tests
# check nothing that depends on them.
#
# Usage: capture.sh [OUTDIR]   (default: this script's directory)
set -eu
out=$(cd "${1:-$(dirname "$0")}" && pwd)
command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
mkdir -p "$tmp/html" "$tmp/temp"

# index.html: 4000 bytes, served with Content-Length.
python3 - "$tmp/html/index.html" <<'PY'
import sys
head = b"<!DOCTYPE html>\n<html><head><title>Welcome to pushprobe</title></head>\n<body>\n"
tail = b"</body></html>\n"
line = b"<p>0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ</p>\n"
body = head
while len(body) + len(line) + len(tail) <= 4000:
    body += line
body += b"x" * (4000 - len(body) - len(tail)) + tail
assert len(body) == 4000
open(sys.argv[1], "wb").write(body)
PY
# ssi.shtml: SSI includes make the length unknown, so HTTP/1.1 gets chunks.
cat > "$tmp/html/ssi.shtml" <<'HTML'
<html><head><title>Portal</title></head><body>
<!--#include virtual="/part.html" -->
<p>middle</p>
<!--#include virtual="/part.html" -->
</body></html>
HTML
python3 -c 'import sys; sys.stdout.write("<div>" + "part " * 400 + "</div>\n")' \
    > "$tmp/html/part.html"
: > "$tmp/htpasswd"

cat > "$tmp/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
    types { text/html html shtml; }
    default_type application/octet-stream;
    access_log off;
    gzip off;
    chunked_transfer_encoding on;
    client_body_temp_path $tmp/temp/body;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $tmp/html;
        location = /ssi.shtml { ssi on; }
        location = /moved { return 302 /elsewhere/; }
        location /private/ {
            auth_basic "pushprobe test";
            auth_basic_user_file $tmp/htpasswd;
        }
    }
}
CONF

nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
pid=$!

python3 - "$port" "$out" <<'PY'
import socket
import sys
import time

port, out = int(sys.argv[1]), sys.argv[2]
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("nginx did not start on port %d" % port)


def capture(name, method, path, version="HTTP/1.1"):
    req = ("%s %s %s\r\nHost: 127.0.0.1:%d\r\nUser-Agent: pushprobe/capture\r\n"
           "Accept: */*\r\nConnection: close\r\n\r\n" % (method, path, version, port))
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req.encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    with open("%s/%s.bin" % (out, name), "wb") as f:
        f.write(data)
    print("%s: %d bytes, %s" % (name, len(data), data.split(b"\r\n", 1)[0].decode()))


capture("200-length", "GET", "/")
capture("200-chunked", "GET", "/ssi.shtml")
capture("200-eof", "GET", "/ssi.shtml", "HTTP/1.0")
capture("302-location", "GET", "/moved")
capture("404-title", "GET", "/missing")
capture("401-auth", "GET", "/private/")
capture("head-200", "HEAD", "/")
PY
