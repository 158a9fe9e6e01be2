#!/usr/bin/env bash
# h2_nginx.sh DIR PORT: nginx serving HTTP/2 for loadgen's tests, with a certificate made in DIR
# (scripts/lib/test-cert.sh): on 127.0.0.1 PORT h2 over TLS (ALPN), PORT+1 h2c (prior
# knowledge), PORT+2 TLS without h2 (HTTP/1.1 only). Each request is logged to DIR/access.log as
# "<protocol> <method> <uri> <status>".
#   /  200 "hello"     /missing  404     /login  200 (any method)
set -euo pipefail
dir=$1 port=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib/test-cert.sh"
make_test_cert "$dir"
mkdir -p "$dir/tmp"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
  log_format lab '\$server_protocol \$request_method \$request_uri \$status';
  access_log $dir/access.log lab;
  keepalive_requests 1000000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port ssl http2;
    listen 127.0.0.1:$((port + 1)) http2;
    listen 127.0.0.1:$((port + 2)) ssl;
    server_name localhost;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = / { default_type text/plain; return 200 "hello\n"; }
    location = /login { default_type text/plain; return 200 "welcome\n"; }
    location = /missing { return 404; }
  }
}
CONF
exec nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
