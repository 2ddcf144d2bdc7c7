#!/bin/sh
# make-certs.sh DIR: test certificates, made fresh for each test run.
#   ca.crt/ca.key            a test CA
#   server.crt/.key          for localhost and 127.0.0.1, signed by the CA
#   wrongname.crt/.key       for wrong.example only, signed by the CA
#   client.crt/.key          a client certificate signed by the CA
#   client.p12               the same, as PKCS #12 encrypted with "p12-secret"
#   client-encrypted.key     the client key as encrypted PEM ("pem-secret")
#   other-ca.crt             an unrelated CA
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
ca() {
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 2 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$1.crt" 2>/dev/null
}
leaf() {
  newkey "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
    "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "mqtt-glib test CA"
ca other-ca "unrelated CA"
leaf server localhost serverAuth "subjectAltName=DNS:localhost,IP:127.0.0.1"
leaf wrongname wrong.example serverAuth "subjectAltName=DNS:wrong.example"
leaf client client clientAuth ""
openssl pkcs12 -export -in client.crt -inkey client.key -passout pass:p12-secret \
  -out client.p12 2>/dev/null
openssl pkey -in client.key -aes256 -passout pass:pem-secret -out client-encrypted.key 2>/dev/null
chmod 644 ./*
