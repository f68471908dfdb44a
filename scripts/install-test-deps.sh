#!/bin/sh
# Installs what the end-to-end tests (tests/Rampart.EndToEnd) run against, on Debian/Ubuntu:
#   postfix (private instances relay into Rampart and act as the internal mail server; its smtp-sink
#   and smtp-source are next hops and load), swaks (+ libnet-ssleay-perl for --tls), openssl,
#   unbound (a private resolver serving the test DNS zones), slapd + ldap-utils (a private OpenLDAP
#   directory for recipient validation; libldap is what System.DirectoryServices.Protocols loads).
#   haproxy (a load balancer sending PROXY headers), clamav-daemon + clamav (clamd and sigtool: a private
#   scanner with a signature database built offline), c-icap + libc-icap-mod-virus-scan (an ICAP server, the
#   second engine), zip (encrypted archives and self-extractors for the attachment tests), p7zip-full and gcab
#   (7z and cab archives for the attachment tests), strace (shows the mode a file is created with),
#   rspamd (a private spam scorer with its network modules off; its hyperscan cache lives in /var/tmp/rampart-rspamd-hs).
#   redis-server (a private Redis, greylisting's shared store).
#   ldnsutils (ldns-keygen and ldns-signzone sign the DANE tests' DNSSEC zone at set-up).
#   clang and zlib1g-dev (the native linker and zlib headers of .NET's ahead-of-time compiler: scripts/publish.sh builds
#   the installed program, which the process tests and the Debian package test run).
# Idempotent: when every binary and package is already present it touches nothing and returns at once.
# Run as root (or through sudo). No service is started by this script.
set -eu

PACKAGES="postfix swaks libnet-ssleay-perl openssl unbound slapd ldap-utils haproxy clamav-daemon clamav c-icap libc-icap-mod-virus-scan zip p7zip-full gcab strace rspamd redis-server ldnsutils clang zlib1g-dev"

have_all() {
    command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || return 1
    [ -x /usr/lib/postfix/sbin/master ] || return 1
    [ -x /usr/sbin/smtp-sink ] || return 1
    command -v swaks >/dev/null 2>&1 || return 1
    command -v openssl >/dev/null 2>&1 || return 1
    [ -x /usr/sbin/unbound ] || return 1
    [ -x /usr/sbin/slapd ] || return 1
    [ -x /usr/sbin/slapadd ] || return 1
    [ -x /usr/sbin/haproxy ] || return 1
    [ -x /usr/sbin/clamd ] || return 1
    command -v sigtool >/dev/null 2>&1 || return 1
    command -v c-icap >/dev/null 2>&1 || return 1
    command -v zip >/dev/null 2>&1 || return 1
    command -v 7z >/dev/null 2>&1 || return 1
    command -v gcab >/dev/null 2>&1 || return 1
    command -v strace >/dev/null 2>&1 || return 1
    command -v rspamd >/dev/null 2>&1 || return 1
    command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || return 1
    command -v ldns-signzone >/dev/null 2>&1 || return 1
    command -v clang >/dev/null 2>&1 || return 1
    for p in $PACKAGES; do
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || return 1
    done
    return 0
}

if have_all; then
    echo "install-test-deps: all of $PACKAGES are already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -E sh "$0" "$@"
    fi
    echo "install-test-deps: must run as root (apt-get install $PACKAGES)" >&2
    exit 1
fi

# No /etc/postfix/main.cf and no questions: the tests run their own private instance.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# No system directory and no questions either: the tests run their own slapd from a generated slapd.conf.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections

apt_install() {
    # Keep Recommends: swaks relies on the recommended libnet-ssleay-perl for --tls (listed explicitly anyway).
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y $PACKAGES
}

# Refresh the package lists only when needed: none at all (fresh container), or the install fails on stale ones.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update
fi
if ! apt_install; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update
    apt_install
fi

have_all || { echo "install-test-deps: packages installed but a binary is still missing" >&2; exit 1; }
echo "install-test-deps: done"
