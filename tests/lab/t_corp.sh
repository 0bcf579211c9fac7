#!/bin/sh
# SPDX-License-Identifier: ISC
# The company's own systems on the corp network: the MDM (8443) and an
# HTTPS distribution point with certificates from the company's internal
# CA, a Software Update Server, SMB and AFP shares.  Without the company's
# root the MDM and DP are untrusted; with --ca-file they verify.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
SYS="--profile none --mdm https://mdm.corp.test --dp https://dp.corp.test/pkgs/ --sus sus.corp.test --smb files.corp.test --afp files.corp.test"

J=$LAB_TMP/corp-noca.json
pp_run "$J" --timeout 3 $SYS
expect_rc 1
jcheck "$J" 'all(k["state"] == "tls-failed" and k["reason"] == "cert-untrusted" for k in cs(service="mdm") + cs(service="dp"))' "internal CA unknown: MDM and DP untrusted"
jcheck "$J" 'len(cs(service="mdm")) == 2 and c("mdm.corp.test", 8443)["port"] == 8443' "MDM on Jamf's default port 8443, both families"
jcheck "$J" '"--ca-file" in c("dp.corp.test", 443)["message"] and c("dp.corp.test", 443)["tls"]["issuer_cn"] == "Corp Internal Root CA"' "the message names the fix and the issuer"
jcheck "$J" 'all(k["state"] == "ok" for k in cs(service="sus") + cs(service="smb") + cs(service="afp"))' "SUS 8088, SMB 445 (Samba), AFP 548 answer"
jcheck "$J" 'all(k["details"]["dialect"].startswith("3.") for k in cs(service="smb")) and all(k["details"]["server_name"] for k in cs(service="afp"))' "SMB dialect and AFP server name reported"
jcheck "$J" 'c("files.corp.test", 548)["required"] is False and c("files.corp.test", 445)["required"] is True' "AFP is never required"

J=$LAB_TMP/corp-ca.json
pp_run "$J" --timeout 3 $SYS --ca-file "$C/corp-root.pem"
expect_rc 0
jcheck "$J" 'all(k["state"] == "ok" for k in checks) and len(checks) == 10' "with --ca-file everything verifies"
jcheck "$J" 'c("mdm.corp.test", 8443, "ipv6")["tls"]["verified"] is True and c("mdm.corp.test", 8443)["tls"]["trust"] == "system"' "verified against the system store plus --ca-file"

J=$LAB_TMP/corp-name.json
pp_run "$J" --timeout 3 --profile none --ca-file "$C/corp-root.pem" --dp https://files.corp.test/
jcheck "$J" 'all(k["state"] == "tls-failed" and k["reason"] == "name-mismatch" for k in checks)' "a certificate for another name: name-mismatch"
# An MDM whose health page is cut short: the Content-Length says 1,000 bytes,
# "[]" comes and the server hangs up.  "[]" alone would read as healthy.
# The server reads the request first: hanging up on an unread request
# would reset the connection, a different (and racy) ending.
printf '#!/bin/sh\nwhile read -r l && [ ${#l} -gt 1 ]; do :; done\nprintf "HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 1000\\r\\n\\r\\n[]"\n' > "$LAB_TMP/cut.sh"
chmod +x "$LAB_TMP/cut.sh"
lab_bg "$NS_K" socat OPENSSL-LISTEN:6010,bind=10.20.0.10,reuseaddr,fork,cert="$C/corp-server.pem",key="$C/corp-server.key",verify=0 EXEC:"$LAB_TMP/cut.sh"
lab_wait_listen "$NS_K" 6010
J=$LAB_TMP/cut.json
pp_run "$J" --timeout 2 --profile none -4 --ca-file "$C/corp-root.pem" --mdm https://mdm.corp.test:6010
jcheck "$J" 'checks[0]["state"] == "unexpected" and "cut short" in checks[0]["message"]' "an MDM answer cut short is not healthy"
lab_finish
