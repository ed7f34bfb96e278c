#!/usr/bin/env bash
# The fresh-machine check (docs/development.md#checking-a-fresh-machine): the README's two
# commands, in a clean clone of this checkout's HEAD, inside a throwaway Debian root that has
# what a new machine has (Node.js, npm, their config) but none of the system programs the
# project needs, and no apt lists. Nothing on this machine is removed; only debootstrap is
# installed here if it is missing.
#
# Usage, as root: bash scripts/fresh-machine-check.sh [WORKDIR]   (default /var/tmp/tagpilot-fresh)
# Env: SUITE (default bookworm), MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/tagpilot-fresh}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
say() { printf 'fresh-machine-check: %s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mount)"
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap on this machine"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
mkdir -p "$work/logs"

# 1. A minimal Debian, made once and kept; each run works on a fresh copy of it.
base="$work/base-$suite"
if [ ! -e "$base/.complete" ]; then
  rm -rf "$base"
  say "debootstrap --variant=minbase $suite into $base"
  debootstrap --variant=minbase "$suite" "$base" "$mirror" >"$work/logs/debootstrap.log" 2>&1 || fail "debootstrap (see $work/logs/debootstrap.log)"
  touch "$base/.complete"
fi
root="$work/root"
rm -rf "$root"
cp -a "$base" "$root"
rm -f "$root/.complete"

# 2. What a new machine of this kind has: Node.js and npm (from this machine), npm's config, the
#    machine's CA bundle and CA variables, DNS, and Docker's Debian policy that packages start no
#    services. And what it lacks: apt lists.
cp "$(readlink -f "$(command -v node)")" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules"
cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
if [ -f /etc/npmrc ]; then cp /etc/npmrc "$root/etc/npmrc"; fi
# The machine's CA settings (a TLS-inspecting proxy may sit between it and the npm registry).
ca_env=()
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE; do
  file=${!var:-}
  if [ -n "$file" ] && [ -f "$file" ]; then
    mkdir -p "$root$(dirname "$file")"
    cp "$file" "$root$file"
    ca_env+=("$var=$file")
  fi
done
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then mkdir -p "$root/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/*
mkdir -p "$root/var/lib/apt/lists/partial"
for program in docker-registry git /usr/sbin/sshd ssh-keygen openssl gpg; do
  if chroot "$root" sh -c "command -v $program" >/dev/null; then fail "the fresh root already has $program"; fi
done

# 3. A newcomer's clone.
git clone -q --no-local "$repo" "$root/src/tagpilot"
say "clean clone of $(git -C "$root/src/tagpilot" log -1 --format='%h %s')"

# Runs a command in the root, in its own mount namespace (its /proc and /dev vanish with it).
PATH_IN_ROOT=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
in_root() {
  local user=$1 home=$2 log=$3
  shift 3
  mkdir -p "$root$home"
  if [ "$user" != 0 ]; then chown "$user:$user" "$root$home"; fi
  unshare --mount --propagation private -- sh -c 'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && shift && exec chroot "$@"' \
    _ "$root" --userspec="$user:$user" "$root" env -i HOME="$home" PATH="$PATH_IN_ROOT" TERM=dumb "${ca_env[@]}" sh -c "cd /src/tagpilot && $*" \
    >"$work/logs/$log.log" 2>&1
}
expect_ok() {
  local name=$1
  shift
  say "$name: $*"
  in_root 0 /root "$name" "$@" || fail "$name exited non-zero (see $work/logs/$name.log)"
  say "$name: passed ($(grep -c '' "$work/logs/$name.log") lines in $work/logs/$name.log)"
}
# Not root: the command must fail with the apt command to run and no stack trace.
expect_refusal() {
  local name=$1 packages=$2
  shift 2
  say "$name (as nobody): $*"
  if in_root 65534 /tmp/nobody "$name" "$@"; then fail "$name passed as nobody, with nothing installed"; fi
  grep -qF "sudo apt-get update && sudo apt-get install -y --no-install-recommends $packages" "$work/logs/$name.log" || fail "$name: no apt command for $packages (see $work/logs/$name.log)"
  if grep -qE '^\s+at ' "$work/logs/$name.log"; then fail "$name printed a stack trace (see $work/logs/$name.log)"; fi
  say "$name: refused as expected, naming $packages"
}

# 4. As a user who is not root: npm ci works, then the demo and the tests say what to install.
in_root 0 /root npm-ci-for-nobody "npm ci" || fail "npm ci (see $work/logs/npm-ci-for-nobody.log)"
expect_refusal demo-as-nobody "docker-registry git" "npm run demo"
expect_refusal test-as-nobody "docker-registry git openssh-server openssh-client openssl gnupg" "npm test"

# 5. As root, the README's two commands, literally; then `npx tagpilot` right after npm ci.
expect_ok demo "npm ci && npm run demo"
grep -q '^provision: missing .*installing with apt-get: docker-registry git$' "$work/logs/demo.log" || fail "demo: no install line"
expect_ok test "npm ci && npm test"
grep -q '^provision: missing .*installing with apt-get: openssh-server openssh-client openssl gnupg$' "$work/logs/test.log" || fail "test: no install line"
expect_ok tagpilot-after-npm-ci "test ! -e dist && npm ci && npx tagpilot --help"

grep -hE '^provision: |^ℹ (tests|pass|fail) ' "$work/logs/demo.log" "$work/logs/test.log" | sed 's/^/  /'
say "passed; the root is left in $root for a look (the next run replaces it)"
