#!/usr/bin/env bash
# tour-dns.sh — a private DNS server (unbound) for the README's tour and the anti-spam benchmark: it serves,
# on 127.0.0.1:5353 (the resolver examples/gateway.yaml names), test data for the whole inbound chain, and
# answers NXDOMAIN for every other name, so nothing leaves the machine. Ctrl-C stops it.
#
#   client 127.0.0.2   listed by zen.spamhaus.org (127.0.0.2): refused at connect
#   client 127.0.0.3   listed by list.dnswl.org (127.0.10.3, high trust): never greylisted
#   foreign.test       SPF passes from 127.0.0.0/8, DMARC p=none
#   sender.test        the benchmark's sender (../shared/bench): SPF passes from 127.0.0.0/8
#   bank.test          SPF only from 192.0.2.1 and DMARC p=reject: mail claiming it from here is refused
#   spammy.test        listed by dbl.spamhaus.org (domain block list) as a spam domain
set -euo pipefail
PORT="${TOUR_DNS_PORT:-5353}"
DIR="$(mktemp -d /tmp/rampart-tour-dns.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/unbound.conf" <<CONF
server:
  interface: 127.0.0.1
  port: $PORT
  do-ip6: no
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$DIR"
  pidfile: "$DIR/unbound.pid"
  logfile: ""
  use-syslog: no
  verbosity: 1
  module-config: "iterator"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  local-zone: "." static

  local-zone: "zen.spamhaus.org." static
  local-data: "2.0.0.127.zen.spamhaus.org. 300 IN A 127.0.0.2"
  local-data: '2.0.0.127.zen.spamhaus.org. 300 IN TXT "https://check.spamhaus.org/results/?query=127.0.0.2"'
  local-zone: "list.dnswl.org." static
  local-data: "3.0.0.127.list.dnswl.org. 300 IN A 127.0.10.3"
  local-zone: "dbl.spamhaus.org." static
  local-data: "spammy.test.dbl.spamhaus.org. 300 IN A 127.0.1.2"

  local-zone: "example.test." static
  local-data: "example.test. 300 IN MX 10 mx.example.test."
  local-data: "mx.example.test. 300 IN A 127.0.0.1"
  local-data: 'example.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"'
  local-data: '_dmarc.example.test. 300 IN TXT "v=DMARC1; p=reject"'
  local-zone: "foreign.test." static
  local-data: 'foreign.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"'
  local-data: '_dmarc.foreign.test. 300 IN TXT "v=DMARC1; p=none"'
  local-zone: "sender.test." static
  local-data: 'sender.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"'
  local-data: '_dmarc.sender.test. 300 IN TXT "v=DMARC1; p=none"'
  local-zone: "bank.test." static
  local-data: 'bank.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"'
  local-data: '_dmarc.bank.test. 300 IN TXT "v=DMARC1; p=reject"'
  local-zone: "spammy.test." static
  local-data: 'spammy.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"'
CONF
unbound-checkconf "$DIR/unbound.conf" >/dev/null
echo "tour DNS on 127.0.0.1:$PORT (Ctrl-C stops it)"
unbound -d -c "$DIR/unbound.conf"
