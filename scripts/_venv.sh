# Shared by scripts/run and scripts/test: a virtualenv in .venv with the project installed.
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv || {
            echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt install python3-venv" >&2
            exit 1
        }
    fi
    # shellcheck disable=SC1091
    . .venv/bin/activate
    local stamp=".venv/.installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        python -m pip install -q --upgrade pip
        python -m pip install -q -e ".${extras}"
        touch "$stamp"
    fi
}
