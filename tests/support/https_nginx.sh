#!/usr/bin/env bash
# https_nginx.sh DIR PORT: a local HTTPS server for loadgen's tests: makes a throwaway CA and a
# certificate for localhost/127.0.0.1/::1 in DIR, then runs nginx in the foreground on
# 127.0.0.1:PORT and 127.0.0.2:PORT (a name the certificate does not hold). Every request is
# logged to DIR/access.log as "<session reused: r or .> <SNI name or -> <method> <uri>".
#   /            200 "hello"          /missing  404
#   /login       200 (any method)     /big      200 with 100 kB
set -euo pipefail
dir=$1 port=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib/test-cert.sh"
make_test_cert "$dir"
mkdir -p "$dir/tmp"
head -c 100000 /dev/zero | tr '\0' 'x' >"$dir/big"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
  log_format lab '\$ssl_session_reused \$ssl_server_name \$request_method \$request_uri';
  access_log $dir/access.log lab;
  keepalive_requests 1000000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port ssl;
    listen 127.0.0.2:$port ssl;
    server_name localhost;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = / { default_type text/plain; return 200 "hello\n"; }
    location = /login { default_type text/plain; return 200 "welcome\n"; }
    location = /missing { return 404; }
    location = /big { default_type text/plain; alias $dir/big; }
  }
}
CONF
exec nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
