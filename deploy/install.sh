#!/bin/bash
# Sothutu appliance installer for Raspberry Pi OS Bookworm 64-bit (desktop or Lite).
#
#   sudo deploy/install.sh --server --kiosk --display          # one Pi for everything
#   sudo deploy/install.sh --display --config-from server.toml --server-url http://192.168.1.10:8080
#   sudo deploy/install.sh                                      # upgrade: same roles as last time
#   sudo deploy/install.sh --hub --hub-name "Sở Nội vụ tỉnh …"   # a province server (Debian 12)
#   sudo deploy/install.sh --uninstall [--purge]
#   deploy/install.sh --dry-run --root /tmp/pi --server ...     # CI: files under DIR, commands printed
#
# Run it from the Sothutu source folder it installs. deploy/README.md is the guide.
set -euo pipefail
umask 022

PROG=install.sh
SRC=$(cd "$(dirname "$0")/.." && pwd)

APP=/opt/sothutu
VENV=$APP/venv
ETC=/etc/sothutu
CONFIG=$ETC/config.toml
ENVFILE=$ETC/environment
STATE=/var/lib/sothutu
UNITS=/etc/systemd/system
FIREWALL=$ETC/firewall.nft
UDEV_RULE=/etc/udev/rules.d/60-sothutu-printer.rules
UDEV_RULES_SHIPPED=/etc/udev/rules.d/99-sothutu-printer.rules
WRAPPER=/usr/local/bin/sothutu
SESSION=$APP/bin/sothutu-session
ROLES_FILE=$APP/roles
SVC_USER=sothutu
PORT=8080
WATCHDOG_SEC=60
HUB_CONFIG=$ETC/hub.toml
HUB_DB=sothutu_hub
HUB_NGINX=$ETC/nginx-sothutu-hub.conf
HUB_FIRST_PORT=8090
MARK_BEGIN='# >>> sothutu: written by deploy/install.sh, removed by install.sh --uninstall >>>'
MARK_END='# <<< sothutu <<<'

DRY_RUN=0
ROOT=""
UNINSTALL=0
PURGE=0
OFFLINE=0
VOICE_PACK_AGAIN=0
ROLE_FLAGS=0
WANT_SERVER=0
WANT_KIOSK=0
KIOSK_HEADLESS=0
WANT_DISPLAY=0
KEYPADS=""
RATING_KEYPADS=""
MODE=""
DESKTOP_USER=""
PRINTER=""
SERVER_URL=""
PUBLIC_URL=""
CONFIG_FROM=""
WANT_HUB=0
HUB_NAME=""
HUB_PROCESSES=2

usage() {
    cat <<'EOF'
usage: install.sh [ROLES] [OPTIONS]
       install.sh --uninstall [--purge] [--dry-run --root DIR]

Roles (any combination; none on a re-run means the roles of the last install):
  --server             the queue server, clerk console and reports (+ nightly backup)
  --kiosk              the ticket machine on this Pi's touchscreen
  --kiosk-headless     the ticket machine without a screen: push buttons and printer only
  --display            the waiting-room TV: calls on screen and announced aloud
  --keypad N[,N...]    push-button keypads of these counters (repeat or list them)
  --rating-keypad N[,N...]
                       five-button satisfaction keypads at these counters ([ratings] keypad_pins)
  --hub                the province hub on a Debian 12 server (not a Pi; no other role):
                       PostgreSQL, the hub processes, a sample nginx site

Options:
  --mode desktop|lite  how the screen programs start: desktop = labwc autostart of the
                       logged-in user; lite = system services drawing through KMS/DRM.
                       Default: desktop when labwc is installed, else lite
  --desktop-user NAME  the desktop user that runs the kiosk/display (desktop mode;
                       default: the user who ran sudo, else the first user)
  --printer CONN       [printer] connection of a new config, e.g. usb:0416:5011 or
                       network:192.168.1.50:9100
  --server-url URL     where this Pi reaches the server (a Pi without --server)
  --public-url URL     where phones reach the server (QR codes); default http://THIS-PI:8080
  --config-from FILE   install this config (e.g. the server Pi's) instead of generating one
  --hub-name NAME      the province's title on the hub's pages (a new hub config)
  --hub-processes N    how many hub processes to run behind nginx (default 2)
  --voice-pack         make every clip of the voice pack anew (replaces recorded clips)
  --offline            no apt-get, no downloads: reinstall the code from this folder
  --dry-run            change nothing on the system: write files under --root DIR and
                       print the commands instead of running them (no root needed)
  --root DIR           the directory a dry run writes into
  --uninstall          remove Sothutu but keep the config and the database
  --purge              with --uninstall: also remove the config, the database and the user
  -h, --help           this help
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
    printf '%s: %s\n' "$PROG" "$*" >&2
    exit 1
}
usage_error() {
    printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
    exit 2
}

# Run a system command, or print it in a dry run ("+ cmd args", quoted for a shell).
run() {
    local arg line="+"
    if [ "$DRY_RUN" = 1 ]; then
        for arg in "$@"; do
            case $arg in
            '' | *[!A-Za-z0-9_./:=@%+,-]*) arg="'${arg//\'/\'\\\'\'}'" ;;
            esac
            line="$line $arg"
        done
        printf '%s\n' "$line"
    else
        "$@"
    fi
}

# put MODE PATH: write standard input to PATH (under --root) when it differs.
put() {
    local mode=$1 dest=$ROOT$2 tmp
    mkdir -p "$(dirname "$dest")"
    tmp=$(mktemp "$dest.XXXXXX")
    cat >"$tmp"
    chmod "$mode" "$tmp"
    if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
        rm -f "$tmp"
        chmod "$mode" "$dest"
        return 0
    fi
    mv -f "$tmp" "$dest"
    say "wrote $2"
}

# remove PATH...: delete files or folders (under --root), saying which.
remove() {
    local p
    for p in "$@"; do
        case $p in /?*) ;; *) die "internal error: refusing to remove '$p'" ;; esac
        if [ -e "$ROOT$p" ] || [ -L "$ROOT$p" ]; then
            say "remove $p"
            rm -rf -- "$ROOT$p"
        fi
    done
}

# make_dir MODE OWNER PATH
make_dir() {
    mkdir -p "$ROOT$3"
    chmod "$1" "$ROOT$3"
    run chown "$2" "$3"
}

# add_counters VAR OPTION LIST: add the counter numbers of LIST ("1,2") to the
# space-separated, sorted list in VAR.
add_counters() {
    local var=$1 option=$2 n list
    list=${!var}
    for n in ${3//,/ }; do
        case $n in
        '' | *[!0-9]* | 0*) usage_error "$option takes counter numbers (1, 2, ...), got '$n'" ;;
        esac
        list="$list $n"
    done
    # shellcheck disable=SC2086  # one number per line
    list=$(printf '%s\n' $list | sort -n -u | tr '\n' ' ')
    printf -v "$var" '%s' "${list% }"
}

parse_args() {
    local arg
    while [ $# -gt 0 ]; do
        arg=$1
        case $arg in
        --*=*)
            set -- "${arg%%=*}" "${arg#*=}" "${@:2}"
            continue
            ;;
        esac
        case $arg in
        --server) WANT_SERVER=1 ROLE_FLAGS=1 ;;
        --kiosk) WANT_KIOSK=1 ROLE_FLAGS=1 ;;
        --kiosk-headless) WANT_KIOSK=1 KIOSK_HEADLESS=1 ROLE_FLAGS=1 ;;
        --display) WANT_DISPLAY=1 ROLE_FLAGS=1 ;;
        --hub) WANT_HUB=1 ROLE_FLAGS=1 ;;
        --keypad | --rating-keypad | --mode | --desktop-user | --printer | --server-url | \
            --public-url | --config-from | --root | --hub-name | --hub-processes)
            [ $# -ge 2 ] || usage_error "$arg needs a value"
            case $arg in
            --keypad)
                add_counters KEYPADS --keypad "$2"
                ROLE_FLAGS=1
                ;;
            --rating-keypad)
                add_counters RATING_KEYPADS --rating-keypad "$2"
                ROLE_FLAGS=1
                ;;
            --mode) MODE=$2 ;;
            --desktop-user) DESKTOP_USER=$2 ;;
            --printer) PRINTER=$2 ;;
            --server-url) SERVER_URL=$2 ;;
            --public-url) PUBLIC_URL=$2 ;;
            --config-from) CONFIG_FROM=$2 ;;
            --root) ROOT=$2 ;;
            --hub-name) HUB_NAME=$2 ;;
            --hub-processes) HUB_PROCESSES=$2 ;;
            esac
            shift
            ;;
        --voice-pack) VOICE_PACK_AGAIN=1 ;;
        --offline) OFFLINE=1 ;;
        --dry-run) DRY_RUN=1 ;;
        --uninstall) UNINSTALL=1 ;;
        --purge) UNINSTALL=1 PURGE=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) usage_error "unknown option '$arg'" ;;
        esac
        shift
    done
    case $MODE in '' | desktop | lite) ;; *) usage_error "--mode is desktop or lite, not '$MODE'" ;; esac
    case $HUB_PROCESSES in
    [1-9] | 1[0-6]) ;;
    *) usage_error "--hub-processes takes 1 to 16, not '$HUB_PROCESSES'" ;;
    esac
    if [ "$WANT_HUB" = 1 ] && { [ "$WANT_SERVER$WANT_KIOSK$WANT_DISPLAY" != 000 ] || [ -n "$KEYPADS$RATING_KEYPADS" ]; }; then
        usage_error "--hub is a province server: install it alone, without Pi roles"
    fi
    if [ -n "$ROOT" ] && [ "$DRY_RUN" = 0 ]; then
        usage_error "--root only goes with --dry-run"
    fi
    if [ "$DRY_RUN" = 1 ]; then
        [ -n "$ROOT" ] || usage_error "--dry-run needs --root DIR"
        mkdir -p "$ROOT"
        ROOT=$(cd "$ROOT" && pwd)
        [ "$ROOT" != / ] || usage_error "--root / is the real system; leave out --dry-run"
    elif [ "$(id -u)" != 0 ]; then
        die "run it as root: sudo deploy/install.sh ... (or --dry-run --root DIR)"
    fi
    if [ -n "$CONFIG_FROM" ] && [ ! -r "$CONFIG_FROM" ]; then
        die "--config-from: cannot read $CONFIG_FROM"
    fi
}

# --- running daemons: a booted Pi, or an image being prepared -------------------------------

# BOOTED=1 when systemd runs this system (what sd_booted() checks). 0 in a chroot, a
# container without systemd, or a card's root prepared on a PC: the units are then only
# enabled (links, SYSTEMD_OFFLINE=1) and start at the next boot; nothing is restarted,
# reloaded or triggered. SYSTEMD_OFFLINE=1 (or 0) in the environment decides it by hand.
# UDEV_UP=0 when udevd does not run (also in a booted container): rules apply at boot.
# A dry run acts as a booted system unless SYSTEMD_OFFLINE=1.
BOOTED=1
UDEV_UP=1

detect_daemons() {
    case ${SYSTEMD_OFFLINE:-} in
    1 | yes | true) BOOTED=0 ;;
    0 | no | false) ;;
    *) if [ "$DRY_RUN" = 0 ] && [ ! -d /run/systemd/system ]; then BOOTED=0; fi ;;
    esac
    if [ "$BOOTED" = 0 ]; then
        UDEV_UP=0
        say "no running systemd here (an image or a chroot): services are enabled, not started; they and the udev rules start at the next boot"
    elif [ "$DRY_RUN" = 0 ] && [ ! -S /run/udev/control ]; then
        UDEV_UP=0
    fi
}

# systemctl, offline (links only) when systemd does not run this system.
sysctl() {
    if [ "$BOOTED" = 1 ]; then run systemctl "$@"; else run env SYSTEMD_OFFLINE=1 systemctl "$@"; fi
}

# disable_unit UNIT: stop (when running) and disable it.
disable_unit() {
    if [ "$BOOTED" = 1 ]; then sysctl disable --now "$1"; else sysctl disable "$1"; fi
}

# udev_reload [trigger]: load changed udev rules (and apply them to plugged USB devices).
udev_reload() {
    if [ "$UDEV_UP" = 0 ]; then
        if [ "$BOOTED" = 1 ]; then say "udev does not run here: the printer rules apply at the next boot"; fi
        return 0
    fi
    run udevadm control --reload-rules
    if [ "${1:-}" = trigger ]; then run udevadm trigger --action=add --subsystem-match=usb; fi
}

# --- what was installed last time -------------------------------------------------------------

load_roles() {
    local key value
    [ -f "$ROOT$ROLES_FILE" ] || return 1
    while IFS='=' read -r key value; do
        case $key in
        server) PREV_SERVER=$value ;;
        kiosk) PREV_KIOSK=$value ;;
        kiosk_headless) PREV_KIOSK_HEADLESS=$value ;;
        display) PREV_DISPLAY=$value ;;
        keypads) PREV_KEYPADS=$value ;;
        rating_keypads) PREV_RATING_KEYPADS=$value ;;
        mode) PREV_MODE=$value ;;
        desktop_user) PREV_DESKTOP_USER=$value ;;
        hub) PREV_HUB=$value ;;
        hub_processes) PREV_HUB_PROCESSES=$value ;;
        esac
    done <"$ROOT$ROLES_FILE"
}

PREV_SERVER=0 PREV_KIOSK=0 PREV_KIOSK_HEADLESS=0 PREV_DISPLAY=0 PREV_KEYPADS="" PREV_MODE=""
PREV_RATING_KEYPADS=""
PREV_DESKTOP_USER=""
PREV_HUB=0 PREV_HUB_PROCESSES=""

save_roles() {
    put 0644 "$ROLES_FILE" <<EOF
# The roles of this Pi, written by deploy/install.sh; a re-run without roles reuses them.
server=$WANT_SERVER
kiosk=$WANT_KIOSK
kiosk_headless=$KIOSK_HEADLESS
display=$WANT_DISPLAY
keypads=$KEYPADS
rating_keypads=$RATING_KEYPADS
mode=$MODE
desktop_user=$DESKTOP_USER
hub=$WANT_HUB
hub_processes=$HUB_PROCESSES
EOF
}

resolve_roles() {
    if [ "$ROLE_FLAGS" = 0 ]; then
        load_roles || usage_error "choose at least one role: --server, --kiosk, --display, --keypad N"
        WANT_SERVER=$PREV_SERVER WANT_KIOSK=$PREV_KIOSK KIOSK_HEADLESS=$PREV_KIOSK_HEADLESS
        WANT_DISPLAY=$PREV_DISPLAY KEYPADS=$PREV_KEYPADS RATING_KEYPADS=$PREV_RATING_KEYPADS
        WANT_HUB=$PREV_HUB HUB_PROCESSES=${PREV_HUB_PROCESSES:-$HUB_PROCESSES}
        say "same roles as last time:$(describe_roles)"
    else
        load_roles || true
    fi
    # The mode and the desktop user of the last install, unless given again.
    MODE=${MODE:-$PREV_MODE}
    DESKTOP_USER=${DESKTOP_USER:-$PREV_DESKTOP_USER}
    if [ -z "$MODE" ]; then
        if [ -x "$ROOT/usr/bin/labwc" ]; then MODE=desktop; else MODE=lite; fi
    fi
    if [ "$MODE" = desktop ] && [ -x "$ROOT/usr/bin/wayfire" ] && [ ! -x "$ROOT/usr/bin/labwc" ]; then
        warn "this desktop runs Wayfire; switch to labwc (sudo raspi-config: Advanced Options, Wayland, labwc)"
    fi
    SCREEN_KIOSK=0
    if [ "$WANT_KIOSK" = 1 ] && [ "$KIOSK_HEADLESS" = 0 ]; then SCREEN_KIOSK=1; fi
    if [ "$MODE" = lite ] && [ "$SCREEN_KIOSK" = 1 ] && [ "$WANT_DISPLAY" = 1 ]; then
        die "on Raspberry Pi OS Lite only one program can own the screens (KMS/DRM): use the desktop image for a touchscreen kiosk and a TV on one Pi, or --kiosk-headless"
    fi
    DESKTOP_APPS=""
    if [ "$MODE" = desktop ]; then
        if [ "$SCREEN_KIOSK" = 1 ]; then DESKTOP_APPS="kiosk"; fi
        if [ "$WANT_DISPLAY" = 1 ]; then DESKTOP_APPS="${DESKTOP_APPS:+$DESKTOP_APPS }display"; fi
    else
        DESKTOP_USER=""
    fi
    if [ -n "$DESKTOP_APPS" ]; then
        if [ -z "$DESKTOP_USER" ] && [ -n "${SUDO_USER:-}" ] && [ "${SUDO_USER:-}" != root ]; then
            DESKTOP_USER=$SUDO_USER
        fi
        if [ -z "$DESKTOP_USER" ] && [ "$DRY_RUN" = 0 ]; then
            DESKTOP_USER=$(getent passwd 1000 | cut -d: -f1 || true)
        fi
        [ -n "$DESKTOP_USER" ] || die "name the desktop user that logs in: --desktop-user NAME"
    fi
    DESKTOP_HOME=""
    if [ -n "$DESKTOP_USER" ]; then
        DESKTOP_HOME=$(getent passwd "$DESKTOP_USER" | cut -d: -f6 || true)
        DESKTOP_HOME=${DESKTOP_HOME:-/home/$DESKTOP_USER}
    fi
}

describe_roles() {
    local out=""
    if [ "$WANT_SERVER" = 1 ]; then out="$out server"; fi
    if [ "$WANT_HUB" = 1 ]; then out="$out hub($HUB_PROCESSES processes)"; fi
    if [ "$WANT_KIOSK" = 1 ] && [ "$KIOSK_HEADLESS" = 1 ]; then out="$out kiosk(headless)"; fi
    if [ "$WANT_KIOSK" = 1 ] && [ "$KIOSK_HEADLESS" = 0 ]; then out="$out kiosk"; fi
    if [ "$WANT_DISPLAY" = 1 ]; then out="$out display"; fi
    if [ -n "$KEYPADS" ]; then out="$out keypad(${KEYPADS// /,})"; fi
    if [ -n "$RATING_KEYPADS" ]; then out="$out rating-keypad(${RATING_KEYPADS// /,})"; fi
    printf '%s' "$out"
}

# --- Debian packages, the user, the folders ---------------------------------------------------

apt_packages() {
    local p="python3 python3-venv sqlite3 fonts-dejavu-core tzdata ca-certificates"
    if [ "$WANT_HUB" = 1 ]; then
        printf '%s' "python3 python3-venv tzdata ca-certificates postgresql"
        return
    fi
    # dnsmasq-base: NetworkManager's "shared" mode (the Pi as DHCP server/access point
    # where there is no router) needs it, and later there may be no internet to get it.
    if [ "$WANT_SERVER" = 1 ]; then p="$p dnsmasq-base"; fi
    # nftables: the firewall's cap on connections per address (sothutu-firewall.service)
    if [ "$WANT_SERVER" = 1 ]; then p="$p nftables"; fi
    if [ "$WANT_KIOSK" = 1 ]; then p="$p libusb-1.0-0"; fi
    if [ "$WANT_DISPLAY" = 1 ]; then p="$p espeak-ng alsa-utils"; fi
    if draws_through_kmsdrm; then
        # pygame-ce's wheel has SDL's KMS/DRM video driver, which loads these at run time;
        # libgl1-mesa-dri holds the GPU's driver that EGL opens (v3d on a Pi 4/5, vc4).
        p="$p libdrm2 libgbm1 libegl1 libgles2 libgl1-mesa-dri"
    fi
    printf '%s' "$p"
}

# Lite with a screen program: the kiosk or the display draws through KMS/DRM.
draws_through_kmsdrm() {
    [ "$MODE" = lite ] && { [ "$SCREEN_KIOSK" = 1 ] || [ "$WANT_DISPLAY" = 1 ]; }
}

needs_gpio() {
    [ "$WANT_KIOSK" = 1 ] || [ -n "$KEYPADS" ] || [ -n "$RATING_KEYPADS" ]
}

install_packages() {
    if [ "$OFFLINE" = 1 ]; then
        say "offline: no apt-get (the Debian packages must already be there)"
        return
    fi
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2046  # the package list is meant to split into words
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(apt_packages)
}

# The groups that exist here (all of them in a dry run), comma-separated.
existing_groups() {
    local g out=""
    for g in "$@"; do
        if [ "$DRY_RUN" = 1 ] || getent group "$g" >/dev/null; then
            out="$out${out:+,}$g"
        else
            warn "no group '$g' on this system; skipped"
        fi
    done
    printf '%s' "$out"
}

setup_user() {
    local groups="gpio lp video render input audio"
    if [ "$WANT_KIOSK" = 1 ]; then groups="$groups dialout"; fi
    if [ "$DRY_RUN" = 1 ] || ! getent passwd "$SVC_USER" >/dev/null; then
        run useradd --system --user-group --home-dir "$STATE" --no-create-home \
            --shell /usr/sbin/nologin --comment "Sothutu queue system" "$SVC_USER"
    fi
    # shellcheck disable=SC2086  # word splitting of the group list is intended
    run usermod --append --groups "$(existing_groups $groups)" "$SVC_USER"
    if [ -n "$DESKTOP_APPS" ]; then
        # The desktop user runs the kiosk/display: it reads the config (group sothutu).
        # shellcheck disable=SC2086
        run usermod --append --groups "$(existing_groups "$SVC_USER" $groups)" "$DESKTOP_USER"
    fi
}

setup_dirs() {
    make_dir 0755 root:root "$APP"
    make_dir 0750 "root:$SVC_USER" "$ETC"
    make_dir 0750 "$SVC_USER:$SVC_USER" "$STATE"
    if [ "$WANT_KIOSK" = 1 ]; then
        # [kiosk] state_dir: the kiosk's last event id. The kiosk runs as the service user
        # (a unit) or as the desktop user of group sothutu: the group writes (setgid).
        make_dir 2770 "$SVC_USER:$SVC_USER" "$STATE/kiosk"
    fi
}

# --- the program: a virtual environment under /opt/sothutu -----------------------------------

pip() { run "$VENV/bin/pip" --disable-pip-version-check --no-input "$@"; }

install_venv() {
    local leftovers=() d
    # pip builds the project inside the source folder; take away what it leaves there.
    for d in "$SRC/build" "$SRC/sothutu.egg-info"; do
        if [ ! -e "$d" ]; then leftovers+=("$d"); fi
    done
    if [ ! -x "$ROOT$VENV/bin/python" ]; then
        run python3 -m venv "$VENV"
    fi
    if [ "$OFFLINE" = 1 ]; then
        pip install --no-index --no-build-isolation --no-deps --force-reinstall "$SRC"
    else
        # setuptools and wheel in the venv let a later --offline run build the project.
        pip install --upgrade pip "setuptools>=68" wheel
        retire_pygame
        if [ "$WANT_HUB" = 1 ]; then
            pip install --upgrade "${SRC}[hub]"
        else
            pip install --upgrade "$SRC"
        fi
        # The same version number again must still replace the code: reinstall it alone.
        pip install --no-deps --force-reinstall "$SRC"
        if needs_gpio; then
            if [ "$DRY_RUN" = 1 ] || [ "$(uname -m)" = aarch64 ]; then
                # gpiozero's pin library on every Pi (the only one on a Pi 5).
                pip install "lgpio>=0.2.2"
            else
                warn "not a 64-bit Raspberry Pi: no lgpio, the buttons need another gpiozero pin factory"
            fi
        fi
    fi
    pip check
    if [ "$DRY_RUN" = 0 ]; then
        for d in "${leftovers[@]}"; do rm -rf -- "$d"; done
    fi
}

# The kiosk and the display use pygame-ce (the same `import pygame`): its wheels for
# 64-bit ARM bundle an SDL2 with the KMS/DRM video driver, so nothing is compiled on
# the Pi. An earlier install had pygame, which shares the folder: it goes first.
retire_pygame() {
    if [ "$DRY_RUN" = 0 ] && "$VENV/bin/python" -c 'import importlib.metadata as m
m.distribution("pygame")' 2>/dev/null; then
        say "replacing pygame with pygame-ce (same import; KMS/DRM in its wheel)"
        pip uninstall --yes pygame pygame-ce
    fi
}

# --- the config ---------------------------------------------------------------------------------

setup_config() {
    local cfg=$ROOT$CONFIG public=$PUBLIC_URL address
    local args=(--out "$cfg" --state-dir "$STATE")
    if [ -n "$SERVER_URL" ]; then args+=(--server-url "$SERVER_URL"); fi
    if [ -n "$CONFIG_FROM" ]; then
        if [ -f "$cfg" ]; then
            cp -p "$cfg" "$cfg.old"
            say "the previous config is kept as $CONFIG.old"
        fi
        if [ -n "$public" ]; then args+=(--public-url "$public"); fi
        python3 "$SRC/deploy/mkconfig.py" --from "$CONFIG_FROM" "${args[@]}"
        say "installed $CONFIG from $CONFIG_FROM"
    elif [ ! -f "$cfg" ]; then
        if [ -z "$public" ] && [ "$WANT_SERVER" = 1 ] && [ "$DRY_RUN" = 0 ] && [ "$BOOTED" = 1 ]; then
            address=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
            if [ -n "$address" ]; then public="http://$address:$PORT"; fi
        fi
        if [ -n "$public" ]; then args+=(--public-url "$public"); fi
        if [ -n "$PRINTER" ]; then args+=(--printer "$PRINTER"); fi
        say "writing a new config with random keys and PINs: $CONFIG"
        python3 "$SRC/deploy/mkconfig.py" "${args[@]}"
        say "write the admin key and the PINs down now; they are not shown again"
    else
        say "keeping the config $CONFIG"
        if [ -n "$PRINTER$SERVER_URL$PUBLIC_URL" ]; then
            warn "--printer, --server-url and --public-url only shape a new config; edit $CONFIG"
        fi
    fi
    chmod 0640 "$cfg"
    run chown -R "root:$SVC_USER" "$ETC"
    check_config
}

# The config must load with the code being installed, or the services would not start.
check_config() {
    if ! PYTHONPATH=$SRC python3 -c '
import sys
from sothutu.config import load_or_exit
load_or_exit(sys.argv[1], "install.sh")' "$ROOT$CONFIG"; then
        die "fix $CONFIG (the line above names the key), then run install.sh again"
    fi
}

# config_value SECTION KEY DEFAULT: a string from the installed config.
config_value() {
    PYTHONPATH=$SRC python3 - "$ROOT$CONFIG" "$1" "$2" "$3" <<'EOF'
import sys, tomllib
path, section, key, default = sys.argv[1:]
with open(path, "rb") as fh:
    data = tomllib.load(fh)
print(data.get(section, {}).get(key, default))
EOF
}

setup_environment() {
    if [ -f "$ROOT$ENVFILE" ]; then return; fi
    local audio="#AUDIODEV=hdmi:CARD=vc4hdmi0,DEV=0"
    if [ "$MODE" = lite ] && [ "$WANT_DISPLAY" = 1 ]; then audio="AUDIODEV=hdmi:CARD=vc4hdmi0,DEV=0"; fi
    put 0644 "$ENVFILE" <<EOF
# Environment of the Sothutu programs, read by their systemd units and by the desktop
# autostart (sothutu-session). KEY=value lines. install.sh writes it once and keeps it.

# On Raspberry Pi OS Lite the display plays through ALSA: the TV on the HDMI port next to
# the power socket is vc4hdmi0 (the other one vc4hdmi1). List them: aplay -L | grep hdmi
# On the desktop, choose the HDMI output with the volume icon instead.
$audio

# Keep pygame's greeting out of the journal.
PYGAME_HIDE_SUPPORT_PROMPT=1
EOF
}

# --- systemd units --------------------------------------------------------------------------------

hardening() {
    # Every unit. Nothing here limits devices: the kiosk, display and keypads open the
    # screen (/dev/dri), touchscreen (/dev/input), GPIO (/dev/gpiochip*) and the printer.
    cat <<'EOF'
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
UMask=0027
EOF
}

# The server and the backup touch no device at all (ProtectClock= also closes devices).
hardening_no_devices() {
    cat <<'EOF'
PrivateDevices=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelLogs=yes
ProtectProc=invisible
RestrictRealtime=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallFilter=@system-service
CapabilityBoundingSet=
EOF
    hardening
}

server_unit() {
    cat <<EOF
[Unit]
Description=Sothutu queue server (API, clerk console, reports)
Documentation=file://$APP/deploy/README.md
Wants=network-online.target
After=network-online.target time-sync.target
RequiresMountsFor=$STATE
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
ExecStart=$VENV/bin/python -m counter_api --config $CONFIG
User=$SVC_USER
Group=$SVC_USER
Environment=PYTHONUNBUFFERED=1
EnvironmentFile=-$ENVFILE
WorkingDirectory=$STATE
StateDirectory=sothutu
StateDirectoryMode=0750
# The server says READY=1 once it listens, and WATCHDOG=1 from its housekeeping thread
# after the database answered; a hung server is killed and started again.
WatchdogSec=$WATCHDOG_SEC
Restart=always
RestartSec=2
TimeoutStartSec=120
TimeoutStopSec=20
# room for [server] connections_per_address × many devices (up to 1000 connections)
LimitNOFILE=4096
SyslogIdentifier=sothutu-server
ReadWritePaths=$WRITABLE
$(hardening_no_devices)

[Install]
WantedBy=multi-user.target
EOF
}

backup_service() {
    cat <<EOF
[Unit]
Description=Sothutu database backup
Documentation=file://$APP/deploy/README.md
After=sothutu-server.service
RequiresMountsFor=$STATE

[Service]
Type=oneshot
# --nightly: only when the nightly backup is due; the server makes it itself at
# [backup] time, this timer makes sure it happens (the folder's lock serializes them).
ExecStart=$VENV/bin/python -m counter_api backup --config $CONFIG --nightly
User=$SVC_USER
Group=$SVC_USER
EnvironmentFile=-$ENVFILE
WorkingDirectory=$STATE
Nice=10
IOSchedulingClass=idle
SyslogIdentifier=sothutu-backup
ReadWritePaths=$WRITABLE
$(hardening_no_devices)
EOF
}

# The firewall's cap on new connections per address to the server's port: a second
# layer under the server's own [server] connections_per_address (the kernel refuses
# before the server spends anything). Twice the server's cap; the server's own Pi (lo)
# is exempt. A table of its own, replaced as a whole on each load.
firewall_rules() {
    local port limit
    port=$(config_value server port "$PORT")
    limit=$(config_value server connections_per_address 20)
    limit=$((limit * 2))
    cat <<EOF
# Sothutu: at most $limit connections per address to port $port (written by
# deploy/install.sh from [server] port and connections_per_address; loaded by
# sothutu-firewall.service).
table inet sothutu
delete table inet sothutu
table inet sothutu {
    set conns4 {
        type ipv4_addr
        size 65535
        flags dynamic
    }
    set conns6 {
        type ipv6_addr
        size 65535
        flags dynamic
    }
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "lo" accept
        tcp dport $port ct state new add @conns4 { ip saddr ct count over $limit } counter reject with tcp reset
        tcp dport $port ct state new add @conns6 { ip6 saddr ct count over $limit } counter reject with tcp reset
    }
}
EOF
}

firewall_unit() {
    cat <<EOF
[Unit]
Description=Sothutu firewall: connections per address to the queue server
Documentation=file://$APP/deploy/README.md
Before=sothutu-server.service network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f $FIREWALL
ExecStop=/usr/sbin/nft delete table inet sothutu

[Install]
WantedBy=multi-user.target
EOF
}

setup_firewall() {
    if [ "$WANT_SERVER" = 1 ]; then
        firewall_rules | put 0644 "$FIREWALL"
    else
        remove "$FIREWALL"
    fi
}

backup_timer() {
    cat <<'EOF'
[Unit]
Description=Nightly backup of the Sothutu database

[Timer]
OnCalendar=*-*-* 22:30:00
# A Pi that was switched off at 22:30 checks when it starts again.
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

# screen_unit NAME DESCRIPTION EXTRA_ARGS KMSDRM GPIO
screen_unit() {
    local name=$1 description=$2 extra=$3 kmsdrm=$4 gpio=$5
    cat <<EOF
[Unit]
Description=$description
Documentation=file://$APP/deploy/README.md
Wants=network-online.target
After=network-online.target sothutu-server.service
StartLimitIntervalSec=0
EOF
    if [ "$kmsdrm" = 1 ]; then
        cat <<'EOF'
# The program draws on the screen itself (KMS/DRM) and reads the touchscreen and the
# keyboard: no login prompt under it on the first console.
Conflicts=getty@tty1.service
After=getty@tty1.service
EOF
    fi
    cat <<EOF

[Service]
ExecStart=$VENV/bin/python -m $name --config $CONFIG$extra
User=$SVC_USER
Group=$SVC_USER
EOF
    if [ "$kmsdrm" = 1 ]; then
        echo "Environment=SDL_VIDEODRIVER=kmsdrm SDL_AUDIODRIVER=alsa"
    fi
    echo "EnvironmentFile=-$ENVFILE"
    if [ "$gpio" = 1 ]; then
        cat <<EOF
# lgpio (gpiozero's pin library) makes its notification pipes in the working directory.
RuntimeDirectory=sothutu-$name
WorkingDirectory=/run/sothutu-$name
EOF
    else
        echo "WorkingDirectory=$STATE"
    fi
    cat <<EOF
Restart=always
RestartSec=3
SyslogIdentifier=sothutu-$name
ReadWritePaths=-$STATE
$(hardening)

[Install]
WantedBy=multi-user.target
EOF
}

# keypad_unit NAME MODULE DESCRIPTION: a template unit running a GPIO keypad per counter.
keypad_unit() {
    cat <<EOF
[Unit]
Description=$3 of counter %i
Documentation=file://$APP/deploy/README.md
Wants=network-online.target
After=network-online.target sothutu-server.service
StartLimitIntervalSec=0

[Service]
ExecStart=$VENV/bin/python -m $2 --config $CONFIG --counter %i
User=$SVC_USER
Group=$SVC_USER
EnvironmentFile=-$ENVFILE
# lgpio (gpiozero's pin library) makes its notification pipes in the working directory.
RuntimeDirectory=$1-%i
WorkingDirectory=/run/$1-%i
Restart=always
RestartSec=3
SyslogIdentifier=$1
$(hardening)

[Install]
WantedBy=multi-user.target
EOF
}

ENABLE=""
DISABLE=""
WRITABLE=$STATE

# The server and the backup may write the database's folder and [backup] dir: outside
# /var/lib/sothutu (a USB stick) they are added to ReadWritePaths ("-": may be missing).
writable_paths() {
    local db backup d
    db=$(config_value server database "$STATE/queue.db")
    backup=$(config_value backup dir "")
    for d in "$(dirname "$(config_path "$db")")" "${backup:+$(config_path "$backup")}"; do
        case $d in
        '' | "$STATE" | "$STATE"/*) ;;
        *[[:space:]]*) warn "a folder with spaces cannot be made writable: $d" ;;
        *) WRITABLE="$WRITABLE -$d" ;;
        esac
    done
}

# A path from the config: relative ones are relative to the config's folder.
config_path() {
    case $1 in /*) printf '%s' "$1" ;; *) printf '%s' "$ETC/$1" ;; esac
}

# unit NAME WANTED: write the unit (content from unit_text NAME) or take it away.
unit() {
    local name=$1 wanted=$2
    if [ "$wanted" = 1 ]; then
        unit_text "$name" | put 0644 "$UNITS/$name"
        case $name in *@.service) ;; sothutu-backup.service) ;; *) ENABLE="$ENABLE $name" ;; esac
    elif [ -f "$ROOT$UNITS/$name" ]; then
        case $name in *@.service) ;; sothutu-backup.service) ;; *) DISABLE="$DISABLE $name" ;; esac
        STALE_UNITS="$STALE_UNITS $name"
    fi
}
STALE_UNITS=""

unit_text() {
    case $1 in
    sothutu-server.service) server_unit ;;
    sothutu-backup.service) backup_service ;;
    sothutu-backup.timer) backup_timer ;;
    sothutu-firewall.service) firewall_unit ;;
    sothutu-kiosk.service)
        if [ "$KIOSK_HEADLESS" = 1 ]; then
            screen_unit kiosk "Sothutu kiosk without a screen (push buttons and printer)" \
                " --headless" 0 1
        else
            screen_unit kiosk "Sothutu kiosk (touchscreen, printer, push buttons)" "" 1 1
        fi
        ;;
    sothutu-display.service) screen_unit display "Sothutu waiting-room display" "" 1 0 ;;
    sothutu-keypad@.service)
        keypad_unit sothutu-keypad keypads.counter "Sothutu push-button keypad"
        ;;
    sothutu-rating-keypad@.service)
        keypad_unit sothutu-rating-keypad keypads.rating \
            "Sothutu five-button satisfaction keypad"
        ;;
    esac
}

setup_units() {
    local kiosk_unit=0 display_unit=0 n
    writable_paths
    if [ "$WANT_KIOSK" = 1 ] && { [ "$KIOSK_HEADLESS" = 1 ] || [ "$MODE" = lite ]; }; then
        kiosk_unit=1
    fi
    if [ "$WANT_DISPLAY" = 1 ] && [ "$MODE" = lite ]; then display_unit=1; fi
    unit sothutu-server.service "$WANT_SERVER"
    unit sothutu-backup.service "$WANT_SERVER"
    unit sothutu-backup.timer "$WANT_SERVER"
    unit sothutu-firewall.service "$WANT_SERVER"
    unit sothutu-kiosk.service "$kiosk_unit"
    unit sothutu-display.service "$display_unit"
    counter_units sothutu-keypad "$KEYPADS" "$PREV_KEYPADS"
    counter_units sothutu-rating-keypad "$RATING_KEYPADS" "$PREV_RATING_KEYPADS"
    if [ -n "$RATING_KEYPADS" ] && [ "$(config_value ratings keypad_pins "[]")" = "[]" ]; then
        warn "--rating-keypad: set [ratings] keypad_pins in $CONFIG (the five pins), then: sothutu restart"
    fi
}

# counter_units NAME NOW BEFORE: the template NAME@.service and one instance per counter
# in NOW; instances of counters only in BEFORE are stopped.
counter_units() {
    local name=$1 now=$2 before=$3 n
    if [ -n "$now" ]; then n=1; else n=0; fi
    unit "$name@.service" "$n"
    for n in $now; do ENABLE="$ENABLE $name@$n.service"; done
    for n in $before; do
        case " $now " in *" $n "*) ;; *) DISABLE="$DISABLE $name@$n.service" ;; esac
    done
}

apply_units() {
    local u
    for u in $DISABLE; do disable_unit "$u"; done
    for u in $STALE_UNITS; do remove "$UNITS/$u"; done
    if [ "$BOOTED" = 1 ]; then run systemctl daemon-reload; fi
    for u in $ENABLE; do
        sysctl enable "$u"
        if [ "$BOOTED" != 1 ]; then continue; fi
        if [ "$u" = sothutu-firewall.service ] && [ "$DRY_RUN" != 1 ]; then
            # A second layer only: a kernel without nftables must not stop an install or
            # an update (the server's own per-address limits still hold).
            if ! systemctl restart "$u"; then
                warn "the firewall did not load (see: journalctl -u $u; a kernel without" \
                    "nftables?): the server still limits connections per address itself"
            fi
            continue
        fi
        run systemctl restart "$u"
    done
}

# --- kiosk: the printer's udev rule ----------------------------------------------------------------

# Kiosk role: USB printers. The kiosk's deploy/99-sothutu-printer.rules
# (printer-class devices and known models), plus a rule for the [printer] connection =
# "usb:VID:PID" of the config: the group lp (service user, desktop user) may open it.
setup_printer_rule() {
    local connection="" vid pid rest reload=0
    if [ -f "$ROOT$UDEV_RULE" ] || [ -f "$ROOT$UDEV_RULES_SHIPPED" ]; then reload=1; fi
    if [ "$WANT_KIOSK" = 1 ]; then
        reload=1
        connection=$(config_value printer connection "")
        if [ -f "$SRC/deploy/99-sothutu-printer.rules" ]; then
            put 0644 "$UDEV_RULES_SHIPPED" <"$SRC/deploy/99-sothutu-printer.rules"
        fi
    else
        remove "$UDEV_RULES_SHIPPED"
    fi
    case $connection in
    usb:*)
        IFS=: read -r _ vid pid rest <<<"$connection"
        vid=$(hex4 "$vid") || die "[printer] connection '$connection': the vendor id is not hex"
        pid=$(hex4 "$pid") || die "[printer] connection '$connection': the product id is not hex"
        put 0644 "$UDEV_RULE" <<EOF
# The kiosk's USB thermal printer ([printer] connection = "$connection" in $CONFIG),
# written by deploy/install.sh: members of the group lp may print to it.
SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="$vid", ATTR{idProduct}=="$pid", MODE="0660", GROUP="lp"
EOF
        ;;
    *) remove "$UDEV_RULE" ;;
    esac
    if [ "$reload" = 1 ]; then udev_reload trigger; fi
}

hex4() {
    local h=${1#0x}
    h=${h#0X}
    case $h in '' | *[!0-9a-fA-F]*) return 1 ;; esac
    [ ${#h} -le 4 ] || return 1
    printf '%04x' "$((16#$h))"
}

# --- display: the voice pack -------------------------------------------------------------------------

# Display role: the default voice pack, made with espeak-ng by
# deploy/voicepack.py into [voice] pack. It keeps the clips that are there (a centre's
# recordings) and adds missing ones; --voice-pack makes them all anew (--force). It runs
# from the copy in /opt/sothutu/deploy: the service user cannot read a home folder.
setup_voice_pack() {
    local pack args=(--config "$CONFIG")
    [ "$WANT_DISPLAY" = 1 ] || return 0
    if [ ! -f "$SRC/deploy/voicepack.py" ]; then
        warn "no deploy/voicepack.py in this source: no voice pack made (the display falls back to espeak-ng)"
        return 0
    fi
    pack=$(config_value voice pack "$STATE/voice")
    case $pack in /*) ;; *) pack=$ETC/$pack ;; esac
    if [ "$VOICE_PACK_AGAIN" = 1 ]; then args+=(--force); fi
    make_dir 0750 "$SVC_USER:$SVC_USER" "$pack"
    if ! run runuser -u "$SVC_USER" -- "$VENV/bin/python" "$APP/deploy/voicepack.py" "${args[@]}"; then
        warn "the voice pack is incomplete (see above); the display says missing clips with espeak-ng"
    fi
}

# --- desktop: labwc autostart ------------------------------------------------------------------------

session_script() {
    cat <<'EOF'
#!/bin/sh
# Runs one Sothutu screen program (kiosk or display) in the desktop session and starts
# it again whenever it stops, until it exits with status 0 (the technician closed it).
# labwc's autostart starts it (written by deploy/install.sh); the output goes to the
# journal: journalctl -t sothutu-kiosk (or -t sothutu-display).
set -u
role=${1:-}
case $role in
kiosk | display) ;;
*)
    echo "usage: sothutu-session kiosk|display" >&2
    exit 2
    ;;
esac
python=${SOTHUTU_PYTHON:-/opt/sothutu/venv/bin/python}
config=${SOTHUTU_CONFIG:-/etc/sothutu/config.toml}
environment=${SOTHUTU_ENVIRONMENT:-/etc/sothutu/environment}
first_delay=${SOTHUTU_RESPAWN_DELAY:-2}
max_delay=30

if [ -r "$environment" ]; then
    set -a
    # shellcheck source=/dev/null
    . "$environment"
    set +a
fi
# lgpio (gpiozero's pin library) makes its notification pipes in the working directory.
cd "${XDG_RUNTIME_DIR:-/tmp}" 2>/dev/null || cd /tmp || exit 1

journal() { [ -S /run/systemd/journal/stdout ] && command -v systemd-cat >/dev/null 2>&1; }

log() {
    if journal; then
        echo "$*" | systemd-cat -t "sothutu-$role"
    else
        echo "sothutu-session: $role: $*" >&2
    fi
}

run_once() {
    if journal; then
        systemd-cat -t "sothutu-$role" "$python" -m "$role" --config "$config"
    else
        "$python" -m "$role" --config "$config"
    fi
}

delay=$first_delay
while :; do
    started=$(date +%s)
    run_once
    status=$?
    if [ "$status" -eq 0 ]; then
        log "closed (status 0); not starting it again until the next login"
        exit 0
    fi
    if [ $(($(date +%s) - started)) -ge 60 ]; then delay=$first_delay; fi
    log "stopped with status $status; starting it again in ${delay}s"
    sleep "$delay"
    delay=$((delay * 2 > max_delay ? max_delay : delay * 2))
done
EOF
}

# The autostart file with our block replaced by BLOCK (empty: taken out).
autostart_with() {
    local file=$1 block=$2
    if [ -f "$file" ]; then
        awk -v begin="$MARK_BEGIN" -v end="$MARK_END" '
            $0 == begin { skip = 1; next }
            $0 == end { skip = 0; next }
            !skip { print }' "$file"
    fi
    if [ -n "$block" ]; then printf '%s\n%s%s\n' "$MARK_BEGIN" "$block" "$MARK_END"; fi
}

set_autostart() {
    local user=$1 home=$2 block=$3 file dir content
    dir=$home/.config/labwc
    file=$ROOT$dir/autostart
    if [ -z "$block" ] && [ ! -f "$file" ]; then return 0; fi
    content=$(autostart_with "$file" "$block")
    if [ -z "$block" ] && [ -z "$(printf '%s' "$content" | tr -d '[:space:]')" ]; then
        remove "$dir/autostart"
        return 0
    fi
    if [ ! -d "$ROOT$dir" ]; then
        mkdir -p "$ROOT$dir"
        run chown "$user:" "$home/.config" "$dir"
    fi
    printf '%s\n' "$content" | put 0644 "$dir/autostart"
    run chown "$user:" "$dir/autostart"
}

setup_desktop() {
    local app block=""
    if [ -n "$PREV_DESKTOP_USER" ] && [ "$PREV_DESKTOP_USER" != "$DESKTOP_USER" ]; then
        set_autostart "$PREV_DESKTOP_USER" "$(prev_home)" ""
    fi
    if [ -z "$DESKTOP_APPS" ]; then
        if [ -n "$DESKTOP_USER" ]; then set_autostart "$DESKTOP_USER" "$DESKTOP_HOME" ""; fi
        remove "$SESSION"
        return 0
    fi
    session_script | put 0755 "$SESSION"
    for app in $DESKTOP_APPS; do block="$block$SESSION $app &"$'\n'; done
    set_autostart "$DESKTOP_USER" "$DESKTOP_HOME" "$block"
    if [ "$DRY_RUN" = 1 ] || command -v raspi-config >/dev/null; then
        # Log in to the desktop by itself at boot, and never blank the screens.
        run raspi-config nonint do_boot_behaviour B4
        run raspi-config nonint do_blanking 1
    else
        warn "no raspi-config: turn on desktop autologin and turn off screen blanking yourself"
    fi
}

prev_home() {
    local home
    home=$(getent passwd "$PREV_DESKTOP_USER" | cut -d: -f6 || true)
    printf '%s' "${home:-/home/$PREV_DESKTOP_USER}"
}

# --- the technician's command and a copy of the guide ----------------------------------------------

wrapper_script() {
    cat <<'EOF'
#!/bin/sh
# sothutu: the technician's commands on a Pi set up by deploy/install.sh.
set -eu
python=${SOTHUTU_PYTHON:-/opt/sothutu/venv/bin/python}
config=${SOTHUTU_CONFIG:-/etc/sothutu/config.toml}

usage() {
    cat <<'USAGE'
usage: sothutu COMMAND
  check          check the config (a mistake is named with its key)
  status         the state of the Sothutu services
  logs           follow the Sothutu logs (Ctrl-C to stop)
  restart        restart the Sothutu services after a config change
  print-test     print a test ticket on the configured printer
  say CODE N     announce ticket CODE at counter N, e.g. sothutu say A015 3
  backup         back up the database now
Run them with sudo, except `say` on the desktop (run it in the desktop's terminal).
USAGE
}

# As root, run the program as the service user (files it makes stay readable to it).
as_service_user() {
    if [ "$(id -u)" -eq 0 ] && id sothutu >/dev/null 2>&1; then
        exec runuser -u sothutu -- "$@"
    fi
    exec "$@"
}

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
check)
    as_service_user "$python" -c '
import sys
from sothutu.config import load_or_exit
c = load_or_exit(sys.argv[1], "sothutu")
print(f"{sys.argv[1]}: OK: {len(c.services)} fields, {len(c.counters)} counters, "
      f"{len(c.kiosks)} kiosks, server {c.server.host}:{c.server.port}")' "$config"
    ;;
status) exec systemctl --no-pager status 'sothutu-*' ;;
logs)
    exec journalctl -f -t sothutu-server -t sothutu-kiosk -t sothutu-display \
        -t sothutu-keypad -t sothutu-rating-keypad -t sothutu-backup
    ;;
restart)
    systemctl restart 'sothutu-*.service'
    echo "restarted; the desktop's kiosk and display restart at the next login (or: sudo reboot)"
    ;;
print-test) as_service_user "$python" -m kiosk --config "$config" print-test ;;
say) as_service_user "$python" -m display --config "$config" say "$@" ;;
backup) as_service_user "$python" -m counter_api backup --config "$config" ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
EOF
}

install_support_files() {
    wrapper_script | put 0755 "$WRAPPER"
    put 0755 "$APP/deploy/install.sh" <"$SRC/deploy/install.sh"
    put 0644 "$APP/deploy/README.md" <"$SRC/deploy/README.md"
    if [ "$WANT_DISPLAY" = 1 ] && [ -f "$SRC/deploy/voicepack.py" ]; then
        put 0644 "$APP/deploy/voicepack.py" <"$SRC/deploy/voicepack.py"
    else
        remove "$APP/deploy/voicepack.py"
    fi
}

# --- the province hub (a Debian 12 server, not a Pi) ------------------------------------------

hub_unit() {
    cat <<EOF
[Unit]
Description=Sothutu province hub on port %i (pages, API, centres' pushes)
Documentation=file://$APP/deploy/hub/README.md
Wants=network-online.target
After=network-online.target postgresql.service
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=$VENV/bin/python -m hub --config $HUB_CONFIG --port %i
User=$SVC_USER
Group=$SVC_USER
Environment=PYTHONUNBUFFERED=1
WorkingDirectory=/
Restart=always
RestartSec=2
TimeoutStopSec=20
SyslogIdentifier=sothutu-hub
$(hardening_no_devices)

[Install]
WantedBy=multi-user.target
EOF
}

# The PostgreSQL role (the service user, by peer login on the local socket) and database.
setup_hub_database() {
    run systemctl enable --now postgresql.service
    run runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c \
        "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$SVC_USER') THEN CREATE ROLE \"$SVC_USER\" LOGIN; END IF; END \$\$;"
    run runuser -u postgres -- sh -c \
        "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = '$HUB_DB'\" | grep -q 1 || createdb -O '$SVC_USER' '$HUB_DB'"
}

setup_hub_config() {
    local cfg=$ROOT$HUB_CONFIG args=(--out "$ROOT$HUB_CONFIG" --database "postgresql:///$HUB_DB")
    if [ -f "$cfg" ]; then
        say "keeping the hub config $HUB_CONFIG"
        if [ -n "$HUB_NAME" ]; then warn "--hub-name only shapes a new config; edit $HUB_CONFIG"; fi
    else
        if [ -n "$HUB_NAME" ]; then args+=(--name "$HUB_NAME"); fi
        say "writing a new hub config with random keys: $HUB_CONFIG"
        python3 "$SRC/deploy/hub/mkconfig.py" "${args[@]}"
    fi
    chmod 0640 "$cfg"
    run chown -R "root:$SVC_USER" "$ETC"
    if ! PYTHONPATH=$SRC python3 -c '
import sys
from hub.config import load_or_exit
load_or_exit(sys.argv[1], "install.sh")' "$cfg"; then
        die "fix $HUB_CONFIG (the line above names the key), then run install.sh again"
    fi
}

setup_hub_units() {
    local n port u
    hub_unit | put 0644 "$UNITS/sothutu-hub@.service"
    for u in sothutu-server.service sothutu-backup.timer sothutu-kiosk.service sothutu-display.service; do
        if [ -f "$ROOT$UNITS/$u" ]; then
            warn "$u is installed too: a hub server runs no Pi roles (install.sh --uninstall first)"
        fi
    done
    for n in $(seq 1 16); do
        port=$((HUB_FIRST_PORT + n - 1))
        if [ "$n" -le "$HUB_PROCESSES" ]; then
            ENABLE="$ENABLE sothutu-hub@$port.service"
        elif [ "$n" -le "${PREV_HUB_PROCESSES:-0}" ]; then
            DISABLE="$DISABLE sothutu-hub@$port.service"
        fi
    done
}

do_install_hub() {
    if [ "$BOOTED" = 0 ]; then
        die "the hub needs its PostgreSQL running: install it on the booted server, not into an image"
    fi
    say "installing:$(describe_roles)"
    install_packages
    if [ "$DRY_RUN" = 1 ] || ! getent passwd "$SVC_USER" >/dev/null; then
        run useradd --system --user-group --home-dir "$STATE" --no-create-home \
            --shell /usr/sbin/nologin --comment "Sothutu province hub" "$SVC_USER"
    fi
    setup_dirs
    install_venv
    setup_hub_database
    setup_hub_config
    run runuser -u "$SVC_USER" -- "$VENV/bin/python" -m hub --config "$HUB_CONFIG" init-db
    put 0755 "$APP/deploy/install.sh" <"$SRC/deploy/install.sh"
    put 0644 "$APP/deploy/hub/README.md" <"$SRC/deploy/hub/README.md"
    put 0644 "$HUB_NGINX" <"$SRC/deploy/hub/nginx-sothutu-hub.conf"
    setup_hub_units
    save_roles
    apply_units
    say "done: roles$(describe_roles); listening on 127.0.0.1:$HUB_FIRST_PORT and up"
    say "next: the nginx site with TLS ($HUB_NGINX), staff accounts and centres: see $APP/deploy/hub/README.md"
    say "register a centre: sudo runuser -u $SVC_USER -- $VENV/bin/python -m hub --config $HUB_CONFIG centre add ID --name NAME"
}

# --- install, uninstall ------------------------------------------------------------------------

preflight() {
    if [ ! -f "$SRC/pyproject.toml" ] || [ ! -d "$SRC/counter_api" ]; then
        die "run install.sh from the Sothutu source folder (deploy/install.sh in it)"
    fi
    command -v python3 >/dev/null || die "python3 is missing (sudo apt-get install python3)"
    if [ "$DRY_RUN" = 0 ] && [ -r /etc/os-release ]; then
        # shellcheck source=/dev/null
        if ! (. /etc/os-release && [ "${VERSION_CODENAME:-}" = bookworm ]); then
            warn "made for Raspberry Pi OS Bookworm; this system is $(. /etc/os-release && echo "${PRETTY_NAME:-unknown}")"
        fi
    fi
}

summary() {
    local address=THIS-PI
    if [ "$DRY_RUN" = 0 ] && [ "$BOOTED" = 1 ]; then
        address=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
        address=${address:-THIS-PI}
    fi
    say "done: roles$(describe_roles) ($MODE)"
    if [ "$WANT_SERVER" = 1 ]; then
        say "clerk console: http://$address:$PORT/console (each counter's PIN)"
    fi
    say "check: sudo sothutu check | test: sudo sothutu print-test, sothutu say A001 1 | logs: sothutu logs"
    if [ -n "$DESKTOP_APPS" ]; then
        say "${DESKTOP_APPS/ / and } starts when $DESKTOP_USER logs in to the desktop: sudo reboot"
    fi
}

do_install() {
    preflight
    resolve_roles
    if [ "$WANT_HUB" = 1 ]; then
        do_install_hub
        return
    fi
    say "installing:$(describe_roles) ($MODE)"
    install_packages
    setup_user
    setup_dirs
    install_venv
    setup_config
    setup_environment
    install_support_files
    setup_printer_rule
    setup_firewall
    setup_voice_pack
    setup_desktop
    setup_units
    save_roles
    apply_units
    summary
}

do_uninstall() {
    local u n
    load_roles || true
    for u in sothutu-server.service sothutu-backup.timer sothutu-firewall.service \
        sothutu-kiosk.service sothutu-display.service; do
        if [ -f "$ROOT$UNITS/$u" ]; then disable_unit "$u"; fi
    done
    for n in $PREV_KEYPADS; do disable_unit "sothutu-keypad@$n.service"; done
    for n in $PREV_RATING_KEYPADS; do disable_unit "sothutu-rating-keypad@$n.service"; done
    if [ "$PREV_HUB" = 1 ]; then
        for n in $(seq 1 "${PREV_HUB_PROCESSES:-2}"); do
            disable_unit "sothutu-hub@$((HUB_FIRST_PORT + n - 1)).service"
        done
    fi
    remove "$UNITS/sothutu-server.service" "$UNITS/sothutu-backup.service" \
        "$UNITS/sothutu-backup.timer" "$UNITS/sothutu-firewall.service" \
        "$UNITS/sothutu-kiosk.service" \
        "$UNITS/sothutu-display.service" "$UNITS/sothutu-keypad@.service" \
        "$UNITS/sothutu-rating-keypad@.service" "$UNITS/sothutu-hub@.service"
    if [ "$BOOTED" = 1 ]; then run systemctl daemon-reload; fi
    if [ -f "$ROOT$UDEV_RULE" ] || [ -f "$ROOT$UDEV_RULES_SHIPPED" ]; then
        remove "$UDEV_RULE" "$UDEV_RULES_SHIPPED"
        udev_reload
    fi
    if [ -n "$PREV_DESKTOP_USER" ]; then set_autostart "$PREV_DESKTOP_USER" "$(prev_home)" ""; fi
    remove "$WRAPPER" "$APP"
    if [ "$PURGE" = 1 ]; then
        remove "$ETC" "$STATE"
        if [ "$DRY_RUN" = 1 ] || getent passwd "$SVC_USER" >/dev/null; then
            run userdel "$SVC_USER"
        fi
        say "removed Sothutu with its config and database"
        if [ "$PREV_HUB" = 1 ]; then
            say "the hub's PostgreSQL database $HUB_DB is kept; drop it with: sudo -u postgres dropdb $HUB_DB"
        fi
    else
        say "removed Sothutu; kept the config $ETC and the data $STATE (--purge removes them)"
    fi
}

parse_args "$@"
detect_daemons
if [ "$UNINSTALL" = 1 ]; then do_uninstall; else do_install; fi
