# Sourced by the scripts: where the tools live, and PATH to reach them.
export MEETINGS_TOOLS_DIR="${MEETINGS_TOOLS_DIR:-$HOME/.cache/meeting-requests/tools}"
export PATH="$MEETINGS_TOOLS_DIR/bin:$MEETINGS_TOOLS_DIR/binaryen/node_modules/.bin:$PATH"
