# Sourced by the scripts that install what they need: running as root or
# through sudo, a Debian package, a Python virtual environment. Everything
# these print goes to stderr, so a script's stdout stays its answer.

as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"

# Installs Debian's package $1, which is missing; $2 says what it is for.
apt_install() {
  if ! command -v apt-get >/dev/null; then
    printf '\033[31merror:\033[0m %s is missing and apt-get is not available: install %s (%s).\n' "$1" "$1" "$2" >&2
    exit 1
  fi
  printf '\033[1m[install]\033[0m Debian'"'"'s %s (%s)\n' "$1" "$2" >&2
  $as_root apt-get update -qq >&2
  # A caller may set RUNLEVEL=1 so that a package with a system service
  # (nginx) installs without starting it.
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq "$1" >/dev/null
}

# Creates the Python virtual environment $1 (Debian's python3-venv first,
# where Python came without it).
python_venv() {
  python3 -m venv "$1" 2>/dev/null && return
  apt_install python3-venv "Python virtual environments for the test tools"
  python3 -m venv "$1"
}
