#!/usr/bin/env bash
# Builds the nommu-um guest userland into build/rootfs:
#   - BusyBox 1.35 (Debian's source package for the running suite, or the
#     tarball in BUSYBOX_SRC) configured by userspace/busybox.config:
#     no-MMU, PIE, hush as sh, dynamically linked against musl;
#   - musl's dynamic loader /lib/ld-musl-x86_64.so.1 (a real file);
#   - the rootfs skeleton in userspace/rootfs (etc/passwd, group, ...);
#   - the project's C programs: userspace/tests/*.c, userspace/tests/lib/*.c
#     (shared libraries) and userspace/bench/*.c, built with musl-gcc as PIE.
# Cached: build/userspace.stamp holds hashes of every input; an unchanged
# run does nothing, a change to C programs only rebuilds those.
# Usage: bash userspace/build.sh      (npm run userspace)
#        BUSYBOX_SRC=/path/to/busybox-1.35.0.tar.bz2 bash userspace/build.sh
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
US=$ROOT/userspace
BUILD=$ROOT/build
ROOTFS=$BUILD/rootfs
BB_VERSION=1.35.0
BB_SRC=$BUILD/busybox-$BB_VERSION
BB_LOG=$BUILD/busybox-build.log
APT_DIR=$BUILD/apt
UAPI=$BUILD/uapi-include
PROGS=$BUILD/programs
STAMP=$BUILD/userspace.stamp
MANIFEST=$BUILD/rootfs.manifest
MUSL_LOADER=/lib/ld-musl-x86_64.so.1
GUEST_TESTS=usr/libexec/nommu-um/tests
GUEST_BENCH=usr/libexec/nommu-um/bench

# Compiler flags for the project's own programs. The private uapi dir comes
# after musl's headers; /usr/include itself never does (glibc would clash).
PROG_CFLAGS=(-O2 -g -Wall -fPIE -pie)
LIB_CFLAGS=(-O2 -fPIC -shared)

log() { echo "userspace: $*" >&2; }

# A failing command reports the step it belonged to and how to fix it.
STEP="starting"
HINT=""
step() { STEP=$1; HINT=${2:-}; }
die() {
	echo "userspace: FAILED: $1" >&2
	shift
	local line
	for line in "$@"; do echo "userspace:   $line" >&2; done
	exit 1
}
on_err() {
	local rc=$?
	trap - ERR
	echo "userspace: FAILED while $STEP (exit status $rc)" >&2
	if [ -n "$HINT" ]; then echo "userspace:   how to fix: $HINT" >&2; fi
	exit "$rc"
}
trap on_err ERR

[ "$(uname -m)" = x86_64 ] || die "the guest userland is x86-64; this host is $(uname -m)"
mkdir -p "$BUILD"

# One build at a time: tests of several folders may start it together.
exec 9>"$BUILD/.userspace.lock"
if ! flock -n 9; then
	log "waiting for another userspace build to finish..."
	flock 9
fi

# ---------------------------------------------------------------- inputs

shopt -s nullglob
cd "$ROOT"
TEST_SRCS=(userspace/tests/*.c)
LIB_SRCS=(userspace/tests/lib/*.c)
BENCH_SRCS=(userspace/bench/*.c)
HEADERS=(userspace/tests/*.h userspace/tests/lib/*.h userspace/bench/*.h)
mapfile -t SKEL_FILES < <(find userspace/rootfs -type f | LC_ALL=C sort)
shopt -u nullglob

# Hash of files by path, mode and content.
hash_files() {
	{
		if [ "$#" -gt 0 ]; then
			sha256sum -- "$@"
			stat -c '%a %n' -- "$@"
		fi
	} | sha256sum | cut -d' ' -f1
}
hash_text() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

if [ -n "${BUSYBOX_SRC:-}" ]; then
	[ -f "$BUSYBOX_SRC" ] || die "BUSYBOX_SRC=$BUSYBOX_SRC is not a file" \
		"give the path of a busybox-1.35.x source tarball (busybox-1.35.0.tar.bz2), or unset BUSYBOX_SRC to use Debian's source package"
	BUSYBOX_SRC=$(realpath "$BUSYBOX_SRC")
	SOURCE_ID="tarball:$(sha256sum < "$BUSYBOX_SRC" | cut -d' ' -f1)"
else
	CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$CODENAME" ] || die "cannot read VERSION_CODENAME from /etc/os-release" \
		"this script fetches BusyBox from the running Debian suite; on another system set BUSYBOX_SRC=/path/to/busybox-1.35.0.tar.bz2"
	SOURCE_ID="debian:$CODENAME"
fi

H_BUSYBOX=$(hash_text "$SOURCE_ID $(hash_files userspace/build.sh userspace/busybox.config)")
H_PROGRAMS=$(hash_text "$(hash_files userspace/build.sh ${TEST_SRCS[@]+"${TEST_SRCS[@]}"} ${LIB_SRCS[@]+"${LIB_SRCS[@]}"} ${BENCH_SRCS[@]+"${BENCH_SRCS[@]}"} ${HEADERS[@]+"${HEADERS[@]}"})")
H_SKELETON=$(hash_files userspace/build.sh ${SKEL_FILES[@]+"${SKEL_FILES[@]}"})
H_ALL=$(hash_text "$H_BUSYBOX $H_PROGRAMS $H_SKELETON")

stamp_get() { [ -f "$STAMP" ] && sed -n "s/^$1=//p" "$STAMP" || true; }
stamp_set() {
	local tmp=$STAMP.tmp
	{ [ -f "$STAMP" ] && grep -v "^$1=" "$STAMP" || true; echo "$1=$2"; } > "$tmp"
	mv "$tmp" "$STAMP"
}

busybox_built() { [ -f "$BB_SRC/busybox_unstripped" ] && [ -f "$BB_SRC/.config" ]; }
rootfs_complete() {
	[ -f "$ROOTFS/bin/busybox" ] && [ -f "$ROOTFS$MUSL_LOADER" ] && [ -f "$MANIFEST" ] &&
		[ -d "$ROOTFS/$GUEST_TESTS" ] && [ -d "$ROOTFS/$GUEST_BENCH" ]
}

if [ "$(stamp_get all)" = "$H_ALL" ] && busybox_built && rootfs_complete; then
	log "up to date ($ROOTFS)"
	exit 0
fi
# Until this run finishes, the rootfs matches no set of inputs.
if [ -f "$STAMP" ]; then stamp_set all ""; fi

# ---------------------------------------------------------------- tools

# Each check is "package:test" where test is a command name or a /path.
REQUIRED=(
	musl-tools:musl-gcc
	musl:/usr/lib/x86_64-linux-musl/libc.so
	musl-dev:/usr/include/x86_64-linux-musl/stdio.h
	linux-libc-dev:/usr/include/linux/version.h
	linux-libc-dev:/usr/include/x86_64-linux-gnu/asm/unistd.h
	gcc:gcc
	libc6-dev:/usr/include/stdio.h
	make:make
	binutils:readelf
	dpkg-dev:dpkg-source
	patch:patch
	bzip2:bzip2
	xz-utils:xz
	# Not for the build itself: the tests drive `nommu-um boot` under tmux, and
	# `nommu-um bench` compares with qemu-user.
	tmux:tmux
	qemu-user:qemu-x86_64
)
missing_packages() {
	local entry pkg what seen=" "
	for entry in "${REQUIRED[@]}"; do
		pkg=${entry%%:*}
		what=${entry#*:}
		if [[ $what == /* ]]; then [ -e "$what" ] && continue
		else command -v "$what" > /dev/null 2>&1 && continue
		fi
		[[ $seen == *" $pkg "* ]] || seen="$seen$pkg "
	done
	echo "$seen" | xargs
}

MISSING=$(missing_packages)
if [ -n "$MISSING" ]; then
	if [ "$(id -u)" != 0 ]; then
		die "missing build tools: $MISSING" \
			"install them as root, then run this again:" \
			"  apt-get update && apt-get install -y --no-install-recommends $MISSING"
	fi
	step "installing $MISSING with apt-get" \
		"check that Debian's package mirror is reachable (apt-get update), then run: apt-get install -y $MISSING"
	log "installing $MISSING ..."
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q > "$BUILD/apt-install.log" 2>&1 || {
		tail -n 20 "$BUILD/apt-install.log" >&2
		die "apt-get update failed (log: $BUILD/apt-install.log)" "$HINT"
	}
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	apt-get install -y -q --no-install-recommends $MISSING >> "$BUILD/apt-install.log" 2>&1 || {
		tail -n 20 "$BUILD/apt-install.log" >&2
		die "apt-get install $MISSING failed (log: $BUILD/apt-install.log)" "$HINT"
	}
	hash -r
	MISSING=$(missing_packages)
	[ -z "$MISSING" ] || die "still missing after apt-get install: $MISSING" \
		"install them by hand: apt-get install -y $MISSING"
fi

# musl-gcc puts only musl's headers on the include path; applets and tests
# that include <linux/...> get the kernel uapi headers from this private dir.
step "making the uapi include dir $UAPI" "install linux-libc-dev"
mkdir -p "$UAPI"
for pair in linux:/usr/include/linux asm-generic:/usr/include/asm-generic \
	asm:/usr/include/x86_64-linux-gnu/asm mtd:/usr/include/mtd; do
	name=${pair%%:*}
	target=${pair#*:}
	if [ -d "$target" ] && [ "$(readlink "$UAPI/$name" 2> /dev/null || true)" != "$target" ]; then
		ln -sfn "$target" "$UAPI/$name"
	fi
done

# ---------------------------------------------------------------- source

# deb-src stanzas for the running suite, derived from the system's own deb
# entries (same mirrors and keys); Debian's mirror when there are none.
deb_src_sources() {
	local cn=$1
	{
		for f in /etc/apt/sources.list.d/*.sources; do if [ -f "$f" ]; then cat "$f"; echo; fi; done
	} | awk -v cn="$cn" '
		function flush(   n, s, i, keep) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no" && uris != "") {
				n = split(suites, s, /[ \t]+/); keep = ""
				for (i = 1; i <= n; i++)
					if (s[i] == cn || s[i] == cn "-updates" || s[i] == cn "-security")
						keep = keep (keep == "" ? "" : " ") s[i]
				if (keep != "") {
					print "Types: deb-src"; print "URIs: " uris; print "Suites: " keep
					print "Components: main"
					if (signed ~ /^\//) print "Signed-By: " signed
					print ""
				}
			}
			types = uris = suites = signed = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			key = tolower($1); sub(/:$/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
			if (key == "types") types = val
			else if (key == "uris") uris = val
			else if (key == "suites") suites = val
			else if (key == "signed-by") signed = val
			else if (key == "enabled") enabled = tolower(val)
		}
		END { flush() }'
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do if [ -f "$f" ]; then cat "$f"; fi; done
	} | awk -v cn="$cn" '
		/^[ \t]*deb[ \t]/ {
			line = $0; sub(/#.*/, "", line); signed = ""
			if (match(line, /\[[^]]*\]/)) {
				n = split(substr(line, RSTART + 1, RLENGTH - 2), o, /[ \t]+/)
				for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=/) { signed = o[i]; sub(/^signed-by=/, "", signed) }
				line = substr(line, 1, RSTART - 1) " " substr(line, RSTART + RLENGTH)
			}
			split(line, w, /[ \t]+/)
			if (w[3] == cn || w[3] == cn "-updates" || w[3] == cn "-security") {
				print "Types: deb-src"; print "URIs: " w[2]; print "Suites: " w[3]
				print "Components: main"
				if (signed ~ /^\//) print "Signed-By: " signed
				print ""
			}
		}'
}

apt_private() {
	local opts=(-q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$APT_DIR/sources"
		-o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache")
	# apt drops to the _apt user for downloads; it cannot write into build/.
	if [ "$(id -u)" = 0 ]; then opts+=(-o APT::Sandbox::User=root); fi
	apt-get "${opts[@]}" "$@"
}

# Downloads Debian's busybox source package into build/apt/src (kept, so a
# later unpack needs no network) and sets DSC to the .dsc path.
DSC=""
fetch_debian_source() {
	local cn=$1
	mkdir -p "$APT_DIR/src"
	if [ "$(cat "$APT_DIR/src/.suite" 2> /dev/null || true)" = "$cn" ]; then
		DSC=$(find "$APT_DIR/src" -maxdepth 1 -name 'busybox_*.dsc' | head -n 1)
		if [ -n "$DSC" ]; then return; fi
	fi
	log "fetching busybox source (Debian $cn source package)..."
	step "fetching Debian's busybox source package for $cn" \
		"check that Debian's mirror is reachable (log: $APT_DIR/apt.log), or download busybox-1.35.0.tar.bz2 elsewhere and run: BUSYBOX_SRC=/path/to/busybox-1.35.0.tar.bz2 npm run userspace"
	rm -rf "$APT_DIR/sources" "$APT_DIR/lists" "$APT_DIR/cache" "$APT_DIR/src"
	mkdir -p "$APT_DIR/sources" "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/src"
	deb_src_sources "$cn" > "$APT_DIR/sources/nommu-um-busybox.sources"
	if ! grep -q '^URIs:' "$APT_DIR/sources/nommu-um-busybox.sources"; then
		local key=""
		[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] &&
			key="Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\n%s\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: %s-security\nComponents: main\n%s\n' \
			"$cn" "$cn" "$key" "$cn" "$key" > "$APT_DIR/sources/nommu-um-busybox.sources"
	fi
	apt_private update > "$APT_DIR/apt.log" 2>&1 || { tail -n 20 "$APT_DIR/apt.log" >&2; false; }
	(cd "$APT_DIR/src" && apt_private source --download-only busybox) >> "$APT_DIR/apt.log" 2>&1 ||
		{ tail -n 20 "$APT_DIR/apt.log" >&2; false; }
	DSC=$(find "$APT_DIR/src" -maxdepth 1 -name 'busybox_*.dsc' | head -n 1)
	[ -n "$DSC" ] || die "apt-get source busybox downloaded no .dsc (log: $APT_DIR/apt.log)" "$HINT"
	echo "$cn" > "$APT_DIR/src/.suite"
}

# Unpacks the source into $BB_SRC (whole tree: testsuite/ and
# shell/hush_test/ are used by the conformance runs).
prepare_source() {
	if [ -f "$BB_SRC/.nommu-um-source" ] && [ "$(cat "$BB_SRC/.nommu-um-source")" = "$SOURCE_ID" ] &&
		[ -f "$BB_SRC/Makefile" ]; then
		return
	fi
	local tmp=$BUILD/busybox-unpack top
	rm -rf "$tmp" "$BB_SRC"
	mkdir -p "$tmp"
	if [ -n "${BUSYBOX_SRC:-}" ]; then
		log "unpacking $BUSYBOX_SRC ..."
		step "unpacking $BUSYBOX_SRC" "BUSYBOX_SRC must be a busybox source tarball (.tar.bz2, .tar.xz or .tar.gz)"
		tar -xf "$BUSYBOX_SRC" -C "$tmp"
		top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
		[ -n "$top" ] && [ -f "$top/Makefile" ] || die "$BUSYBOX_SRC holds no busybox source tree" \
			"give the busybox-1.35.0.tar.bz2 tarball from busybox.net or Debian's busybox_1.35.0.orig.tar.bz2"
	else
		fetch_debian_source "$CODENAME"
		log "unpacking $(basename "$DSC") with Debian's patches..."
		# Debian's patches (CVE fixes, build-tag override, ash-only fixes)
		# build cleanly under musl + nommu, so dpkg-source applies them.
		step "unpacking $DSC" "the download may be damaged: rm -rf $APT_DIR and run again"
		top=$tmp/busybox
		dpkg-source -x "$DSC" "$top" > "$APT_DIR/unpack.log" 2>&1 || { tail -n 20 "$APT_DIR/unpack.log" >&2; false; }
	fi
	local v
	v=$(awk '/^VERSION =/ { a = $3 } /^PATCHLEVEL =/ { b = $3 } /^SUBLEVEL =/ { c = $3 } END { print a "." b "." c }' "$top/Makefile")
	case $v in
	1.35.*) ;;
	*) die "the source is BusyBox $v; userspace/busybox.config is for 1.35" \
		"use a busybox-1.35.x tarball with BUSYBOX_SRC, or Debian 12 (bookworm) which ships 1.35.0" ;;
	esac
	mv "$top" "$BB_SRC"
	rm -rf "$tmp"
	echo "$SOURCE_ID" > "$BB_SRC/.nommu-um-source"
}

# ---------------------------------------------------------------- busybox

# Fails loudly unless $1 is a PIE (ET_DYN) asking for musl's loader.
check_pie() {
	local f=$1
	readelf -h "$f" 2> /dev/null | grep -Eq 'Type:[[:space:]]+DYN' ||
		die "$f is not a position-independent executable (ELF type is not ET_DYN)" \
			"a no-MMU kernel loads only PIE: build with -fPIE -pie (BusyBox: CONFIG_PIE=y)"
	readelf -l "$f" 2> /dev/null | grep -q "Requesting program interpreter: $MUSL_LOADER" ||
		die "$f does not ask for $MUSL_LOADER as its interpreter" \
			"link it dynamically with musl-gcc (BusyBox: CONFIG_STATIC off)"
}

build_busybox() {
	prepare_source
	step "configuring busybox" "check userspace/busybox.config (a full BusyBox 1.35 .config)"
	: > "$BB_LOG"
	if ! cmp -s "$US/busybox.config" "$BB_SRC/.nommu-um-config"; then
		cp "$US/busybox.config" "$BB_SRC/.config"
		cp "$US/busybox.config" "$BB_SRC/.nommu-um-config"
		# The checked-in file is complete, so oldconfig asks nothing; empty
		# answers take the defaults if a different 1.35.x adds symbols.
		{ yes '' || true; } | make -C "$BB_SRC" HOSTCC=gcc oldconfig >> "$BB_LOG" 2>&1 ||
			{ tail -n 20 "$BB_LOG" >&2; false; }
	fi
	local opt
	for opt in 'CONFIG_NOMMU=y' 'CONFIG_PIE=y' 'CONFIG_SH_IS_HUSH=y' '# CONFIG_ASH is not set' '# CONFIG_STATIC is not set'; do
		grep -qxF "$opt" "$BB_SRC/.config" || die "build/busybox-$BB_VERSION/.config lacks '$opt'" \
			"userspace/busybox.config must keep CONFIG_NOMMU=y, CONFIG_PIE=y, hush as sh, no ash and no static link"
	done
	log "building busybox (takes a few minutes; log: build/busybox-build.log)..."
	step "building busybox" "read $BB_LOG; an applet that does not build under musl + nommu can be switched off in userspace/busybox.config"
	# CFLAGS from the environment reach every BusyBox object; a make
	# command-line CFLAGS would replace BusyBox's own flags instead.
	CFLAGS="-isystem $UAPI" make -C "$BB_SRC" HOSTCC=gcc CC=musl-gcc BB_EXTRA_VERSION=nommu-um -j2 busybox \
		>> "$BB_LOG" 2>&1 || { tail -n 30 "$BB_LOG" >&2; false; }
	check_pie "$BB_SRC/busybox_unstripped"
}

if [ "$(stamp_get busybox)" != "$H_BUSYBOX" ] || ! busybox_built; then
	stamp_set busybox ""
	build_busybox
	stamp_set busybox "$H_BUSYBOX"
fi

# ---------------------------------------------------------------- programs

# Compiles one program into build/programs unless its source, the headers
# beside it and the flags are unchanged since the last compile.
compile() {
	local src=$1 out=$2
	shift 2
	local flags=("$@" -isystem "$UAPI")
	local key headers
	shopt -s nullglob
	headers=("$(dirname "$src")"/*.h)
	shopt -u nullglob
	key=$(hash_text "${flags[*]} $(hash_files "$src" ${headers[@]+"${headers[@]}"})")
	if [ -f "$out" ] && [ "$(cat "$out.key" 2> /dev/null || true)" = "$key" ]; then return; fi
	log "compiling $src"
	mkdir -p "$(dirname "$out")"
	rm -f "$out" "$out.key"
	if ! musl-gcc "${flags[@]}" -o "$out" "$src" 2> "$out.log"; then
		cat "$out.log" >&2
		die "musl-gcc could not build $src" "fix the errors above in $src (flags: musl-gcc ${flags[*]})"
	fi
	if [ -s "$out.log" ]; then cat "$out.log" >&2; fi
	echo "$key" > "$out.key"
}

step "building the project's C programs" "fix the C file named above"
shopt -s nullglob
for old in "$PROGS"/lib/*.so "$PROGS"/tests/* "$PROGS"/bench/*; do
	case $old in *.key | *.log) continue ;; esac
	name=$(basename "$old" .so)
	case $old in
	"$PROGS"/lib/*) [ -f "userspace/tests/lib/$name.c" ] ;;
	"$PROGS"/tests/*) [ -f "userspace/tests/$name.c" ] ;;
	*) [ -f "userspace/bench/$name.c" ] ;;
	esac || rm -f "$old" "$old.key" "$old.log"
done
shopt -u nullglob
for src in ${LIB_SRCS[@]+"${LIB_SRCS[@]}"}; do
	compile "$src" "$PROGS/lib/$(basename "$src" .c).so" "${LIB_CFLAGS[@]}"
	readelf -h "$PROGS/lib/$(basename "$src" .c).so" | grep -Eq 'Type:[[:space:]]+DYN' ||
		die "$src did not build as a shared library"
done
for src in ${TEST_SRCS[@]+"${TEST_SRCS[@]}"}; do
	compile "$src" "$PROGS/tests/$(basename "$src" .c)" "${PROG_CFLAGS[@]}"
	check_pie "$PROGS/tests/$(basename "$src" .c)"
done
for src in ${BENCH_SRCS[@]+"${BENCH_SRCS[@]}"}; do
	compile "$src" "$PROGS/bench/$(basename "$src" .c)" "${PROG_CFLAGS[@]}"
	check_pie "$PROGS/bench/$(basename "$src" .c)"
done

# ---------------------------------------------------------------- rootfs

# The rootfs is updated in place: a file is rewritten only when its content
# or mode differs, so unchanged files keep their mtimes (and the loader's
# rewritten-image cache stays valid). Paths that the previous run placed
# and this one does not are removed (build/rootfs.manifest).
step "assembling $ROOTFS" "remove build/rootfs and run again"
log "assembling build/rootfs..."
declare -A PLACED=()
put_file() { # SRC DST(relative to rootfs) MODE
	local dst=$ROOTFS/$2
	PLACED[$2]=1
	if [ -f "$dst" ] && [ ! -L "$dst" ] && cmp -s "$1" "$dst" && [ "$(stat -c %a "$dst")" = "$3" ]; then return; fi
	if [ -d "$dst" ] && [ ! -L "$dst" ]; then rm -rf "$dst"; fi
	# Replaced by rename: a reader never sees a missing or half-written file.
	cp "$1" "$dst.new.$$"
	chmod "$3" "$dst.new.$$"
	mv -f "$dst.new.$$" "$dst"
}
put_link() { # TARGET DST(relative to rootfs)
	local dst=$ROOTFS/$2
	PLACED[$2]=1
	if [ -L "$dst" ] && [ "$(readlink "$dst")" = "$1" ]; then return; fi
	rm -rf "$dst"
	ln -s "$1" "$dst"
}

for d in bin sbin lib etc root proc dev home var sys usr/bin usr/sbin usr/lib \
	"$GUEST_TESTS" "$GUEST_BENCH"; do
	mkdir -p "$ROOTFS/$d"
	chmod 755 "$ROOTFS/$d"
done
chmod 700 "$ROOTFS/root"
mkdir -p "$ROOTFS/tmp"
chmod 1777 "$ROOTFS/tmp"

# Debian's /lib/ld-musl-x86_64.so.1 is a link to libc.so: copy the file
# itself, so no link in the rootfs points at a host path.
put_file "$(readlink -f /usr/lib/x86_64-linux-musl/libc.so)" "${MUSL_LOADER#/}" 755
[ -f "$ROOTFS$MUSL_LOADER" ] && [ ! -L "$ROOTFS$MUSL_LOADER" ] || die "$ROOTFS$MUSL_LOADER is not a regular file"

# The unstripped binary keeps its symbol table: the syscall-site rewriter
# restarts disassembly at each function symbol, and guest faults can be
# reported by function name.
put_file "$BB_SRC/busybox_unstripped" bin/busybox 755
check_pie "$ROOTFS/bin/busybox"
step "listing busybox applets" "the busybox binary does not run natively; read $BB_LOG"
APPLETS=$("$ROOTFS$MUSL_LOADER" "$ROOTFS/bin/busybox" --list-full)
[ -n "$APPLETS" ] || die "busybox --list-full printed nothing"
step "assembling $ROOTFS" "remove build/rootfs and run again"
declare -A MADE_DIRS=()
while IFS= read -r applet; do
	if [[ $applet == */* ]]; then dir=${applet%/*}; else dir=.; fi
	case $dir in
	.) target=bin/busybox ;;
	bin) target=busybox ;;
	*)
		up=${dir//[^\/]/}
		target=../${up//\//../}bin/busybox
		;;
	esac
	if [ -z "${MADE_DIRS[$dir]+x}" ]; then mkdir -p "$ROOTFS/$dir"; MADE_DIRS[$dir]=1; fi
	put_link "$target" "$applet"
done <<< "$APPLETS"

for f in ${SKEL_FILES[@]+"${SKEL_FILES[@]}"}; do
	rel=${f#userspace/rootfs/}
	mkdir -p "$(dirname "$ROOTFS/$rel")"
	put_file "$f" "$rel" "$(stat -c %a "$f")"
done

shopt -s nullglob
for f in "$PROGS"/lib/*.so; do put_file "$f" "usr/lib/$(basename "$f")" 755; done
for f in "$PROGS"/tests/*; do
	case $f in *.key | *.log) ;; *) put_file "$f" "$GUEST_TESTS/$(basename "$f")" 755 ;; esac
done
for f in "$PROGS"/bench/*; do
	case $f in *.key | *.log) ;; *) put_file "$f" "$GUEST_BENCH/$(basename "$f")" 755 ;; esac
done
shopt -u nullglob

if [ -f "$MANIFEST" ]; then
	while IFS= read -r old; do
		if [ -n "$old" ] && [ -z "${PLACED[$old]+x}" ]; then rm -f "$ROOTFS/$old"; fi
	done < "$MANIFEST"
fi
printf '%s\n' "${!PLACED[@]}" | LC_ALL=C sort > "$MANIFEST.tmp"
mv "$MANIFEST.tmp" "$MANIFEST"

# Every link must stay inside the rootfs.
BAD_LINKS=$(find "$ROOTFS" -type l -lname '/*' | head -n 5)
[ -z "$BAD_LINKS" ] || die "absolute symlinks in the rootfs would point at host paths: $BAD_LINKS"

stamp_set programs "$H_PROGRAMS"
stamp_set skeleton "$H_SKELETON"
stamp_set all "$H_ALL"
log "done: $(wc -l <<< "$APPLETS") applets, $(find "$ROOTFS/$GUEST_TESTS" -type f | wc -l) test programs, $(find "$ROOTFS/$GUEST_BENCH" -type f | wc -l) benchmarks in build/rootfs"
