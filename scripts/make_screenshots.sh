#!/usr/bin/env bash
# Regenerates every image in screenshots/ (used by README.md) with bpviz's own export command.
# Renders offscreen: no display needed. Usage: scripts/make_screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-screenshots}
mkdir -p "$out"

# the project's venv if there is one, else bpviz on PATH
bpviz=
for c in .venv/bin/bpviz ../venv/bin/bpviz; do
  if [ -x "$c" ]; then bpviz=$c; break; fi
done
if [ -z "$bpviz" ]; then
  bpviz=$(command -v bpviz) || { echo "make_screenshots: bpviz not found" >&2; exit 1; }
fi
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

shot() {  # shot FILE ARGS…
  local file=$1; shift
  "$bpviz" export "$@" -o "$out/$file"
  echo "$out/$file"
}

# the whole window on mazur, forward pass: the output layer's net input
shot window-mazur-forward.png mazur --what window --phase net:o --size 1400x860
# the backward pass: the error signal reaches the hidden layer (∂E/∂out = Wᵀ·δ)
shot window-mazur-backward.png mazur --what window --phase grad_out:h --size 1400x860
# the canvas of swap (2-4-3-2) when δ of its middle layer is known: a 1920x1080 slide (the
# canvas's default size) with the colour key
shot canvas-swap-delta.png swap --what canvas --phase delta:c --legend
# the error plot after training xor for 400 steps
shot plot-xor-400.png xor --what plot --steps 400 --size 900x360
# the window in the dark theme
shot window-mazur-dark.png mazur --what window --phase delta:o --theme dark --size 1400x860
